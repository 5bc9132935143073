"""Secrets, for every layer: what a secret looks like (detect-secrets plugins plus secret-like
names) and the only form in which a message may show one (:func:`redact`).

We use detect-secrets' detector classes directly on each value (its scanning front end works
on files and lines of source code, which we do not have): the plugins carry well-maintained
patterns for AWS keys, private keys, GitHub/Slack/Stripe/... tokens and JWTs.
"""

from __future__ import annotations

import re
import re._constants as sre  # type: ignore[import-not-found]
import re._parser as sre_parse  # type: ignore[import-not-found]
from collections.abc import Callable
from functools import cache, lru_cache
from typing import Any

#: Names that say "this holds a secret" (matched on word parts of the upper-cased name).
SECRET_NAME = re.compile(
    r"(^|_)(PASSWORD|PASSWD|PASS|PWD|SECRET|SECRETS|TOKEN|API_?KEY|APIKEY|PRIVATE_?KEY|"
    r"ACCESS_?KEY|SECRET_?KEY|CLIENT_?SECRET|CREDENTIALS?|AUTH_?KEY|SIGNING_?KEY|"
    r"ENCRYPTION_?KEY|MASTER_?KEY|WEBHOOK_?SECRET|CONNECTION_?STRING|DSN)(_|$)"
)
#: Suffixes that say "this names or locates a secret" rather than holding it.
REFERENCE_NAME = re.compile(
    r"_(ARN|NAME|ID|PATH|PARAM|PARAMETER|SSM|KEY_ID|TABLE|BUCKET|URL_PARAM|TTL|LENGTH|"
    r"EXPIRY|EXPIRATION|HEADER|FILE|REGION|ENABLED|ENDPOINT|SECRET_ID|VERSION|TYPE)$"
)
#: Names in code (fields, keys, variables) whose value is a credential, matched on the
#: ending of the snake-cased name (``authorizationToken`` -> ``authorization_token``;
#: ``token_dict`` and ``credential_refresh_window`` do not match). Broader than
#: :data:`SECRET_NAME` where code differs from configuration: request headers and cookies
#: (``authorization``, ``cookies``, ``bearer``) carry credentials too.
SECRET_FIELD = re.compile(
    r"(^|_)(authorization|cookies?|passw(or)?d|pwd|pass_?phrase|secret|secret_?(access_)?key|"
    r"access_?key|private_?key|signing_?key|api_?key|apikey|token|credentials?|bearer|"
    r"authorizationtoken)$"
)
#: Names in code ending like a secret that are not one (pagination, counts, types, references).
NOT_SECRET_FIELD = re.compile(
    r"(next|page|continuation|pagination|cursor|starting|count|type|expir|ttl|length|url|uri|name|"
    r"endpoint|arn|path|header|_id$)"
)
_REFERENCE_VALUE = re.compile(
    r"^(arn:aws|\{\{resolve:|\$\{(ssm|secretsmanager|aws|cf|env|self|opt|sls|file|var)\b)"
    r"|\$\{|\{\{",
    re.IGNORECASE,
)
_PLACEHOLDER = re.compile(
    r"^(|x+|\*+|-+|\.+|<.*>|\[.*\]|changeme|change_me|change-me|replace_?me|todo|tbd|"
    r"replace[-_]?with[-_].*|"
    r"none|null|nil|undefined|true|false|dummy|example|placeholder|secret|password|"
    r"your[-_].*|test|testing|local|dev|\d{1,6})$",
    re.IGNORECASE,
)
_UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", re.I)
_WORDLIKE = re.compile(r"[\s/]|^https?:|\.(com|net|org|io|amazonaws)\b", re.IGNORECASE)

_BASE64_ENTROPY = 4.5
_HEX_ENTROPY = 3.0
_MIN_ENTROPY_LENGTH = 20


def is_secret_name(name: str) -> bool:
    """True when the variable name says it holds a secret (and not a reference to one)."""
    upper = name.upper()
    return SECRET_NAME.search(upper) is not None and REFERENCE_NAME.search(upper) is None


def snake_case(name: str) -> str:
    """``camelCase`` names split into ``camel_Case`` (case kept) for the name vocabularies."""
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", name)


@lru_cache(maxsize=4096)  # log evidence asks about the same few field names on every line
def is_secret_field(name: str) -> bool:
    """True when a field or variable name in code says its value is a credential."""
    snake = snake_case(name).replace("-", "_").lower()
    return SECRET_FIELD.search(snake) is not None and NOT_SECRET_FIELD.search(snake) is None


