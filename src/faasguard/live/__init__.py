"""The live account, read-only: boto3 reads → a snapshot (JSON) → the model → every rule,
plus drift against the templates and the signed manifest (``faasguard audit``).

Layer: between the command line and the engine (it runs the engine's rules).
"""
