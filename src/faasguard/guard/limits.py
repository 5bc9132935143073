"""Behaviour limits inside the process: a tripwire, not a sandbox.

Built on Python's audit hooks (PEP 578, :func:`sys.addaudithook`), which the interpreter
calls before it opens a socket connection, resolves a name, starts a process or opens a
file, and on a patched ``os._Environ.__getitem__`` (environment reads raise no audit event).

- ``network``: ``socket.getaddrinfo``/``gethostbyname*`` (the DNS name asked for),
  ``socket.connect``/``connect_ex``/``sendto`` (the address reached). An address is
  allowed when it is listed, inside a listed network, or was resolved from a listed name.
  The instance metadata endpoints and the container credentials endpoint are never matched
  by a wildcard or a network: only an entry naming them exactly allows them.
- ``processes``: ``subprocess.Popen``, ``os.system``, ``os.exec*``, ``os.spawn*``,
  ``os.posix_spawn``, ``os.fork``.
- ``environ``: reading ``AWS_ACCESS_KEY_ID``/``AWS_SECRET_ACCESS_KEY``/``AWS_SESSION_TOKEN``
  (and the container credential variables) or opening ``/proc/<pid>/environ``, by code whose
  nearest non-standard-library frame is not in ``allow_modules``.
- ``tmp``: opening a file for writing under the temporary directory when what is already
  there reaches ``max_mb`` (and a check after every invocation).

Audit hooks cannot be removed, so the hook is installed once per process and consults the
policy in force (:func:`activate`).
"""

from __future__ import annotations

import os
import sys
import threading
import time
from collections.abc import Callable
from typing import Any

from faasguard.guard.events import emit_once
from faasguard.guard.policy import HostRule, Policy, parse_host_rule
from faasguard.guard.responses import GuardViolationError

#: Reachable only through an entry that names them exactly (never a wildcard or a network).
METADATA_ADDRESSES = frozenset(
    {"169.254.169.254", "fd00:ec2::254", "169.254.170.2", "169.254.170.23"}
)
CREDENTIAL_VARIABLES = frozenset(
    {
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_SESSION_TOKEN",
        "AWS_SECURITY_TOKEN",
        "AWS_CONTAINER_AUTHORIZATION_TOKEN",
        "AWS_CONTAINER_CREDENTIALS_FULL_URI",
    }
)
_PROCESS_EVENTS = frozenset(
    {
        "subprocess.Popen",
        "os.system",
        "os.exec",
        "os.spawn",
        "os.posix_spawn",
        "os.fork",
        "os.forkpty",
    }
)
_NAME_EVENTS = frozenset({"socket.getaddrinfo", "socket.gethostbyname", "socket.gethostbyname_ex"})
_ADDRESS_EVENTS = frozenset({"socket.connect", "socket.sendto"})
_WATCHED = _PROCESS_EVENTS | _NAME_EVENTS | _ADDRESS_EVENTS | {"open"}
_WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_APPEND | os.O_TRUNC
_MAX_TMP_ENTRIES = 20_000
#: An address no listed name resolved to makes us resolve them again at most this often.
_DNS_REFRESH_S = 30.0
#: A slow walk of the directory (t seconds) is reused for writes in the next t * this
#: seconds, so walking a big directory stays under ~2 % of the time.
_TMP_WALK_PATIENCE = 50
#: A walk this fast is repeated at every write (a small /tmp, as in Lambda: the cap is exact).
_TMP_WALK_CHEAP_S = 0.005
#: A walk of this many entries or fewer is repeated at every write however long it took:
#: it is cheap, and a slow one only means a loaded machine (the cap stays exact).
_TMP_WALK_FEW = 256
_GUARD_MODULES = ("faasguard.guard",)


class _State(threading.local):
    busy = False  # the hook's own work (resolving an allowed name) is not checked


