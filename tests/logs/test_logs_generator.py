"""The generator: every container format, deterministic output, recorded ground truth."""

from __future__ import annotations

import base64
import gzip
import hashlib
import json
from pathlib import Path
from typing import Any

from faasguard.logs.generator import CONTAINERS, generate, parse_size


def _digest(root: Path) -> str:
    h = hashlib.sha256()
    for path in sorted(root.rglob("*")):
        if path.is_file():
            h.update(path.relative_to(root).as_posix().encode())
            h.update(path.read_bytes())
    return h.hexdigest()


def test_same_seed_same_bytes(tmp_path: Path) -> None:
    generate(tmp_path / "a", size=300_000, seed=3)
    generate(tmp_path / "b", size=300_000, seed=3)
    generate(tmp_path / "c", size=300_000, seed=4)
    assert _digest(tmp_path / "a") == _digest(tmp_path / "b")
    assert _digest(tmp_path / "a") != _digest(tmp_path / "c")


def test_mixed_writes_every_container(generated: tuple[Path, dict[str, Any]]) -> None:
    root, truth = generated
    assert {f["container"] for f in truth["functions"]} == set(CONTAINERS)
    assert 8_000_000 < truth["bytes"] < 13_000_000
    export = next(root.glob("s3-export/aws/lambda/*/*/2024/05/01/*/000000.gz"))
    first = gzip.decompress(export.read_bytes()).split(b"\n", 1)[0].decode()
    assert first[:4] == "2024" and first[23] == "Z"
    payload = json.loads(next(root.glob("subscription/*/*.json")).read_text().splitlines()[0])
    body = json.loads(gzip.decompress(base64.b64decode(payload["awslogs"]["data"])))
    assert body["logGroup"].startswith("/aws/lambda/") and body["logEvents"]
    trail = next(root.glob("cloudtrail/AWSLogs/*/CloudTrail/*/*/*/*/*.json.gz"))
    assert json.loads(gzip.decompress(trail.read_bytes()))["Records"]


def test_text_logs_look_like_lambda(generated: tuple[Path, dict[str, Any]]) -> None:
    root, _ = generated
    text = "".join(p.read_bytes().decode() for p in root.glob("aws/lambda/checkout/*.log"))
    assert "\tInit Duration: " in text and "INIT_START Runtime Version" in text
    assert "Task timed out after 10.00 seconds" in text
    assert "Traceback (most recent call last):\r" in text
    assert "REPORT RequestId: " in text and "\tMax Memory Used: " in text


def test_ground_truth_covers_every_detection(generated: tuple[Path, dict[str, Any]]) -> None:
    _, truth = generated
    rules = {i["rule_id"] for i in truth["incidents"]}
    expected = {f"LOG0{n}" for n in range(10, 22)} | {f"LOG0{n}" for n in range(30, 38)}
    assert rules == expected


def test_parse_size() -> None:
    assert parse_size("100MB") == 100_000_000
    assert parse_size("1GB") == 1_000_000_000
    assert parse_size("512kb") == 512_000
    assert parse_size("1234") == 1234
