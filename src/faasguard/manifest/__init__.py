"""Signed deployment manifests: build (reproducible zips, hashes, pinned configuration),
sign and verify (in-toto Statement v1 in a DSSE envelope, Ed25519), zip hygiene.

Layer: above the analyses (it builds the SBOM digest with :mod:`faasguard.deps`) and below
the rules, so drift rules compare live configuration with :mod:`faasguard.manifest.config`.
"""