class Limits:
    """The compiled behaviour limits of one policy."""

    def __init__(self, policy: Policy) -> None:
        self.policy = policy
        allow = list(policy.network.allow)
        runtime_api = os.environ.get("AWS_LAMBDA_RUNTIME_API")
        if runtime_api:  # the runtime's own endpoint (extensions, Powertools use it)
            allow.append(runtime_api)
        self.rules: tuple[HostRule, ...] = tuple(parse_host_rule(entry) for entry in allow)
        self.resolved: dict[str, frozenset[str]] = {}  # allowed name -> addresses
        self.monitored: frozenset[str] = frozenset()  # addresses of reported names
        self.refreshed = 0.0  # when the listed names were last resolved again
        self.tmp_root = os.path.realpath(policy.tmp.path)
        self.tmp_cap = int(policy.tmp.max_mb * 1024 * 1024)
        self.tmp_written = False  # a file was opened for writing there since the last check
        # (when, seconds taken, bytes, entries seen) of the last walk
        self.tmp_measured = (0.0, 0.0, 0, 0)

    # -- network -------------------------------------------------------------------------
    def name_allowed(self, name: str, port: int | None) -> bool:
        """Whether ``name`` (a DNS name or an address in text form) may be reached."""
        name = name.lower().rstrip(".")
        address = _address(name)
        if address is not None:
            return self.address_allowed(address, port)
        return any(self._name_rule(rule, name, port) for rule in self.rules)

    @staticmethod
    def _name_rule(rule: HostRule, name: str, port: int | None) -> bool:
        if rule.network is not None or (rule.port is not None and port not in (None, rule.port)):
            return False
        if rule.wildcard:
            return name.endswith(rule.host[1:])
        return name == rule.host

    def address_allowed(self, address: Any, port: int | None) -> bool:
        """Whether the address may be reached (listed, in a listed network, or resolved
        from a listed name)."""
        text = str(address)
        for rule in self.rules:
            if rule.port is not None and port != rule.port:
                continue
            if rule.network is not None and address in rule.network:
                exact = rule.network.num_addresses == 1
                if exact or text not in METADATA_ADDRESSES:
                    return True
        if text in METADATA_ADDRESSES:
            return False
        if any(text in addresses for addresses in self._resolved_for(port)):
            return True
        now = time.monotonic()
        if now - self.refreshed < _DNS_REFRESH_S:
            return False
        self.refreshed = now  # round-robin DNS: the names may have moved since we looked
        self.resolved.clear()
        return any(text in addresses for addresses in self._resolved_for(port))

    def _resolved_for(self, port: int | None) -> list[frozenset[str]]:
        names = [
            rule.host
            for rule in self.rules
            if rule.network is None and not rule.wildcard and rule.port in (None, port)
        ]
        out = []
        for name in names:
            if name not in self.resolved:
                self.resolved[name] = _resolve(name)
            out.append(self.resolved[name])
        return out

    def remember(self, name: str, port: Any) -> None:
        """A listed name (or one a wildcard allows) was resolved: learn its addresses."""
        name = name.lower().rstrip(".")
        if _address(name) is None and name not in self.resolved:
            self.resolved[name] = _resolve(name)
            if not any(r.host == name for r in self.rules):  # a wildcard match
                self.rules = (*self.rules, HostRule(name, None, False))

    # -- processes -----------------------------------------------------------------------
    def process_allowed(self, executable: str) -> bool:
        """Whether ``executable`` (a path or a name) is listed."""
        base = os.path.basename(executable)
        return any(
            (entry == executable) if "/" in entry else (entry == base)
            for entry in self.policy.processes.allow
        )

    # -- tmp -----------------------------------------------------------------------------
    def tmp_usage(self, fresh: bool = False) -> int:
        """Bytes in the temporary directory: from the file system when it is a mount of
        its own (Lambda's ephemeral storage), else by walking it (the first
        :data:`_MAX_TMP_ENTRIES` entries)."""
        if os.path.ismount(self.tmp_root):
            fs = os.statvfs(self.tmp_root)
            return (fs.f_blocks - fs.f_bfree) * fs.f_frsize
        started = time.monotonic()
        when, took, total, walked = self.tmp_measured
        slow = took > _TMP_WALK_CHEAP_S and walked > _TMP_WALK_FEW
        if not fresh and slow and started - when < took * _TMP_WALK_PATIENCE:
            return total  # walking a big directory at every write would cost too much
        total, seen, stack = 0, 0, [self.tmp_root]
        while stack and seen < _MAX_TMP_ENTRIES:
            try:
                entries = os.scandir(stack.pop())
            except OSError:
                continue
            with entries:
                for entry in entries:
                    seen += 1
                    try:
                        if entry.is_dir(follow_symlinks=False):
                            stack.append(entry.path)
                        elif entry.is_file(follow_symlinks=False):
                            total += entry.stat(follow_symlinks=False).st_blocks * 512
                    except OSError:
                        continue
        self.tmp_measured = (started, time.monotonic() - started, total, seen)
        return total

    def check_tmp(self, path: str, after: bool = False) -> None:
        """Report (and in block mode refuse) a write when the directory is at its cap.
        ``after``: the check after an invocation, which only reports (the write is done)."""
        used = self.tmp_usage(fresh=after)
        over = used >= self.tmp_cap
        # a write under the cap may still grow past it: look again after the invocation
        self.tmp_written = not after and not over
        if over:
            _violation(
                "tmp",
                "monitor" if after else self.policy.tmp.mode,
                path,
                f"write to {path} with {used // 1024} KiB already in {self.tmp_root} "
                f"(cap {self.tmp_cap // 1024} KiB)",
                used_bytes=used,
                cap_bytes=self.tmp_cap,
            )


