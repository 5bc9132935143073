"""Fixtures of the audit tests: moto in server mode on 127.0.0.1, the example app."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from moto_account import CSC, EXAMPLE, REGION
from moto_support import moto_endpoint

moto_server = pytest.importorskip("moto.server", reason="moto[server] is not installed")

_ENV = ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_DEFAULT_REGION", "AWS_ENDPOINT_URL")


@pytest.fixture(scope="session")
def endpoint() -> Iterator[str]:
    """moto in server mode on 127.0.0.1; boto3 finds it through ``AWS_ENDPOINT_URL``."""
    with moto_endpoint(REGION, endpoint_env=True) as url:
        yield url


@pytest.fixture(scope="session")
def shop(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the example SAM app where one function is signed, one has an IAM URL and
    none uses a foreign layer."""
    root = tmp_path_factory.mktemp("shop")
    shutil.copytree(EXAMPLE, root, dirs_exist_ok=True)
    template = root / "template.yaml"
    text = template.read_text()
    text = text.replace(
        "      CodeUri: src/signup/\n",
        f"      CodeUri: src/signup/\n      CodeSigningConfigArn: {CSC}\n",
    )
    text = text.replace(
        "      CodeUri: src/worker/\n",
        "      CodeUri: src/worker/\n      FunctionUrlConfig:\n        AuthType: AWS_IAM\n",
    )
    # moto resolves a layer ARN in the caller's own account only: a foreign layer cannot be
    # deployed there (the foreign-layer case is checked on a snapshot, see the tests)
    text = text.replace(
        "      Layers:\n        - arn:aws:lambda:us-east-1:999999999999:layer:pdf-tools:7"
        " # P4: someone else's code\n",
        "",
    )
    template.write_text(text)
    return root