def is_secret_identifier(name: str) -> bool:
    """True when a name a literal is bound to in code (``dbPassword``, ``API_KEY``) says it
    holds a secret: :func:`is_secret_name` on the snake-cased name, minus the names that
    only end like one (:data:`NOT_SECRET_FIELD`)."""
    snake = snake_case(name)
    return is_secret_name(snake) and NOT_SECRET_FIELD.search(snake) is None


def is_literal(value: Any) -> bool:
    """True for a statically known string that is neither a reference nor a placeholder."""
    if not isinstance(value, str):
        return False
    text = value.strip()
    return not _REFERENCE_VALUE.search(text) and not _PLACEHOLDER.match(text)


@cache
def _plugins() -> tuple[Any, ...]:
    # Imported lazily: detect-secrets loads its plugin registry on import.
    from detect_secrets.plugins import (  # noqa: PLC0415 - lazy import keeps startup fast
        aws,
        github_token,
        gitlab_token,
        jwt,
        npm,
        openai,
        private_key,
        pypi_token,
        sendgrid,
        slack,
        stripe,
        twilio,
    )

    return (
        aws.AWSKeyDetector(),
        private_key.PrivateKeyDetector(),
        github_token.GitHubTokenDetector(),
        gitlab_token.GitLabTokenDetector(),
        slack.SlackDetector(),
        stripe.StripeDetector(),
        jwt.JwtTokenDetector(),
        npm.NpmDetector(),
        openai.OpenAIDetector(),
        pypi_token.PypiTokenDetector(),
        sendgrid.SendGridDetector(),
        twilio.TwilioKeyDetector(),
    )


@cache
def _entropy_plugins() -> tuple[Any, Any]:
    from detect_secrets.plugins.high_entropy_strings import (  # noqa: PLC0415 - lazy import
        Base64HighEntropyString,
        HexHighEntropyString,
    )

    return Base64HighEntropyString(), HexHighEntropyString()


def load_detectors() -> None:
    """Import and build the detect-secrets detectors now (~0.07 s) rather than at the first
    token checked: called before log workers fork, so they share one copy."""
    _plugins()
    _entropy_plugins()


def known_secret_type(value: str) -> str | None:
    """The detect-secrets secret type the value matches (``"AWS Access Key"``, ...), if any."""
    for plugin in _plugins():
        if any(True for _ in plugin.analyze_string(value)):
            return str(plugin.secret_type)
    return None


def has_url_password(value: str) -> bool:
    """True for a URL with a password in it (``https://user:pass@host``)."""
    if "://" not in value:
        return False
    from detect_secrets.plugins.basic_auth import (  # noqa: PLC0415 - lazy import keeps startup fast
        BasicAuthDetector,
    )

    return any(True for _ in BasicAuthDetector().analyze_string(value))


def is_high_entropy(value: str) -> bool:
    """True for a long random-looking token (not a UUID, path, URL or sentence)."""
    text = value.strip()
    if len(text) < _MIN_ENTROPY_LENGTH or _UUID.match(text) or _WORDLIKE.search(text):
        return False
    base64, hexa = _entropy_plugins()
    if re.fullmatch(r"[0-9a-fA-F]+", text):
        return bool(hexa.calculate_shannon_entropy(text) > _HEX_ENTROPY)
    return bool(base64.calculate_shannon_entropy(text) > _BASE64_ENTROPY)


def redact(secret: str, kind: str = "secret") -> str:
    """The only form of a secret a message may contain: a fixed marker naming its kind
    (``[redacted AWS Access Key]``), none of its characters and not its length.

    ``kind`` is what the secret is (a detect-secrets type, ``password``...); the secret
    itself is never looked at, so nothing of it can reach a report.
    """
    del secret  # never shown, not even in part
    return f"[redacted {kind}]"


#: ``scheme://userinfo@`` in a URL (also inside ``git+https://``, ``--extra-index-url=``...).
_URL_USERINFO = re.compile(r"(?P<scheme>\b[A-Za-z][A-Za-z0-9+.-]*://)(?P<userinfo>[^/?#\s]*)@")
#: ``?token=...`` and other query or fragment parameters whose name says they hold a secret.
_SECRET_PARAMETER = re.compile(
    r"(?P<name>[?&#;](?:[\w.-]*(?:token|secret|passw(?:or)?d|pwd|api_?key|apikey|auth|"
    r"signature|sig|credential|access_?key)[\w.-]*)=)(?P<value>[^&#\s]+)",
    re.IGNORECASE,
)
#: User names that are a convention, not a credential (``ssh://git@github.com/...``).
_PUBLIC_USERS = frozenset({"git", "hg", "anonymous"})
#: What stands for removed credentials: valid in a URL's userinfo, so hosts still parse.
REDACTED_USERINFO = "***"


