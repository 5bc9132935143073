"""CORS allows any origin together with credentials.

What it finds:
HTTP triggers and function URLs whose CORS configuration allows the origin `*` (any web
site) and also sets `AllowCredentials: true`. Quoted SAM values such as `"'*'"` are
understood. Unknown values are not reported.

Why it matters:
Credentialed cross-origin requests carry the user's cookies or HTTP authentication. Allowing
them from any origin means any web page the user visits can call the API as that user and,
where the origin is reflected, read the answers. Browsers refuse the literal `*` with
credentials, which pushes teams to reflect the request's origin instead: the same hole.

Example:

```yaml
Globals:
  Api:
    Cors:
      AllowOrigin: "'*'"
      AllowCredentials: true
```

How to fix:
List the exact origins of your front ends in `AllowOrigins`, or drop `AllowCredentials` when
the API uses bearer tokens rather than cookies.

References:
- https://docs.aws.amazon.com/apigateway/latest/developerguide/how-to-cors.html
- https://developer.mozilla.org/en-US/docs/Web/HTTP/CORS#credentialed_requests_and_wildcards
- CWE-942: Permissive Cross-domain Policy with Untrusted Domains
"""

from __future__ import annotations

from collections.abc import Iterator

from faasguard.findings import Hit, Practice, Severity
from faasguard.model import App, Cors, Location, TriggerKind
from faasguard.rules.base import ALL_FORMATS, rule


def _any_origin_with_credentials(cors: Cors | None) -> bool:
    if cors is None or cors.allow_credentials is not True:
        return False
    return any(isinstance(o, str) and o.strip("'\" ") == "*" for o in cors.allow_origins)


@rule(
    id="TRIG006",
    name="cors-any-origin-with-credentials",
    severity=Severity.HIGH,
    practice=Practice.P2,
    cwe=("CWE-942",),
    formats=ALL_FORMATS,
)
def check(app: App) -> Iterator[Hit]:
    """One hit per HTTP trigger or function URL with ``*`` origins and credentials."""
    for fn in app.functions:
        places: list[tuple[str, Location]] = []
        url_cors: Location | None = None
        for trigger in fn.triggers:
            http = trigger.http
            if trigger.kind is TriggerKind.FUNCTION_URL and fn.url is not None:
                # Loaders model a URL as fn.url and as a trigger: report it once, from
                # fn.url, at the trigger's CORS line when the loader knows it.
                if http is not None and "cors" in http.field_locations:
                    url_cors = http.field_locations["cors"]
                continue
            if http is not None and _any_origin_with_credentials(http.cors):
                places.append(
                    (trigger.name or trigger.kind.value, http.loc("cors", trigger.location))
                )
        if fn.url is not None and _any_origin_with_credentials(fn.url.cors):
            places.append(("function-url", url_cors or fn.url.location))
        for key, location in places:
            yield Hit(
                message=(
                    f"CORS for {key} of function {fn.display_name} allows any origin ('*') with "
                    "credentials: list the trusted origins explicitly or disable credentials"
                ),
                location=location,
                function=fn.ref,
                key=key,
            )
