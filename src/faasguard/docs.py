"""Generate the rule documentation pages (``docs/rules/``) from the rules themselves.

Run ``python -m faasguard.docs docs/rules`` after changing a rule or a fixture;
``tests/rules/test_catalog.py`` fails when the checked-in pages differ from what this
module generates. Each page lists the fixture files annotated for its rule, found under
:data:`FIXTURE_ROOTS` of the repository that holds the docs directory.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from faasguard.findings import Practice
from faasguard.report.common import format_threshold
from faasguard.rules.base import Rule

#: The documentation sections every rule docstring has, in this order.
SECTIONS = ("What it finds", "Why it matters", "Example", "How to fix", "References")
_SECTION_LINE = re.compile(rf"^({'|'.join(re.escape(s) for s in SECTIONS)}):\s*(.*)$")
_URL = re.compile(r"^- (https?://\S+)$")

REGENERATE = "python -m faasguard.docs docs/rules"

#: Directories of annotated fixture projects, relative to the repository root.
FIXTURE_ROOTS = ("tests/fixtures",)
#: Files whose comments can carry annotations: templates, manifests, lockfiles, handler code.
ANNOTATED_SUFFIXES = frozenset(
    {".yml", ".yaml", ".json", ".tf", ".tfvars", ".txt", ".lock", ".toml"}
    | {".py", ".js", ".mjs", ".cjs", ".ts"}
)
#: ``# expect: ID[, ID...]`` (the rule must report this line) or ``# ok: ID`` (it must
#: not); ``//`` instead of ``#`` in JavaScript and TypeScript.
ANNOTATION = re.compile(r"(?:#|//)\s*(expect|ok):\s*([A-Z]+\d{3}(?:\s*,\s*[A-Z]+\d{3})*)")


@dataclass(frozen=True, slots=True)
class FixtureFile:
    """One fixture file annotated for a rule: how many lines must and must not report it."""

    path: str
    expect: int
    ok: int


def read_file_annotations(path: Path) -> Iterator[tuple[int, str, list[str]]]:
    """``(line, "expect" | "ok", rule ids)`` for every annotation in one file."""
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        for kind, ids in ANNOTATION.findall(line):
            yield number, kind, [i.strip() for i in ids.split(",")]


def find_fixtures(
    repo_root: Path, roots: Iterable[str] = FIXTURE_ROOTS
) -> dict[str, list[FixtureFile]]:
    """Rule id → the annotated fixture files under ``roots``, paths relative to the repo."""
    counts: dict[str, dict[str, dict[str, int]]] = {}
    for root in roots:
        for path in sorted((repo_root / root).rglob("*")):
            if not path.is_file() or path.suffix not in ANNOTATED_SUFFIXES:
                continue
            shown = path.relative_to(repo_root).as_posix()
            for _, kind, ids in read_file_annotations(path):
                for rule_id in ids:
                    per_kind = counts.setdefault(rule_id, {}).setdefault(shown, {})
                    per_kind[kind] = per_kind.get(kind, 0) + 1
    return {
        rule_id: [
            FixtureFile(path, kinds.get("expect", 0), kinds.get("ok", 0))
            for path, kinds in sorted(files.items())
        ]
        for rule_id, files in counts.items()
    }


def split_sections(doc: str) -> dict[str, str]:
    """The rule docstring's sections by name (text stripped), without the title line."""
    sections: dict[str, list[str]] = {}
    current: list[str] | None = None
    for line in doc.splitlines()[1:]:
        match = _SECTION_LINE.match(line)
        if match:
            current = sections.setdefault(match.group(1), [])
            if match.group(2):
                current.append(match.group(2))
        elif current is not None:
            current.append(line)
    return {name: "\n".join(lines).strip() for name, lines in sections.items()}


def _references(text: str) -> str:
    lines = []
    for line in text.splitlines():
        url = _URL.match(line.strip())
        lines.append(f"- <{url.group(1)}>" if url else line)
    return "\n".join(lines)