def redact_credentials(text: str) -> str:
    """``text`` with the credentials of every URL in it removed: the userinfo
    (``https://user:PASS@host``, ``git+https://TOKEN@github.com``) becomes ``***`` and the
    values of secret-named query parameters (``?token=...``) become ``***``.

    The one redaction for dependency sources: manifests, findings, ``faasguard deps`` and
    both SBOM formats show URLs only in this form. Hosts and paths stay, so a reader (and
    the rules) still see where a package comes from.
    """
    if "://" not in text and "=" not in text:
        return text

    def userinfo(match: re.Match[str]) -> str:
        user = match.group("userinfo")
        if not user or user in _PUBLIC_USERS:
            return match.group(0)
        return f"{match.group('scheme')}{REDACTED_USERINFO}@"

    if "://" in text:
        text = _URL_USERINFO.sub(userinfo, text)
    if "=" not in text:
        return text
    return _SECRET_PARAMETER.sub(lambda m: f"{m.group('name')}{REDACTED_USERINFO}", text)


#: A PEM private key from its header to its footer, or to the end of the text when the
#: footer is missing (a log line cut short): the whole body is a secret.
_PRIVATE_KEY_BLOCK = re.compile(
    r"-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----"
    r'(?:[^"]*?-----END (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----'  # up to its footer
    r'|(?:[^"\\]|\\.)*)'  # no footer: up to the end of the (JSON) string or the text
)
#: ``"password": "..."``, ``token=...``, ``Authorization: Bearer ...``: a value bound to a
#: name in free text (a log line, a JSON document), for :func:`is_secret_field` to judge.
_NAMED_VALUE = re.compile(
    r"""(?P<name>[A-Za-z_][\w.-]{1,63})(?P<sep>\\?["']?\s*[:=]\s*\\?["']?)"""
    r"""(?P<value>(?:(?:Bearer|Basic|Token)\s+)?[^\s"'\\,;&}{)\]]{1,})""",
)
#: What a secret-named field bound to a value leaves in the lower-cased text: the last word
#: of a name :func:`is_secret_field` accepts (:data:`SECRET_FIELD` ends every name with one
#: of these, and snake-casing only inserts ``_``) right before the separator's first
#: character. A line without one has no name :data:`_NAMED_VALUE` would redact, so that
#: pass (a third of the cost of a log line) is skipped; the result is the same.
_SECRET_NAME_END = re.compile(
    r"""(?:authorization|cookies?|passw(?:or)?d|pwd|phrase|secret|key|token|credentials?|"""
    r"""bearer)[\\"'\s:=]"""
)
#: Word-like runs long enough to be a token, for the detect-secrets and entropy checks.
_TOKEN = re.compile(r"[A-Za-z0-9+/_=.-]{20,}")


def redact_text(text: str, patterns: tuple[tuple[str, re.Pattern[str]], ...] = ()) -> str:
    """Free text (a log line shown as evidence) with every secret in it replaced by
    :func:`redact` markers: PEM private keys with their whole body, matches of
    ``patterns`` (``(kind, regex)`` pairs a caller knows, such as the log patterns), values
    of secret-named fields, URL credentials, and tokens detect-secrets recognises or that
    look random. Nothing of a redacted secret is kept, so a redacted text can be cut short
    safely (cut it after redacting, never before).
    """
    if "PRIVATE KEY" in text:
        text = _PRIVATE_KEY_BLOCK.sub(lambda _: redact("", "private key"), text)
    if patterns:
        text = _caller_patterns(text, patterns)
    text = redact_credentials(text)

    def named(match: re.Match[str]) -> str:
        value = match.group("value")
        if not is_secret_field(match.group("name")) or value.startswith("[redacted"):
            return match.group(0)
        return f"{match.group('name')}{match.group('sep')}{redact(value, 'secret')}"

    if _SECRET_NAME_END.search(text.lower()):
        text = _NAMED_VALUE.sub(named, text)

    def token(match: re.Match[str]) -> str:
        value = match.group(0)
        if _UUID.match(value):  # request and trace ids: an identifier, never a credential
            return value
        kind = known_secret_type(value)
        if kind is None and not is_high_entropy(value):
            return value
        return redact(value, kind or "token")

    return _TOKEN.sub(token, text)


