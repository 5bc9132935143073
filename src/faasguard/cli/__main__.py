"""``python -m faasguard.cli``."""

from faasguard.cli import main

main()
