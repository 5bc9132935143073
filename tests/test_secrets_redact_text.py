"""``redact_text``'s fast paths change nothing: the implementation before them (kept here
as the oracle) and the current one give the same text on real log lines, the payload
values, and synthetic lines built to hit every pass (adjacent and overlapping secrets, PEM
keys, URL credentials, secret-named fields, characters that only match ignoring case)."""

from __future__ import annotations

import csv
import gzip
import re
from functools import cache
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from faasguard import secrets
from faasguard.logs.generator import SECRETS, generate
from faasguard.logs.patterns import _secret_regexes
from faasguard.secrets import redact, redact_text, required_literals

VALUES = Path(__file__).resolve().parents[2] / "shared" / "payloads" / "values.tsv"


def oracle_credentials(text: str) -> str:
    """``redact_credentials`` before its per-pass prechecks."""
    if "://" not in text and "=" not in text:
        return text

    def userinfo(match: re.Match[str]) -> str:
        user = match.group("userinfo")
        if not user or user in secrets._PUBLIC_USERS:
            return match.group(0)
        return f"{match.group('scheme')}{secrets.REDACTED_USERINFO}@"

    text = secrets._URL_USERINFO.sub(userinfo, text)
    return secrets._SECRET_PARAMETER.sub(
        lambda m: f"{m.group('name')}{secrets.REDACTED_USERINFO}", text
    )


def oracle(text: str, patterns: tuple[tuple[str, re.Pattern[str]], ...] = ()) -> str:
    """``redact_text`` as it was before the fast paths: every pass on every text."""
    if "PRIVATE KEY" in text:
        text = secrets._PRIVATE_KEY_BLOCK.sub(lambda _: redact("", "private key"), text)
    for kind, regex in patterns:
        text = regex.sub(lambda _, k=kind: redact("", k), text)  # type: ignore[misc]
    text = oracle_credentials(text)

    def named(match: re.Match[str]) -> str:
        value = match.group("value")
        if not secrets.is_secret_field(match.group("name")) or value.startswith("[redacted"):
            return match.group(0)
        return f"{match.group('name')}{match.group('sep')}{redact(value, 'secret')}"

    text = secrets._NAMED_VALUE.sub(named, text)

    def token(match: re.Match[str]) -> str:
        value = match.group(0)
        if secrets._UUID.match(value):
            return value
        kind = secrets.known_secret_type(value)
        if kind is None and not secrets.is_high_entropy(value):
            return value
        return redact(value, kind or "token")

    return secrets._TOKEN.sub(token, text)


LOG_PATTERNS = _secret_regexes()


def _same(texts: list[str]) -> None:
    for patterns in (LOG_PATTERNS, ()):
        differ = [t for t in texts if redact_text(t, patterns) != oracle(t, patterns)]
        assert differ == [], differ[:3]


@cache
def _generated_lines(root: Path) -> list[str]:
    lines: list[str] = []
    for path in sorted(p for p in root.rglob("*") if p.is_file() and p.suffix == ".gz"):
        lines.extend(gzip.decompress(path.read_bytes()).decode("utf-8", "replace").splitlines())
    return lines


def test_same_on_generated_log_lines(tmp_path: Path) -> None:
    generate(tmp_path, size=1_500_000, seed=11, container="gzip")
    lines = _generated_lines(tmp_path)
    assert len(lines) > 3000
    # as evidence shows them (detectors._evidence), and as they are
    _same([line.replace("\r", "\\r").replace("\t", " ") for line in lines])
    assert any(redact_text(line, LOG_PATTERNS) != line for line in lines)  # secrets in there


@pytest.mark.skipif(not VALUES.exists(), reason="needs ../shared/payloads")
def test_same_on_payload_values() -> None:
    with VALUES.open(encoding="utf-8", newline="") as handle:
        values = [row["value"] for row in csv.DictReader(handle, delimiter="\t")]
    assert len(values) > 10_000
    _same(values)
    _same([f'{{"password": "{v}", "q": "{v}"}} token={v}' for v in values[::25]])


