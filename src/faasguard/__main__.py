"""`python -m faasguard`: the same as the `faasguard` command."""

from faasguard.cli import main

if __name__ == "__main__":
    main()