def _address(text: str) -> Any:
    import ipaddress  # noqa: PLC0415 - start-up speed: only once a socket is used

    try:
        return ipaddress.ip_address(text.split("%", 1)[0])
    except ValueError:
        return None


def _resolve(name: str) -> frozenset[str]:
    import socket  # noqa: PLC0415 - start-up speed: only once a listed name is checked

    _state.busy = True
    try:
        infos = socket.getaddrinfo(name, None)
    except OSError:
        return frozenset()
    finally:
        _state.busy = False
    return frozenset(str(_address(str(info[4][0]))) for info in infos)


def _violation(kind: str, mode: str, target: str, summary: str, **details: Any) -> None:
    action = "blocked" if mode == "block" else "monitored"
    caller = _caller_module()
    emit_once(kind, action, target, summary, caller=caller, **details)
    if mode == "block":
        raise GuardViolationError(f"faasguard guard: {summary} (not allowed by the guard policy)")


def _caller_module() -> str:
    """The module of the nearest frame outside the standard library and the guard."""
    frame = sys._getframe(2)
    while frame is not None:
        name = str(frame.f_globals.get("__name__", ""))
        top = name.partition(".")[0]
        if name and top not in sys.stdlib_module_names and not name.startswith(_GUARD_MODULES):
            return name
        frame = frame.f_back  # type: ignore[assignment]
    return "<runtime>"


class _Process:
    """What is installed in this process (audit hooks stay until it exits)."""

    active: Limits | None = None
    installed = False
    original_getitem: Callable[[Any, Any], Any] | None = None


_state = _State()
_process = _Process()


def activate(limits: Limits | None) -> None:
    """Put ``limits`` in force for the process (``None``: none); installs the hooks once."""
    _process.active = limits
    if limits is None or _process.installed:
        return
    _process.installed = True
    sys.addaudithook(_hook)
    _process.original_getitem = os._Environ.__getitem__
    os._Environ.__getitem__ = _guarded_getitem  # type: ignore[method-assign]


def active() -> Limits | None:
    """The limits in force, if any."""
    return _process.active


def _guarded_getitem(self: Any, key: Any) -> Any:
    assert _process.original_getitem is not None
    value = _process.original_getitem(self, key)
    limits = _process.active
    if limits is None or _state.busy or limits.policy.environ.mode == "off":
        return value
    name = key.decode("ascii", "replace") if isinstance(key, bytes) else key
    if name in CREDENTIAL_VARIABLES:
        _check_environ(limits, f"${name}")
    return value


def _check_environ(limits: Limits, target: str) -> None:
    caller = _caller_module()
    allowed = limits.policy.environ.allow_modules
    if any(caller == m or caller.startswith(m + ".") for m in allowed) or caller == "<runtime>":
        return
    _state.busy = True
    try:
        _violation("environ", limits.policy.environ.mode, target, f"{caller} read {target}")
    finally:
        _state.busy = False