def render_rule_markdown(rule: Rule, fixtures: Sequence[FixtureFile] = ()) -> str:
    """The Markdown page of one rule: metadata table, the five documentation sections with
    the rule's thresholds after "What it finds", then its annotated fixture files."""
    sections = split_sections(rule.doc)
    formats = ", ".join(rule.formats)
    lines = [
        f"# {rule.id}: {rule.title}",
        "",
        "| | |",
        "|---|---|",
        f"| Name | `{rule.name}` |",
        f"| Severity | {rule.severity.label} |",
        f"| Practice | {rule.practice.value}: {rule.practice.title} |",
        f"| CWE | {', '.join(rule.cwe) or '-'} |",
        f"| OWASP Serverless Top 10 | {', '.join(rule.owasp) or '-'} |",
        f"| Formats | {formats} |",
        f"| Reads | {rule.source.value} |",
        "",
    ]
    for name in SECTIONS:
        body = sections.get(name, "")
        if name == "References":
            body = _references(body)
        lines += [f"## {name}", "", body, ""]
        if name == "What it finds":
            lines += render_thresholds(rule)
    lines += render_fixtures(fixtures)
    lines.append(f"<!-- generated by `{REGENERATE}`: edit {rule.module}, not this file -->")
    return "\n".join(lines) + "\n"


def render_thresholds(rule: Rule) -> list[str]:
    """The "Thresholds" section (Markdown lines) of a rule with tunable numbers, else none."""
    if not rule.thresholds:
        return []
    lines = ["## Thresholds", "", "| Threshold | Value |", "|---|---|"]
    lines += [f"| `{key}` | {format_threshold(v)} |" for key, v in rule.thresholds.items()]
    return [*lines, ""]


def render_fixtures(fixtures: Sequence[FixtureFile]) -> list[str]:
    """The "Fixtures" section: each annotated file with its positive and negative counts."""
    lines = ["## Fixtures", ""]
    if not fixtures:
        return [*lines, "No annotated fixture file.", ""]
    lines += [
        "Lines annotated `expect` must be reported by the rule, lines annotated `ok` must not",
        "(`tests/test_fixtures.py` scans each fixture project).",
        "",
        "| File | expect | ok |",
        "|---|---|---|",
    ]
    lines += [f"| `{f.path}` | {f.expect} | {f.ok} |" for f in fixtures]
    return [*lines, ""]


def render_index(rules: Iterable[Rule]) -> str:
    """The ``README.md`` of ``docs/rules``: one table of rules per practice P1-P7."""
    by_practice: dict[Practice, list[Rule]] = {}
    for registered in sorted(rules, key=lambda r: r.id):
        by_practice.setdefault(registered.practice, []).append(registered)
    lines = ["# faasguard rules", "", "Generated from the rule modules: do not edit by hand.", ""]
    for practice in Practice:
        members = by_practice.get(practice)
        if not members:
            continue
        lines += [
            f"## {practice.value}: {practice.title}",
            "",
            "| Id | Name | Severity | Title |",
            "|---|---|---|---|",
        ]
        lines += [
            f"| [{r.id}]({r.id}.md) | `{r.name}` | {r.severity.label} | {r.title} |"
            for r in members
        ]
        lines.append("")
    lines.append(f"<!-- generated by `{REGENERATE}` -->")
    return "\n".join(lines) + "\n"


def generate(
    rules: Sequence[Rule], fixtures: Mapping[str, Sequence[FixtureFile]] | None = None
) -> dict[str, str]:
    """Every page to write: file name → content. ``fixtures`` (rule id → annotated files,
    from :func:`find_fixtures`) fills each page's "Fixtures" section."""
    known = fixtures or {}
    pages = {f"{r.id}.md": render_rule_markdown(r, known.get(r.id, ())) for r in rules}
    pages["README.md"] = render_index(rules)
    return pages


def repo_root_of(docs_directory: Path) -> Path:
    """The repository holding ``docs/rules``: two levels above it."""
    return docs_directory.resolve().parents[1]


def write_docs(directory: str | Path) -> list[Path]:
    """Regenerate ``directory``: one page per rule plus the index; return the written paths."""
    from faasguard.rules import all_rules  # noqa: PLC0415 - imports every rule module

    target = Path(directory)
    target.mkdir(parents=True, exist_ok=True)
    fixtures = find_fixtures(repo_root_of(target))
    written = []
    for name, content in generate(all_rules(), fixtures).items():
        path = target / name
        path.write_text(content, encoding="utf-8")
        written.append(path)
    return written


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m faasguard.docs [DIRECTORY]`` (default ``docs/rules``)."""
    args = list(sys.argv[1:] if argv is None else argv)
    directory = args[0] if args else "docs/rules"
    written = write_docs(directory)
    print(f"wrote {len(written)} files to {directory}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