#: Fragments the synthetic lines are made of: secrets of every kind, names, separators,
#: URL parts, and characters that match ASCII letters only when case is ignored.
FRAGMENTS = [
    *(s for _, s in SECRETS),
    "AKIAIOSFODNN7EXAMPLE",
    "ASIA",
    "aws_secret_access_key",
    "AWS_SECRET_ACCESS_KEY",
    "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
    "-----BEGIN RSA PRIVATE KEY-----",
    "-----BEGIN PRIVATE KEY-----",
    "-----END RSA PRIVATE KEY-----",
    "MIIEpAIBAAKCAQEA3Tz2mr7SZiAMfQyuvBjM",
    "ghp_",
    "0123456789abcdefghijABCDEFGHIJ012345",
    "xoxb-1234567890-abc",
    "sk_live_",
    "eyJhbGciOiJIUzI1NiJ9",
    ".",
    "eyJzdWIiOiIxMjM0NTY3ODkwIn0",
    "password",
    "Password",
    "PASSWD",
    "pwd",
    "apiKey",
    "api-key",
    "X-Api-Key",
    "token",
    "authorizationToken",
    "Authorization",
    "Bearer ",
    "Basic ",
    "cookies",
    "secret",
    "passPhrase",
    "credentials",
    "next_token",
    "token_type",
    "\u212aey",  # KELVIN SIGN: lower-cases to "k"
    "\u017fecret",  # LONG S: matches "s" ignoring case
    "\u0130",
    "\u03a3",
    "é",
    "=",
    ":",
    ": ",
    '"',
    "'",
    "\\",
    '\\"',
    " ",
    "\t",
    ",",
    "&",
    "?",
    "#",
    ";",
    "https://",
    "git+https://",
    "user:hunter2@",
    "git@",
    "@",
    "/",
    "example.com/path",
    "?token=",
    "&sig=",
    "[redacted",
    "]",
    "{",
    "}",
    "4a2014fe-6d20-4092-bf85-543a765aba58",
    "00000000000000000000000000",
    "Zm9vYmFyYmF6cXV4cXV1eHh5enp5",
]


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(FRAGMENTS), max_size=24))
def test_same_on_synthetic_lines(parts: list[str]) -> None:
    _same(["".join(parts), " ".join(parts)])


def test_same_on_adjacent_and_overlapping_secrets() -> None:
    key = "AKIAIOSFODNN7EXAMPLE"
    pem = "-----BEGIN RSA PRIVATE KEY-----\\nMIIEpAIBAAKCAQEA\\n-----END RSA PRIVATE KEY-----"
    _same(
        [
            key + key + "ghp_" + "a" * 36,
            f'{{"password": "{key}", "Authorization": "Bearer {key}"}}',
            f'"secret": "-----BEGIN EC PRIVATE KEY-----abc"{pem}',
            f"aws_secret_access_key={'A' * 40} https://u:p@h/?token=x&password=y",
            f"{pem} {pem} eyJabcdefghijk.eyJabcdefghijk.abcdefghijkl",
            f'"pwd":"{pem}" \u212aey={key} \u017fecret: x',
            "postgres://admin:s3cr3t@db:5432/app?sslmode=require&api_key=k",
            # LONG S matches "s" when case is ignored, but does not lower-case to it
            f"aws_\u017fecret_access_key={'A' * 40}",
            '{"pa\u017f\u017fword": "hunter22"}',
        ]
    )


@settings(max_examples=200, deadline=None)
@given(st.data())
def test_required_literals_are_in_every_match(data: st.DataObject) -> None:
    kind, regex = data.draw(st.sampled_from(LOG_PATTERNS))
    text = data.draw(st.from_regex(regex))
    literals = required_literals(regex)
    if regex.flags & re.IGNORECASE:
        text, literals = text.lower(), frozenset(x.lower() for x in literals)
    assert not literals or any(literal in text for literal in literals), kind


@pytest.mark.parametrize(
    ("pattern", "flags", "literals"),
    [
        ("(AKIA|ASIA)[0-9A-Z]{16}", 0, {"KIA", "SIA"}),
        ("x(?:abcd|efgh)y", 0, {"abcd", "efgh"}),
        ("(?:abc|d+)xy", 0, set()),  # one alternative is no literal
        ("(?i:secret)key", 0, {"key"}),  # scoped flags: not read
        ("(token){2,}", 0, {"token"}),
        ("(token)?=", 0, set()),
        ("pass(?=word)", re.IGNORECASE, {"pass"}),
    ],
)
def test_required_literals(pattern: str, flags: int, literals: set[str]) -> None:
    assert required_literals(re.compile(pattern, flags)) == literals


def test_a_secret_named_field_always_leaves_its_hint() -> None:
    # the precheck of the named-value pass must see every name is_secret_field accepts
    words = ["authorization", "cookie", "cookies", "password", "passwd", "pwd", "passPhrase"]
    words += ["pass_phrase", "secret", "secretAccessKey", "accessKey", "private_key"]
    words += ["signingKey", "apiKey", "apikey", "token", "credential", "credentials"]
    words += ["bearer", "authorizationToken", "X-Auth-Token", "DB_PASSWORD", "api\u212aey"]
    for word in words:
        assert secrets.is_secret_field(word), word
        for sep in ('": "', "=", " : ", '\\":\\"', "'='"):
            line = f"{word}{sep}hunter2hunter2"
            assert redact_text(line) == oracle(line) != line, line
