"""A small Lambda Runtime API server on 127.0.0.1 (the plain-HTTP protocol a runtime such as
awslambdaric speaks: next invocation, response, error, init error), for end-to-end tests."""

from __future__ import annotations

import http.server
import json
import queue
import threading
import time
from typing import Any

PREFIX = "/2018-06-01/runtime"


class RuntimeApi:
    """Hands out queued events and records what the runtime answers."""

    def __init__(self) -> None:
        self.pending: queue.Queue[tuple[str, Any, int]] = queue.Queue()
        self.answers: dict[str, tuple[str, Any]] = {}
        self.done = threading.Condition()
        api = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:
                if self.path != f"{PREFIX}/invocation/next":
                    self.send_error(404)
                    return
                request_id, event, budget_ms = api.pending.get()
                body = json.dumps(event).encode()
                self.send_response(200)
                self.send_header("Lambda-Runtime-Aws-Request-Id", request_id)
                self.send_header(
                    "Lambda-Runtime-Deadline-Ms", str(int(time.time() * 1000) + budget_ms)
                )
                self.send_header(
                    "Lambda-Runtime-Invoked-Function-Arn",
                    "arn:aws:lambda:eu-west-1:123456789012:function:orders",
                )
                self.send_header(
                    "Lambda-Runtime-Trace-Id", "Root=1-00000000-000000000000000000000000"
                )
                # awslambdaric's native client reads every one of these headers
                self.send_header("Lambda-Runtime-Client-Context", "")
                self.send_header("Lambda-Runtime-Cognito-Identity", "")
                self.send_header("Lambda-Runtime-Aws-Tenant-Id", "")
                self.send_header("Lambda-Runtime-Invocation-Id", request_id)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                payload = self.rfile.read(length)
                parts = self.path[len(PREFIX) :].strip("/").split("/")
                if parts[:2] == ["init", "error"]:
                    api._answer("init", "init-error", payload)
                elif len(parts) == 3 and parts[0] == "invocation":
                    api._answer(parts[1], parts[2], payload)
                self.send_response(202)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"{}")

            def log_message(self, *args: Any) -> None:
                pass

        class Server(http.server.ThreadingHTTPServer):
            def handle_error(self, request: Any, client_address: Any) -> None:
                pass  # the runtime is killed mid-request at the end of a test

        self.server = Server(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def address(self) -> str:
        """``host:port`` for ``AWS_LAMBDA_RUNTIME_API``."""
        host, port = self.server.server_address[:2]
        return f"{host}:{port}"

    def _answer(self, request_id: str, kind: str, payload: bytes) -> None:
        with self.done:
            self.answers[request_id] = (kind, json.loads(payload) if payload else None)
            self.done.notify_all()

    def invoke(self, request_id: str, event: Any, budget_ms: int = 30_000) -> None:
        """Queue an invocation."""
        self.pending.put((request_id, event, budget_ms))

    def wait(self, request_id: str, timeout: float = 60) -> tuple[str, Any]:
        """``("response" | "error" | "init-error", body)`` of an invocation."""
        deadline = time.monotonic() + timeout
        with self.done:
            while request_id not in self.answers and "init" not in self.answers:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError(f"no answer for {request_id}")
                self.done.wait(left)
            return self.answers.get(request_id) or self.answers["init"]

    def __enter__(self) -> RuntimeApi:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
