"""Fixtures of the audit tests: moto in server mode on 127.0.0.1, the example app."""

from __future__ import annotations

import os
import shutil
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
from moto_account import CSC, EXAMPLE, REGION

moto_server = pytest.importorskip("moto.server", reason="moto[server] is not installed")

_ENV = ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_DEFAULT_REGION", "AWS_ENDPOINT_URL")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="session")
def endpoint() -> Iterator[str]:
    """moto in server mode on 127.0.0.1; boto3 finds it through ``AWS_ENDPOINT_URL``."""
    saved = {k: os.environ.get(k) for k in _ENV}
    server = moto_server.ThreadedMotoServer(ip_address="127.0.0.1", port=_free_port())
    server.start()
    host, port = server.get_host_and_port()
    url = f"http://{host}:{port}"
    os.environ.update(
        AWS_ACCESS_KEY_ID="testing",
        AWS_SECRET_ACCESS_KEY="testing",
        AWS_DEFAULT_REGION=REGION,
        AWS_ENDPOINT_URL=url,
    )
    try:
        yield url
    finally:
        server.stop()
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


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
