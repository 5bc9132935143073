"""``faasguard manifest verify``: the artifacts about to be deployed are the signed ones.

After the signature, keys and expiry hold (:func:`faasguard.manifest.signing.verify`),
every artifact the manifest pins is looked up (in ``--artifacts DIR`` by the file name the
manifest gives it, else rebuilt from the app), and must have the signed SHA-256 and pass
the zip hygiene checks. Every problem is one line of the result, so a CI log shows them all.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from faasguard.manifest.zips import digest_bytes, zip_problems

#: Finds the bytes of an artifact by its manifest entry, or ``None`` when it is not here.
Lookup = Callable[[str, Mapping[str, Any]], bytes | None]


def directory_lookup(directory: Path) -> Lookup:
    """Artifacts as files of ``directory`` named as the manifest names them."""

    def lookup(kind: str, entry: Mapping[str, Any]) -> bytes | None:
        artifact = entry.get("artifact") or {}
        name = str(artifact.get("file", ""))
        path = directory / name
        if not name or "/" in name or "\\" in name or name.startswith(".") or not path.is_file():
            return None
        return path.read_bytes()

    return lookup


def check_artifacts(statement: Mapping[str, Any], lookup: Lookup) -> tuple[list[str], int]:
    """(problems, artifacts checked) for every artifact of a verified statement."""
    predicate = statement.get("predicate") or {}
    subjects = {
        s.get("name"): (s.get("digest") or {}).get("sha256") for s in statement.get("subject", [])
    }
    problems: list[str] = []
    checked = 0
    for kind in ("functions", "layers"):
        for entry in predicate.get(kind, []):
            what = f"{kind[:-1]} {entry.get('name')}"
            artifact = entry.get("artifact")
            if not artifact:
                problems.append(f"{what}: the manifest pins no artifact for it")
                continue
            if subjects.get(artifact.get("file")) != artifact.get("sha256"):
                problems.append(f"{what}: artifact digest differs from the signed subject")
            data = lookup(kind, entry)
            if data is None:
                problems.append(f"{what}: artifact {artifact.get('file')} not found")
                continue
            checked += 1
            digest = digest_bytes(data)
            if digest.sha256 != artifact.get("sha256"):
                problems.append(
                    f"{what}: artifact {artifact.get('file')} has SHA-256 {digest.sha256[:16]}…, "
                    f"the signed manifest {str(artifact.get('sha256'))[:16]}…"
                )
            problems.extend(f"{what}: {problem}" for problem in zip_problems(data))
    return problems, checked
