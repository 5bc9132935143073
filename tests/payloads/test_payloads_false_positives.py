"""faasguard.payloads: benign values that read like payloads stay clean (issue 15: the
runtime guard must not block them), and the attack next to each is still found by the
same rule (``lookalikes.tsv``). Every row is checked with both backends."""

from __future__ import annotations

from pathlib import Path

import pytest

from faasguard.payloads import detect
from faasguard.payloads.engine import hyperscan_available, libinjection_checks

BACKENDS = ["re"] + (["hyperscan"] if hyperscan_available() else [])
LOOKALIKES = Path(__file__).with_name("lookalikes.tsv")


def _rows() -> list[tuple[str, str, str]]:
    lines = LOOKALIKES.read_text(encoding="utf-8").splitlines()
    header, *rows = [line.split("\t") for line in lines if line and not line.startswith("#")]
    assert header == ["benign", "attack", "rule"] and all(len(row) == 3 for row in rows)
    return [(row[0], row[1], row[2]) for row in rows]


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize(("benign", "attack", "rule"), _rows())
def test_benign_clean_and_attack_found_by_the_same_rule(
    backend: str, benign: str, attack: str, rule: str
) -> None:
    if rule == "libinjection" and libinjection_checks() is None:
        pytest.skip("libinjection-python not installed")
    assert detect(benign, backend=backend) == []
    assert rule in [d.source for d in detect(attack, backend=backend)]


def test_without_libinjection_the_patterns_alone_answer() -> None:
    assert detect("select current_setting('config_file');", libinjection=False) == []
    assert [d.cls for d in detect("x' or 1=1--", libinjection=False)] == ["sqli"]
