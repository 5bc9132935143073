"""The one interface every source format implements: :class:`Loader`.

A loader turns one discovered candidate (a file, or a Terraform directory) into the one
model, :class:`~faasguard.model.App`. It never raises for bad input: what it cannot read
becomes an error :class:`~faasguard.model.Diagnostic` with the file and line, and whatever
it could read is still returned. Each format package (``cloudformation``, ``serverless``,
``terraform``) exposes one ``LOADER`` object satisfying this protocol; adding a format is
writing that package and naming it in :data:`faasguard.loaders.LOADER_MODULES`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Generic, Protocol, TypeVar

from faasguard.config import LoadOptions
from faasguard.model import App

B = TypeVar("B", bound=Callable[..., object])


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


class BuilderTable(Generic[B]):
    """Resource type → the function that builds its model element.

    Each format registers its builders where they are written, with
    ``@TABLE.builds("AWS::SQS::Queue")``; adding a resource type is writing one function.
    Registering a type twice is a programming error and raises at import time.
    """

    def __init__(self) -> None:
        self._by_type: dict[str, B] = {}

    def builds(self, *types: str) -> Callable[[B], B]:
        """Decorator: register the decorated builder for ``types``."""

        def register(builder: B) -> B:
            for kind in types:
                if kind in self._by_type:
                    raise ValueError(f"two builders for resource type {kind}")
                self._by_type[kind] = builder
            return builder

        return register

    def get(self, kind: str) -> B | None:
        """The builder of resource type ``kind``, or ``None`` when none is registered."""
        return self._by_type.get(kind)

    def __contains__(self, kind: object) -> bool:
        return kind in self._by_type

    def types(self) -> frozenset[str]:
        """Every registered resource type."""
        return frozenset(self._by_type)
