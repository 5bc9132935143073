"""faasguard: a serverless security toolkit.

Importing the package is cheap on purpose: ``faasguard --version`` must stay instant, so
submodules are imported lazily where they are needed.
"""

__version__ = "0.1.0"
