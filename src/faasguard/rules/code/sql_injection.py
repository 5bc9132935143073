"""Attacker-controlled event data is built into an SQL statement.

What it finds:
An SQL string built from event data (f-string, `%`, `.format`, concatenation) passed to a
DB-API `execute`/`executemany`/`executescript` (sqlite3, psycopg, pymysql, ...), SQLAlchemy
`text`, `pandas.read_sql`, `sqlite_utils` (`db.query`, `rows_where`/`count_where`/
`delete_where`), peewee (`raw`, `execute_sql`), or on Node.js to `query` of the
`mysql`/`mysql2`/`pg`/`pg-promise` packages, `sequelize.query`, knex's raw builders (`raw`,
`whereRaw`, `orderByRaw`, `joinRaw`, ...), `postgres`' `sql.unsafe` and the SQLite drivers. A
constant statement with bound parameters (`execute("... WHERE id = ?", (order_id,))`) is
not reported.

It is a taint rule: faasguard follows data from the parts of the `event` that the function's
triggers fill (an HTTP body, an S3 object key, an SQS message, ...) through the handler code
and the modules it imports, and reports the whole path, source to sink. When only triggers
a WAF cannot see deliver the input, the severity is raised one level and the message says
so (practice P2). A function without a known trigger has its whole event treated as
attacker-controlled. The code is parsed, never imported or run.

Tested by annotated handler fixtures (`# expect:`/`# ok:` on the sink lines of the code in
`tests/fixtures/sam/code-*/`), not by template fixtures: the rule is about code, so its
`formats` lists only `sam`.

Why it matters:
The attacker rewrites the query: reads other tenants' rows, bypasses checks, modifies or
drops data.

Example:

```python
order_id = event["pathParameters"]["id"]
db.execute(f"SELECT * FROM orders WHERE id = '{order_id}'")
```

How to fix:
Use a parameterised query: a constant statement with placeholders and the values passed
separately (`db.execute("SELECT * FROM orders WHERE id = ?", (order_id,))`).

References:
- CWE-89: SQL Injection
- https://peps.python.org/pep-0249/#paramstyle
- OWASP Serverless Top 10: SAS-1 Function Event Data Injection
"""

from __future__ import annotations

from collections.abc import Iterator

from faasguard.findings import Hit, Practice, Severity
from faasguard.model import App
from faasguard.rules.base import Source, rule
from faasguard.rules.code._taint import taint_hits


@rule(
    id="CODE004",
    name="sql-injection",
    severity=Severity.HIGH,
    practice=Practice.P7,
    cwe=("CWE-89",),
    owasp=("SAS-1",),
    formats=("sam",),
    source=Source.CODE,
)
def check(app: App) -> Iterator[Hit]:
    """One hit per SQL injection flow, with its source-to-sink path."""
    yield from taint_hits(app, "sql-injection", "SQL injection", Severity.HIGH)