#: A caller's pattern ready to run: the regex, its marker, the literals of which every match
#: holds one (lower-cased when the regex ignores case; empty: no precheck) and whether it does.
_Prepared = tuple[re.Pattern[str], Callable[[re.Match[str]], str], tuple[str, ...], bool]
#: Pattern tuples kept prepared (callers pass one or two long-lived tuples).
_MAX_PREPARED = 32
#: Literals shorter than this are too common on a line to be worth checking first.
_MIN_LITERAL = 3


def _caller_patterns(text: str, patterns: tuple[tuple[str, re.Pattern[str]], ...]) -> str:
    """``text`` with every match of ``patterns`` replaced by its marker, one pattern after
    the other. A pattern is only run on a text holding one of its literals: on the rest it
    could not match (most log lines hold none of the secret patterns' literals)."""
    known = _PREPARED.get(id(patterns))
    if known is None or known[0] is not patterns:
        if len(_PREPARED) >= _MAX_PREPARED:
            _PREPARED.clear()
        known = _PREPARED[id(patterns)] = (patterns, _prepare(patterns))
    lowered: str | None = None
    for regex, marker, literals, caseless in known[1]:
        if literals and (not caseless or text.isascii()):  # LONG S matches s ignoring case
            haystack = text
            if caseless:
                haystack = lowered = text.lower() if lowered is None else lowered
            if not _holds_one(haystack, literals):
                continue
        replaced = regex.sub(marker, text)
        if replaced != text:
            text, lowered = replaced, None
    return text


def _holds_one(text: str, literals: tuple[str, ...]) -> bool:
    for literal in literals:  # noqa: SIM110 - any() and its generator cost more than a check
        if literal in text:
            return True
    return False


#: The prepared patterns by the caller's tuple (keyed by identity: hashing compiled
#: regexes costs more than redacting a line; the tuple is kept, so its id stays its own).
_PREPARED: dict[int, tuple[tuple[tuple[str, re.Pattern[str]], ...], tuple[_Prepared, ...]]] = {}


def _prepare(patterns: tuple[tuple[str, re.Pattern[str]], ...]) -> tuple[_Prepared, ...]:
    prepared = []
    for kind, regex in patterns:
        shown = redact("", kind)
        caseless = bool(regex.flags & re.IGNORECASE)
        literals = required_literals(regex)
        if caseless:
            ascii_only = all(literal.isascii() for literal in literals)
            literals = frozenset(x.lower() for x in literals) if ascii_only else frozenset()
        prepared.append((regex, lambda _, shown=shown: shown, tuple(sorted(literals)), caseless))
    return tuple(prepared)


def required_literals(regex: re.Pattern[str]) -> frozenset[str]:
    """Strings of which every match of ``regex`` holds one (as the regex compares them),
    the longest such set ``re``'s parse tree shows plainly; empty when it shows none of at
    least :data:`_MIN_LITERAL` characters (or the regex depends on the locale)."""
    if regex.flags & re.LOCALE:
        return frozenset()
    options = _requirements(list(sre_parse.parse(regex.pattern, regex.flags)))
    options = [o for o in options if min(map(len, o)) >= _MIN_LITERAL]
    return max(options, key=lambda o: min(map(len, o)), default=frozenset())


def _requirements(items: list[Any]) -> list[frozenset[str]]:
    """Sets of literals of which every match of the sequence ``items`` holds one."""
    out: list[frozenset[str]] = []
    run: list[str] = []
    for op, av in [*items, (None, None)]:
        if op is sre.LITERAL:
            run.append(chr(av))
            continue
        if run:  # consecutive literals: one string every match holds
            out.append(frozenset({"".join(run)}))
            run = []
        if op is sre.SUBPATTERN and not av[1] and not av[2]:  # a group, no scoped flags
            out.extend(_requirements(list(av[3])))
        elif op in (sre.MAX_REPEAT, sre.MIN_REPEAT) and av[0] >= 1:
            out.extend(_requirements(list(av[2])))
        elif op is sre.BRANCH:
            words = [_word(list(alternative)) for alternative in av[1]]
            if all(words):
                out.append(frozenset(w for w in words if w))
    return out


def _word(items: list[Any]) -> str | None:
    """The string a sequence of literals only matches, ``None`` for anything else."""
    if not items or any(op is not sre.LITERAL for op, _ in items):
        return None
    return "".join(chr(av) for _, av in items)
