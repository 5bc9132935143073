"""moto in server mode on 127.0.0.1 for the tests that talk to an emulated AWS API: one
place that picks a free port, starts the server, sets dummy credentials and restores the
environment afterwards."""

from __future__ import annotations

import contextlib
import os
import socket
from collections.abc import Iterator


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextlib.contextmanager
def moto_endpoint(region: str | None = None, *, endpoint_env: bool = False) -> Iterator[str]:
    """The URL of a moto server on 127.0.0.1 (stopped on exit), with dummy credentials (and
    ``region``; ``AWS_ENDPOINT_URL`` when ``endpoint_env``) in the environment meanwhile."""
    from moto import server as moto_server  # noqa: PLC0415 - only where moto[server] is used

    keys = ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_DEFAULT_REGION", "AWS_ENDPOINT_URL")
    saved = {k: os.environ.get(k) for k in keys}
    server = moto_server.ThreadedMotoServer(ip_address="127.0.0.1", port=free_port())
    server.start()
    host, port = server.get_host_and_port()
    url = f"http://{host}:{port}"
    os.environ.update(AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing")
    if region is not None:
        os.environ["AWS_DEFAULT_REGION"] = region
    if endpoint_env:
        os.environ["AWS_ENDPOINT_URL"] = url
    try:
        yield url
    finally:
        server.stop()
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
