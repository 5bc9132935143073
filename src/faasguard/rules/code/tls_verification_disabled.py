"""TLS certificate verification disabled.

What it finds:
Handler code that switches off the check that the server it talks to is who it claims:

- Python: `verify=False` on `requests`, `httpx`, `boto3` and any other call (also
  `verify_certs=False`, `verify_ssl=False`, aiohttp `ssl=False`), `session.verify = False`,
  `ssl._create_unverified_context`, `ssl.CERT_NONE`, `cert_reqs="CERT_NONE"`,
  `check_hostname = False`; the message also names a `urllib3.disable_warnings()` that hides
  the resulting warning (on its own that call is not reported);
- Node.js: `rejectUnauthorized: false` anywhere (`https.Agent`, `tls.connect`, axios, `pg`
  and `mysql2` `ssl` options), `strictSSL: false`, a `checkServerIdentity` that accepts
  everything, and `process.env.NODE_TLS_REJECT_UNAUTHORIZED = '0'`.

`verify=False` passed to a JWT library is CODE020, not this rule. Values computed at run
time (`verify=os.environ["VERIFY"]`) are not reported. The `NODE_TLS_REJECT_UNAUTHORIZED`
environment variable set in a template is out of scope.

Why it matters:
Without certificate verification anyone on the network path — a compromised NAT, a
proxy, a DNS spoof — can impersonate the API or database the function calls and read or
change the traffic, including the credentials and tokens the function sends. Severity is
high.

Example:

```python
requests.post(PARTNER_URL, json=order, verify=False)
```

How to fix:
Keep verification on. For a private CA pass its bundle (`verify="/opt/ca.pem"`,
`ca: fs.readFileSync(...)`, `NODE_EXTRA_CA_CERTS`); for RDS use the RDS CA bundle.

References:
- https://requests.readthedocs.io/en/latest/user/advanced/#ssl-cert-verification
- https://nodejs.org/api/tls.html#tlsconnectoptions-callback
- CWE-295: Improper Certificate Validation
- OWASP Serverless Top 10: SAS-3 Insecure Serverless Deployment Configuration

Tested with the annotated handlers of `tests/fixtures/sam/coderules-*` (the rule reads
handler code, not templates, so one format is enough).
"""

from __future__ import annotations

from collections.abc import Iterator

from faasguard.code.patterns import rule_hits
from faasguard.findings import Hit, Practice, Severity
from faasguard.model import App
from faasguard.rules.base import Source, rule


@rule(
    id="CODE024",
    name="tls-verification-disabled",
    severity=Severity.HIGH,
    practice=Practice.P7,
    cwe=("CWE-295",),
    owasp=("SAS-3",),
    formats=("sam",),
    source=Source.CODE,
)
def check(app: App) -> Iterator[Hit]:
    """One hit per place that disables certificate verification."""
    yield from rule_hits(app, "CODE024")
