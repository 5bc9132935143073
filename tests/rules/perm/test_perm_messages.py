"""Every PERM message names the policy and statement that really grant what it reports.

Checked against the policy data itself, not against the effective-permission engine that
produced the finding: for every finding of the PERM rules on ``examples/`` and the shared
corpus, each statement in ``properties["granted_by"]`` must exist in a policy the principal
holds (its own, its groups', the managed policies attached to it) and allow each action
listed for it by its own ``Action``/``NotAction`` patterns; the message must name every
such policy and no other policy of the principal. Two AWS managed policies attached on
one line used to be merged, and the message named whichever came first (issue 12: 21 of
37 PERM002 messages of one public SAM app named a policy that does not grant the service).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from fnmatch import fnmatchcase
from pathlib import Path

import pytest

from faasguard.config import ScanConfig
from faasguard.engine import load_all, run_rules
from faasguard.findings import Finding
from faasguard.iam.effective import resolve_policy_arn
from faasguard.loaders.discovery import discover
from faasguard.model import App, Policy, Role, Statement
from faasguard.rules import all_rules

ROOT = Path(__file__).resolve().parents[3]
CORPUS = ROOT.parent / "shared" / "corpus"
#: Rules whose message says which policy grants what it reports.
NAMING_RULES = ("PERM001", "PERM002", "PERM003", "PERM004", "PERM005", "PERM006", "PERM007")
NAMING_RULES += ("PERM008", "PERM009", "PERM050")
_NAMED = re.compile(r"(?:AWS managed )?policy ([^\s,()]+)")


def _held(role: Role, app: App) -> Iterator[Policy]:
    """Every policy ``role`` holds: its own, its groups', managed ones by ARN."""
    holders = [role, *(g for g in app.roles if g.ref in role.groups)]
    for holder in holders:
        yield from holder.policies
        for arn in holder.managed_policy_arns:
            resolved = resolve_policy_arn(arn, app) if isinstance(arn, str) else None
            if resolved is not None:
                yield resolved


def _allows(statement: Statement, action: str) -> bool:
    lower = action.lower()
    if statement.not_actions:
        return not any(
            fnmatchcase(lower, a.lower()) for a in statement.not_actions if isinstance(a, str)
        )
    return any(fnmatchcase(lower, a.lower()) for a in statement.actions if isinstance(a, str))


def _candidates(finding: Finding, app: App) -> list[Policy]:
    if finding.rule_id == "PERM004":  # a chain's steps are granted to the roles it reaches
        policies = [p for r in app.roles for p in _held(r, app)]
        return policies + [r.assume_role_policy for r in app.roles if r.assume_role_policy]
    role = next((r for r in app.roles if r.ref == finding.resource), None)
    if role is None:
        function = app.function(finding.function)
        role = function.role if function is not None else None
    assert role is not None, finding
    return list(_held(role, app))


def _check(finding: Finding, app: App) -> None:
    sources = finding.properties["granted_by"]
    assert sources, finding.message
    policies = _candidates(finding, app)
    for source in sources:
        assert f"policy {source['policy']}" in finding.message, (source, finding.message)
        matching = [
            s
            for p in policies
            if p.name == source["policy"]
            for s in p.statements
            if s.allows and s.sid == source["sid"]
        ]
        assert any(all(_allows(s, a) for a in source["actions"]) for s in matching), (
            source,
            finding.message,
        )
    # The note on what could not be analysed names the policy it is about, not a grant.
    said = finding.message.split("; not everything could be analysed:")[0]
    named = set(_NAMED.findall(said))
    held = {p.name for p in policies}
    assert named & held <= {s["policy"] for s in sources}, finding.message


@pytest.mark.parametrize("target", ["examples", "corpus"])
def test_every_perm_message_names_the_granting_policy(target: str, tmp_path: Path) -> None:
    path = ROOT / "examples" if target == "examples" else CORPUS
    if not path.is_dir():
        pytest.skip(f"{path} is not there")
    config = ScanConfig(today=dt.date(2026, 12, 7), db_path=str(tmp_path / "db"), jobs=1)
    apps = load_all(discover([str(path)]), config, root=str(path))
    rules = [r for r in all_rules() if r.id in NAMING_RULES]
    checked = 0
    for app in apps:
        for finding in run_rules(app, rules, config, str(path), []):
            _check(finding, app)
            checked += 1
    assert checked > (100 if target == "corpus" else 5)
