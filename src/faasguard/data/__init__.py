"""Packaged data tables (runtime end-of-life dates, publisher accounts, ...).

Each file records its origin (``source``) and the date it was checked (``as_of``). Tables are
read lazily on first use, never at import time.
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import Any


@cache
def load_json(name: str) -> Any:
    """The parsed content of the packaged data file ``name`` (cached)."""
    return json.loads(resources.files(__name__).joinpath(name).read_text(encoding="utf-8"))
