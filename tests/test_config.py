"""``ScanConfig.from_options``: command-line options merged over the config file."""

from __future__ import annotations

from pathlib import Path

import pytest

from faasguard.config import ScanConfig
from faasguard.errors import UsageError
from faasguard.findings import Severity


def _project(tmp_path: Path, toml: str) -> Path:
    (tmp_path / "faasguard.toml").write_text(toml, encoding="utf-8")
    return tmp_path


def test_options_win_over_the_config_file(tmp_path: Path) -> None:
    root = _project(
        tmp_path, 'fail-on = "high"\nselect = ["PERM"]\nignore-rules = ["LOG002"]\ndb = "a.db"\n'
    )
    config = ScanConfig.from_options(
        str(root), fail_on="medium", select=["trig, time001"], ignore=["conf"], db_path="b.db"
    )
    assert config.fail_on is Severity.MEDIUM
    assert config.select == ("TRIG", "TIME001")
    assert config.ignore_rules == ("LOG002", "CONF")  # --ignore adds to the file's
    assert config.db_path == "b.db"


def test_the_file_applies_where_no_option_is_given(tmp_path: Path) -> None:
    root = _project(tmp_path, 'fail-on = "high"\nselect = ["PERM"]\n')
    config = ScanConfig.from_options(str(root))
    assert config.fail_on is Severity.HIGH
    assert config.select == ("PERM",)
    assert config.cache_dir == str(root / ".faasguard" / "cache")
    assert config.load.root == str(root)


def test_find_config_off_and_no_cache(tmp_path: Path) -> None:
    root = _project(tmp_path, 'fail-on = "high"\n')
    config = ScanConfig.from_options(
        str(root), find_config=False, cache=False, stage="prod", variables=["A=1=2"], jobs=3
    )
    assert config.fail_on is Severity.LOW
    assert config.cache_dir is None
    assert config.load.stage == "prod"
    assert dict(config.load.variables) == {"A": "1=2"}
    assert config.jobs == 3


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"fail_on": "severe"}, "unknown severity 'severe'"),
        ({"variables": ["NOEQUALS"]}, "--var expects NAME=VALUE, got 'NOEQUALS'"),
        ({"parameters": ["=x"]}, "--param expects NAME=VALUE"),
        ({"config_file": Path("nowhere.toml")}, "configuration file not found: nowhere.toml"),
    ],
)
def test_bad_options_are_usage_errors(
    tmp_path: Path, options: dict[str, object], message: str
) -> None:
    with pytest.raises(UsageError, match=message):
        ScanConfig.from_options(str(tmp_path), **options)  # type: ignore[arg-type]
