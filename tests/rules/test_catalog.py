"""The rule catalog: docs in sync, complete metadata, fixtures for every rule and format."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest

from faasguard.docs import REGENERATE, SECTIONS, find_fixtures, generate, split_sections
from faasguard.rules import all_rules
from faasguard.rules.base import Rule, Source

sys.path.insert(0, str(Path(__file__).parents[1]))
from fixture_annotations import FIXTURES, fixture_dirs, read_annotations

REPO = Path(__file__).resolve().parents[2]
DOCS = REPO / "docs" / "rules"
RULES = all_rules()
_KEBAB = re.compile(r"^[a-z][a-z0-9]*(-[a-z0-9]+)+$")


def test_docs_are_fresh() -> None:
    pages = generate(RULES, find_fixtures(REPO))
    stale = [
        name
        for name, content in pages.items()
        if not (DOCS / name).is_file() or (DOCS / name).read_text(encoding="utf-8") != content
    ]
    extra = (
        sorted(p.name for p in DOCS.glob("*.md") if p.name not in pages) if DOCS.is_dir() else []
    )
    assert not stale and not extra, (
        f"docs/rules is out of date (stale or missing: {stale}; no longer generated: {extra}); "
        f"run `{REGENERATE}`"
    )


@pytest.mark.parametrize("rule", RULES, ids=[r.id for r in RULES])
def test_rule_metadata(rule: Rule) -> None:
    sections = split_sections(rule.doc)
    missing = [s for s in SECTIONS if not sections.get(s)]
    assert not missing, f"{rule.id} docstring lacks sections {missing}"
    package = rule.module.split(".")[2]
    assert rule.family.lower() == package, f"{rule.id} lives in rules/{package}/"
    assert _KEBAB.match(rule.name), f"{rule.id} name {rule.name!r} is not kebab-case"
    assert rule.practice is not None and rule.title


@pytest.mark.parametrize("rule", RULES, ids=[r.id for r in RULES])
def test_rule_module_is_named_after_the_rule(rule: Rule) -> None:
    module = rule.module.rsplit(".", 1)[1]
    expected = rule.name.replace("-", "_")
    assert module == expected, f"{rule.id} lives in {module}.py; name it {expected}.py"


def test_what_rules_read() -> None:
    # DEP rules read manifests, lockfiles and artifacts; PERM050-052 the handler code.
    sources = {r.id: r.source for r in RULES}
    assert {i for i, s in sources.items() if i.startswith("DEP0")} == {
        i for i, s in sources.items() if s is Source.DEPENDENCIES
    }
    assert all(sources[i] is Source.CODE for i in ("PERM050", "PERM051", "PERM052"))


def _spellings(value: int | float | str) -> list[str]:
    """How a threshold could be repeated in prose: 900, 10240, 10,240, 0.9, 90 %."""
    if isinstance(value, str):
        return [value]
    found = [f"{value:g}", str(value)]
    if isinstance(value, int) and value >= 1000:
        found.append(f"{value:,}")
    if isinstance(value, float) and 0 < value < 1:
        found += [f"{value * 100:g} %", f"{value * 100:g}%"]
    return list(dict.fromkeys(found))


@pytest.mark.parametrize(
    "rule", [r for r in RULES if r.thresholds], ids=[r.id for r in RULES if r.thresholds]
)
def test_thresholds_are_written_once(rule: Rule) -> None:
    # The page renders the thresholds; the docstring names them ("see Thresholds") without
    # the numbers, which would go stale. The Example shows a user's configuration and the
    # References name documents ("OWASP Serverless Top 10"): exempt.
    sections = split_sections(rule.doc)
    prose = "\n".join(
        [
            rule.title,
            *(text for name, text in sections.items() if name not in ("Example", "References")),
        ]
    )
    assert "Thresholds" in prose, f"{rule.id} docstring should point at its Thresholds"
    repeated = [
        f"{key}={spelling}"
        for key, value in rule.thresholds.items()
        for spelling in _spellings(value)
        # "5-minute windows" names the window, not a threshold of 5
        if re.search(rf"(?<![\w.,-]){re.escape(spelling)}(?![\w,-]|\.\d)", prose)
    ]
    assert not repeated, f"{rule.id} docstring repeats its thresholds {repeated}"


def test_ids_and_names_are_unique() -> None:
    ids = [r.id for r in RULES]
    names = [r.name for r in RULES]
    assert len(ids) == len(set(ids)) and len(names) == len(set(names))


def test_each_page_lists_the_fixtures_annotated_for_its_rule() -> None:
    listed = {
        (rule_id, f.path, f.expect, f.ok)
        for rule_id, files in find_fixtures(REPO).items()
        for f in files
    }
    counted: dict[tuple[str, str], list[int]] = {}
    for directory in fixture_dirs():
        notes = read_annotations(directory)
        for index, table in enumerate((notes.expect, notes.ok)):
            for (path, _), ids in table.items():
                for rule_id in ids:
                    key = (rule_id, path.relative_to(REPO).as_posix())
                    counted.setdefault(key, [0, 0])[index] += 1
    assert listed == {(r, p, e, o) for (r, p), (e, o) in counted.items()}
    page = (DOCS / "TIME001.md").read_text(encoding="utf-8")
    assert "| `tests/fixtures/sam/time/template.yaml` |" in page


def _coverage() -> dict[tuple[str, str], set[str]]:
    seen: dict[tuple[str, str], set[str]] = {}
    for directory in fixture_dirs():
        fmt = directory.relative_to(FIXTURES).parts[0]
        notes = read_annotations(directory)
        for kind, table in (("expect", notes.expect), ("ok", notes.ok)):
            for ids in table.values():
                for rule_id in ids:
                    seen.setdefault((rule_id, fmt), set()).add(kind)
    return seen


@pytest.mark.parametrize("rule", RULES, ids=[r.id for r in RULES])
def test_rule_has_fixtures_in_every_format(rule: Rule) -> None:
    seen = _coverage()
    missing = [
        f"{fmt}: {kind}"
        for fmt in rule.formats
        for kind in ("expect", "ok")
        if kind not in seen.get((rule.id, fmt), set())
    ]
    assert not missing, f"{rule.id} lacks fixture annotations: {missing}"
