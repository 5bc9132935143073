"""Rule tests under ``tests/rules/<family>/`` build models with ``tests/rules/rulekit.py``."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
