"""Signing and verifying manifests: an in-toto Statement v1 in a DSSE envelope.

The envelope, its pre-authentication encoding and the Ed25519 signatures are
securesystemslib's (:class:`securesystemslib.dsse.Envelope`,
:class:`~securesystemslib.signer.CryptoSigner`); the statement is checked against the
in-toto attestation framework's own ``Statement`` (``in_toto_attestation.v1``), so a
signed manifest can be read by any in-toto or DSSE verifier (``cosign verify-blob-attestation``
with the public key, ``in-toto-attestation`` tools). Nothing here reaches the network.

Keys are Ed25519 in PEM (PKCS#8 private, SubjectPublicKeyInfo public), from a file or an
environment variable holding the PEM text. Which keys are trusted is a trust file
(:func:`load_trust`): each key with an optional expiry, and the ids of revoked keys.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from google.protobuf import json_format
from in_toto_attestation.v1 import statement_pb2
from in_toto_attestation.v1.statement import STATEMENT_TYPE_URI, Statement
from securesystemslib.dsse import Envelope
from securesystemslib.exceptions import VerificationError
from securesystemslib.signer import CryptoSigner, Key, SSlibKey

from faasguard.errors import UsageError
from faasguard.manifest.build import PREDICATE_TYPE

PAYLOAD_TYPE = "application/vnd.in-toto+json"
#: The environment variable ``--key-env`` reads by default.
KEY_ENV = "FAASGUARD_SIGNING_KEY"


class ManifestInvalidError(Exception):
    """A signed manifest that must not be trusted; ``reasons`` says why, one per line."""

    def __init__(self, reasons: Sequence[str]) -> None:
        self.reasons = list(reasons)
        super().__init__("; ".join(self.reasons))


def _utc(text: str, what: str) -> dt.datetime:
    try:
        moment = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise UsageError(f"{what}: '{text}' is not an ISO 8601 time") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def iso(moment: dt.datetime) -> str:
    """``moment`` as ISO 8601 in UTC with a ``Z``."""
    return moment.astimezone(dt.UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def generate_key(private_path: Path, public_path: Path) -> str:
    """Write a new Ed25519 key pair (the private file readable by its owner only) and return
    the public key's id."""
    private = Ed25519PrivateKey.generate()
    pem = private.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    descriptor = os.open(private_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(pem)
    public = private.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    public_path.write_bytes(public)
    return SSlibKey.from_crypto(private.public_key()).keyid


def load_signer(key_file: Path | None, key_env: str | None) -> CryptoSigner:
    """The signer of an Ed25519 private key in PEM from ``key_file`` or the variable
    ``key_env``; :class:`UsageError` naming the source when it is missing or not Ed25519."""
    if key_file is not None:
        source = str(key_file)
        try:
            pem = key_file.read_bytes()
        except OSError as exc:
            raise UsageError(f"{key_file}: cannot read the signing key: {exc.strerror}") from None
    else:
        variable = key_env or KEY_ENV
        source = f"environment variable {variable}"
        text = os.environ.get(variable)
        if not text:
            raise UsageError(f"no signing key: give --key FILE or set {variable}")
        pem = text.encode("utf-8")
    try:
        private = serialization.load_pem_private_key(pem, password=None)
    except (ValueError, TypeError) as exc:
        raise UsageError(f"{source}: not an unencrypted PEM private key ({exc})") from None
    if not isinstance(private, Ed25519PrivateKey):
        raise UsageError(f"{source}: not an Ed25519 key (faasguard signs with Ed25519 only)")
    return CryptoSigner(private)


def statement(document: Mapping[str, Any], expires: dt.datetime) -> dict[str, Any]:
    """The in-toto Statement v1 of a manifest: one subject per artifact, the manifest (with
    its expiry) as predicate; validated by the attestation framework's ``Statement``."""
    subjects = []
    for kind in ("functions", "layers"):
        for entry in document.get(kind, []):
            artifact = entry.get("artifact")
            if artifact:
                subjects.append(
                    {"name": artifact["file"], "digest": {"sha256": artifact["sha256"]}}
                )
    if not subjects:
        raise UsageError("the manifest pins no artifact: nothing to sign")
    result = {
        "_type": STATEMENT_TYPE_URI,
        "subject": subjects,
        "predicateType": PREDICATE_TYPE,
        "predicate": {**document, "expires": iso(expires)},
    }
    _validate(result)
    return result


def _validate(data: Mapping[str, Any]) -> None:
    """Raise ``ValueError`` unless ``data`` is a valid in-toto Statement v1."""
    proto = statement_pb2.Statement()
    try:
        json_format.ParseDict(dict(data), proto)
    except json_format.ParseError as exc:
        raise ValueError(f"not an in-toto Statement v1: {exc}") from None
    Statement.copy_from_pb(proto).validate()


def sign(document: Mapping[str, Any], signer: CryptoSigner, expires: dt.datetime) -> dict[str, Any]:
    """The DSSE envelope (as JSON data) of the manifest's statement, signed by ``signer``."""
    payload = json.dumps(statement(document, expires), sort_keys=True, separators=(",", ":"))
    envelope = Envelope(payload.encode("utf-8"), PAYLOAD_TYPE, {})
    envelope.sign(signer)
    data: dict[str, Any] = envelope.to_dict()
    return data


@dataclass(frozen=True, slots=True)
class TrustedKey:
    """A public key allowed to sign manifests, until ``expires`` (``None``: no expiry)."""

    key: SSlibKey
    name: str
    expires: dt.datetime | None = None


@dataclass(slots=True)
class Trust:
    """The trusted keys, the revoked key ids, and how many signatures a manifest needs."""

    keys: list[TrustedKey] = field(default_factory=list)
    revoked: set[str] = field(default_factory=set)
    threshold: int = 1


def public_key(pem: bytes, source: str) -> SSlibKey:
    """The securesystemslib key of an Ed25519 public key in PEM."""
    try:
        loaded = serialization.load_pem_public_key(pem)
    except ValueError as exc:
        raise UsageError(f"{source}: not a PEM public key ({exc})") from None
    if not isinstance(loaded, Ed25519PublicKey):
        raise UsageError(f"{source}: not an Ed25519 public key")
    return SSlibKey.from_crypto(loaded)


def load_trust(paths: Sequence[Path]) -> Trust:
    """Trusted keys from PEM public key files and trust files (JSON)::

    {"threshold": 1,
     "keys": [{"name": "ci", "publicKey": "-----BEGIN PUBLIC KEY-----...",
               "expires": "2027-06-30T00:00:00Z"}],
     "revoked": ["<key id>"]}
    """
    trust = Trust()
    for path in paths:
        try:
            raw = path.read_bytes()
        except OSError as exc:
            raise UsageError(f"{path}: cannot read trusted keys: {exc.strerror}") from None
        if raw.lstrip().startswith(b"-----BEGIN"):
            trust.keys.append(TrustedKey(public_key(raw, str(path)), path.stem))
            continue
        try:
            data = json.loads(raw)
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise UsageError(
                f"{path}: neither a PEM public key nor a JSON trust file ({exc})"
            ) from None
        if not isinstance(data, dict) or not isinstance(data.get("keys", []), list):
            raise UsageError(f"{path}: a trust file is an object with a 'keys' list")
        for index, entry in enumerate(data.get("keys", [])):
            where = f"{path}: keys[{index}]"
            if not isinstance(entry, dict) or not isinstance(entry.get("publicKey"), str):
                raise UsageError(f"{where}: needs a 'publicKey' (PEM text)")
            expires = entry.get("expires")
            trust.keys.append(
                TrustedKey(
                    public_key(entry["publicKey"].encode("utf-8"), where),
                    str(entry.get("name", f"key {index}")),
                    _utc(expires, f"{where}.expires") if isinstance(expires, str) else None,
                )
            )
        trust.revoked.update(str(keyid) for keyid in data.get("revoked", []))
        threshold = data.get("threshold", 1)
        if not isinstance(threshold, int) or threshold < 1:
            raise UsageError(f"{path}: 'threshold' must be a positive integer")
        trust.threshold = max(trust.threshold, threshold)
    if not trust.keys:
        raise UsageError("no trusted key: give --trusted-key FILE (PEM or trust file)")
    return trust


def verify(envelope_data: object, trust: Trust, now: dt.datetime) -> dict[str, Any]:
    """The statement of a signed manifest whose signatures, keys and expiry hold at ``now``;
    :class:`ManifestInvalidError` with every reason otherwise."""
    if not isinstance(envelope_data, dict):
        raise ManifestInvalidError(["not a DSSE envelope (a JSON object with payload, signatures)"])
    try:
        envelope = Envelope.from_dict(json.loads(json.dumps(envelope_data)))
    except (KeyError, ValueError, TypeError) as exc:
        raise ManifestInvalidError([f"not a DSSE envelope ({type(exc).__name__}: {exc})"]) from None
    reasons: list[str] = []
    if envelope.payload_type != PAYLOAD_TYPE:
        reasons.append(f"payload type is {envelope.payload_type!r}, not {PAYLOAD_TYPE!r}")
    _check_signatures(envelope, trust, now, reasons)
    data = _statement_of(envelope.payload, reasons)
    if data:
        _check_expiry(data, now, reasons)
    if reasons:
        raise ManifestInvalidError(reasons)
    return data or {}


def _check_signatures(
    envelope: Envelope, trust: Trust, now: dt.datetime, reasons: list[str]
) -> None:
    """Add to ``reasons`` what is wrong with the envelope's signatures: revoked or expired
    signing keys, too few trusted keys, no valid signature by enough of them."""
    usable: list[Key] = []
    for trusted in trust.keys:
        keyid = trusted.key.keyid
        signed_by_it = keyid in envelope.signatures
        if keyid in trust.revoked:
            if signed_by_it:
                reasons.append(f"signed by revoked key {trusted.name} ({keyid[:16]})")
            continue
        if trusted.expires is not None and trusted.expires <= now:
            if signed_by_it:
                reasons.append(
                    f"signed by key {trusted.name}, which expired {iso(trusted.expires)}"
                )
            continue
        usable.append(trusted.key)
    if len(usable) < trust.threshold:
        reasons.append(f"fewer usable trusted keys ({len(usable)}) than the threshold")
        return
    try:
        envelope.verify(usable, trust.threshold)
    except VerificationError:
        known = {t.key.keyid for t in trust.keys}
        unknown = [k[:16] for k in envelope.signatures if k not in known]
        extra = f" (signed by unknown key {', '.join(unknown)})" if unknown else ""
        reasons.append(f"no valid signature by {trust.threshold} trusted key(s){extra}")


def _check_expiry(data: dict[str, Any], now: dt.datetime, reasons: list[str]) -> None:
    predicate = data.get("predicate")
    expires = predicate.get("expires") if isinstance(predicate, dict) else None
    if not isinstance(expires, str):
        reasons.append("the manifest has no expiry")
        return
    try:
        if _utc(expires, "expires") <= now:
            reasons.append(f"the manifest expired {expires}")
    except UsageError as exc:
        reasons.append(f"the manifest's {exc}")


def _statement_of(payload: bytes, reasons: list[str]) -> dict[str, Any] | None:
    try:
        data = json.loads(payload)
        _validate(data)
    except (ValueError, UnicodeDecodeError) as exc:
        reasons.append(f"payload is not an in-toto Statement v1 ({exc})")
        return None
    if data.get("predicateType") != PREDICATE_TYPE:
        reasons.append(f"predicate type is {data.get('predicateType')!r}, not a faasguard manifest")
        return None
    return dict(data)
