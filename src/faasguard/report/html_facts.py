"""What the HTML report shows beside the findings: one card of facts per function, and the
code excerpts of taint and escalation steps.

The facts come from the loaded model and the IAM engine (what the role grants, what the
code needs: the ``faasguard iam suggest`` diff); nothing here computes a finding. Every
value is plain JSON data, every path relative to the scan root.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from faasguard.findings import Finding
from faasguard.iam.effective import EffectivePermissions, effective_permissions
from faasguard.iam.suggest import suggest
from faasguard.model import App, Function, Trigger, TriggerKind, relative_text
from faasguard.report.common import relative_path

#: Actions listed by name in a card's "granted but not needed" part (the rest is counted).
UNUSED_SHOWN = 12
#: What the WAF column says of a function URL.
NO_URL_WAF = "not possible (AWS WAF cannot protect a function URL)"
#: Lines of code shown around each step of a path.
EXCERPT_CONTEXT = 1
#: Longest line kept in an excerpt (minified code must not blow up the report).
EXCERPT_LINE_CHARS = 200


def card_key(app: str, function: str) -> str:
    """The id linking a finding to its card: the app's root file (relative to the scan
    root: apps of one name stay apart) and the function's ref."""
    return f"{app}\x1f{function}"


def function_cards(apps: Sequence[App], root: str) -> list[dict[str, Any]]:
    """One card per function of ``apps``: configuration, triggers with their WAF and
    authorizer coverage, and effective versus needed permissions."""
    permissions: dict[tuple[str, str], EffectivePermissions] = {}
    cards = []
    for app in apps:
        for function in app.functions:
            role = function.role
            perms = None
            if role is not None:
                key = (app.root_file, role.ref)
                if key not in permissions:
                    permissions[key] = effective_permissions(role, app=app)
                perms = permissions[key]
            cards.append(_card(app, function, perms, root))
    return cards


def _text(value: object) -> str | None:
    """A model value as display text (an unknown shows as what it stands for)."""
    if value is None:
        return None
    return str(value)


def _card(app: App, fn: Function, perms: EffectivePermissions | None, root: str) -> dict[str, Any]:
    return {
        "key": card_key(relative_path(app.root_file, root), fn.ref),
        "app": app.name,
        "app_file": relative_path(app.root_file, root),
        "ref": fn.ref,
        "name": fn.display_name,
        "file": relative_path(fn.location.file, root),
        "line": max(fn.location.line, 0),
        "runtime": _text(fn.runtime),
        "handler": _text(fn.handler),
        "memory": _text(fn.memory),
        "timeout": fn.timeout if isinstance(fn.timeout, int) else None,
        "role": None if fn.role is None else fn.role.ref,
        "triggers": [_trigger(t) for t in fn.triggers] + _url(fn),
        "permissions": _permissions(fn, app, perms, root),
    }


def _trigger(trigger: Trigger) -> dict[str, Any]:
    http = trigger.http
    if not trigger.kind.is_http:
        return {
            "kind": trigger.kind.value,
            "name": trigger.name or _text(trigger.source) or "",
            "waf": "not inspectable",
            "auth": "event source (no caller authorization)",
            "open": False,
        }
    route = ""
    auth = "unknown"
    waf = "none"
    if http is not None:
        route = " ".join(str(p) for p in (http.method, http.path) if p is not None)
        auth_type = str(http.authorization or "NONE")
        auth = (
            f"{auth_type} ({http.authorizer})" if http.authorizer is not None else auth_type
        ).strip()
        if http.api_key_required is True:
            auth += " + API key"
        waf = str(http.waf) if http.waf is not None else "none"
    if trigger.kind is TriggerKind.FUNCTION_URL:
        waf = NO_URL_WAF
    return {
        "kind": trigger.kind.value,
        "name": route or trigger.name,
        "waf": waf,
        "auth": auth,
        "open": auth.upper().startswith("NONE"),
    }


def _url(fn: Function) -> list[dict[str, Any]]:
    """The function URL, unless the loader listed it among the triggers already."""
    if fn.url is None or any(t.kind is TriggerKind.FUNCTION_URL for t in fn.triggers):
        return []
    auth = str(fn.url.auth_type)
    return [
        {
            "kind": "function-url",
            "name": "function URL",
            "waf": NO_URL_WAF,
            "auth": auth,
            "open": auth.upper() == "NONE",
        }
    ]


def _permissions(
    fn: Function, app: App, perms: EffectivePermissions | None, root: str
) -> dict[str, Any] | None:
    """The ``iam suggest`` diff: needed actions (granted or missing) and granted ones the
    code does not need, counted by service."""
    if fn.role is None or perms is None:
        return None
    granted = {a.lower() for a in perms.actions()}
    wildcard = "*" in granted
    needed = sorted(suggest(fn, app).actions)
    unused = sorted(a for a in perms.actions() if a.lower() not in {n.lower() for n in needed})
    by_service = Counter(a.split(":", 1)[0] for a in unused)
    return {
        "granted": len(granted),
        "needed": [
            {"action": a, "granted": wildcard or bool(perms.allowed(a)) or a.lower() in granted}
            for a in needed
        ],
        "unused_count": len(unused),
        "unused_by_service": sorted(by_service.items(), key=lambda kv: (-kv[1], kv[0])),
        "unused_examples": unused[:UNUSED_SHOWN],
        "unknowns": [relative_text(u, root) for u in perms.unknowns],
    }


def excerpts(findings: Iterable[Finding], root: str) -> dict[str, list[list[Any]]]:
    """The lines around every flow step and finding location with a line, by
    ``file:line``: ``[[line number, text], ...]`` (files that cannot be read are left out)."""
    wanted: dict[str, set[int]] = {}
    for finding in findings:
        if not finding.flow:
            continue
        for location in (finding.location, *(s.location for s in finding.flow)):
            if location.line > 0 and "://" not in location.file:
                wanted.setdefault(location.file, set()).add(location.line)
    out: dict[str, list[list[Any]]] = {}
    for file, lines in wanted.items():
        text = _read_lines(file)
        if text is None:
            continue
        shown = relative_path(file, root)
        for line in lines:
            first = max(1, line - EXCERPT_CONTEXT)
            last = min(len(text), line + EXCERPT_CONTEXT)
            out[f"{shown}:{line}"] = [
                [n, text[n - 1][:EXCERPT_LINE_CHARS]] for n in range(first, last + 1)
            ]
    return out


def _read_lines(file: str) -> list[str] | None:
    path = Path(file)
    try:
        if not path.is_file() or path.stat().st_size > 2_000_000:
            return None
        return path.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return None
