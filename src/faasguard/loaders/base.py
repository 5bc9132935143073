"""The one interface every source format implements: :class:`Loader`.

A loader turns one discovered candidate (a file, or a Terraform directory) into the one
model, :class:`~faasguard.model.App`. It never raises for bad input: what it cannot read
becomes an error :class:`~faasguard.model.Diagnostic` with the file and line, and whatever
it could read is still returned. Each format package (``cloudformation``, ``serverless``,
``terraform``) exposes one ``LOADER`` object satisfying this protocol; adding a format is
writing that package and naming it in :data:`faasguard.loaders.LOADER_MODULES`.
"""

from __future__ import annotations

from typing import Protocol

from faasguard.config import LoadOptions
from faasguard.model import App


class Loader(Protocol):
    """Loads the candidates of the formats in :attr:`formats` into the model."""

    @property
    def formats(self) -> frozenset[str]:
        """The discovery formats this loader reads (``cloudformation``, ``cdk``, ...)."""
        ...

    def load(self, path: str, options: LoadOptions, *, fmt: str) -> App:
        """Load the app at ``path`` (discovered as ``fmt``); never raises for bad input."""
        ...

    def warm_up(self) -> None:
        """Build expensive shared state now, so forked workers inherit it (may do nothing)."""
        ...