def _hook(event: str, args: tuple[Any, ...]) -> None:
    if event not in _WATCHED:
        return
    limits = _process.active
    if limits is None or _state.busy:
        return
    if event == "open":
        _on_open(limits, args)
    elif event in _PROCESS_EVENTS:
        _on_process(limits, event, args)
    elif limits.policy.network.mode != "off":
        _on_network(limits, event, args)


def _on_network(limits: Limits, event: str, args: tuple[Any, ...]) -> None:
    mode = limits.policy.network.mode
    if event in _NAME_EVENTS:
        host, port = args[0], (args[1] if event == "socket.getaddrinfo" else None)
        if host is None:
            return
        name = host.decode("idna") if isinstance(host, bytes) else str(host)
        port_number = port if isinstance(port, int) else None
        if _address(name) is not None:  # an address: checked as the connection it is for
            _check_address(limits, mode, name, port_number)
        elif limits.name_allowed(name, port_number):
            limits.remember(name, port_number)
        else:
            # monitored: its addresses are reported through the name, not a second time
            if mode != "block":
                limits.monitored |= _resolve(name)
            _violation("network", mode, name, f"resolve {name}")
        return
    address = args[1]
    if not isinstance(address, tuple) or len(address) < 2:  # AF_UNIX and other families
        return
    host, port = str(address[0]), address[1]
    if _address(host) is None:  # connect(("name", port)) resolves inside the C call
        if not limits.name_allowed(host, port):
            _violation("network", mode, host, f"connect to {host}:{port}")
        return
    _check_address(limits, mode, host, port)


def _check_address(limits: Limits, mode: str, host: str, port: int | None) -> None:
    address = _address(host)
    if str(address) in limits.monitored or limits.address_allowed(address, port):
        return
    target = f"{host}:{port}" if port is not None else host
    _violation("network", mode, target, f"connect to {target}")


def _on_process(limits: Limits, event: str, args: tuple[Any, ...]) -> None:
    mode = limits.policy.processes.mode
    if mode == "off":
        return
    executable = _executable(event, args)
    if event == "os.posix_spawn" and _caller_module_is("subprocess"):
        return  # subprocess.Popen raised its own event already
    if executable and limits.process_allowed(executable):
        return
    _violation("process", mode, executable or event, f"start {executable or event}")


def _executable(event: str, args: tuple[Any, ...]) -> str:
    def text(value: Any) -> str:
        return os.fsdecode(value) if isinstance(value, (str, bytes, os.PathLike)) else ""

    if event == "subprocess.Popen":
        executable, argv = args[0], args[1]
        if executable:
            return text(executable)
        if isinstance(argv, (str, bytes, os.PathLike)):
            return text(argv).split()[0] if text(argv).split() else ""
        return text(argv[0]) if argv else ""
    if event == "os.system":
        words = text(args[0]).split()
        return words[0] if words else ""
    if event in ("os.exec", "os.posix_spawn"):
        return text(args[0])
    if event == "os.spawn":
        return text(args[1])
    return ""  # fork: no program


def _caller_module_is(module: str) -> bool:
    frame = sys._getframe(3)
    while frame is not None:
        if frame.f_globals.get("__name__") == module:
            return True
        frame = frame.f_back  # type: ignore[assignment]
    return False


def _on_open(limits: Limits, args: tuple[Any, ...]) -> None:
    path, mode, flags = args[0], args[1], args[2]
    if isinstance(path, int) or path is None:
        return
    try:
        text = os.fsdecode(path)
    except (TypeError, ValueError):
        return
    if text.startswith("/proc/") and text.endswith("/environ"):
        if limits.policy.environ.mode != "off":
            _check_environ(limits, text)
        return
    writing = (
        any(c in mode for c in "wax+") if isinstance(mode, str) else bool(flags & _WRITE_FLAGS)
    )
    if not writing or limits.policy.tmp.mode == "off":
        return
    full = os.path.realpath(text)
    if full == limits.tmp_root or full.startswith(limits.tmp_root + os.sep):
        _state.busy = True
        try:
            limits.check_tmp(full)
        finally:
            _state.busy = False
