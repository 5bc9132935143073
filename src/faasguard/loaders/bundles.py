"""Handlers built by a bundler whose output is not in the repository.

A template may deploy ``CodeUri: ./dist`` with ``Handler: main.handler`` where ``dist/`` is
webpack's output, built before deploying and never committed. The code the user wrote is
the bundle's entry: :func:`with_bundle_sources` reads ``webpack.config.js`` (as text, never
run) next to the missing directory and, when its ``output.path`` is that directory and one
of its ``entry`` chunks is the handler's module (``[name].js``: a string entry is the
``main`` chunk), points the function at the entry file: ``code`` the project directory,
``source_handler`` ``src/lambda.handler``. The code analysis and the dependency audit then
read the sources and the project's manifests.
"""

from __future__ import annotations

import os
import re
from dataclasses import replace

from faasguard.errors import LoadError
from faasguard.loaders.files import read_regular_text
from faasguard.model import App, CodeLocation, Function

WEBPACK_CONFIGS = ("webpack.config.js", "webpack.config.cjs", "webpack.config.mjs")
_STRING_ENTRY = re.compile(r"""\bentry\s*:\s*['"]([^'"]+)['"]""")
_OBJECT_ENTRY = re.compile(r"""\bentry\s*:\s*\{([^}]*)\}""", re.DOTALL)
_CHUNK = re.compile(r"""['"]?([\w.-]+)['"]?\s*:\s*['"]([^'"]+)['"]""")
_OUTPUT_PATH = re.compile(r"""\boutput\s*:\s*\{[^}]*?\bpath\s*:\s*([^\n}]+)""", re.DOTALL)
_JS_SUFFIXES = (".js", ".mjs", ".cjs", ".ts", ".mts", ".cts")


def with_bundle_sources(app: App) -> App:
    """``app`` with each function whose code directory is missing bundler output pointed at
    its sources (see the module docstring); unchanged when nothing applies."""
    configs: list[str] = []
    functions = []
    for fn in app.functions:
        resolved, config = _resolve(fn)
        if config is not None:
            configs.append(config)
        functions.append(resolved)
    if not configs:
        return app
    # The config is an input of the model: the cache must see it change.
    files = tuple(dict.fromkeys((*app.files, *configs)))
    return replace(app, functions=tuple(functions), files=files)


def _resolve(fn: Function) -> tuple[Function, str | None]:
    code = fn.code
    if code.kind != "directory" or not code.path or os.path.isdir(code.path):
        return fn, None
    if not isinstance(fn.handler, str) or "." not in fn.handler:
        return fn, None
    module, _, export = fn.handler.rpartition(".")
    project = os.path.dirname(os.path.normpath(code.path))
    out_dir = os.path.basename(os.path.normpath(code.path))
    for name in WEBPACK_CONFIGS:
        config = os.path.join(project, name)
        if not os.path.isfile(config):
            continue
        try:
            text = read_regular_text(config)
        except LoadError:
            return fn, None
        source = _entry_for(text, out_dir, module)
        if source is None:
            return fn, None
        path = os.path.normpath(os.path.join(project, source))
        if not path.startswith(project + os.sep) or not os.path.isfile(path):
            return fn, None
        stem = os.path.relpath(path, project)
        for suffix in _JS_SUFFIXES:
            stem = stem.removesuffix(suffix)
        resolved = replace(
            fn,
            code=CodeLocation(kind="directory", path=project),
            source_handler=f"{stem.replace(os.sep, '/')}.{export}",
        )
        return resolved, config
    return fn, None


def _entry_for(text: str, out_dir: str, module: str) -> str | None:
    """The entry file of chunk ``module`` when the config writes it into ``out_dir``."""
    output = _OUTPUT_PATH.search(text)
    written_to = output.group(1) if output else "'dist'"
    if f"'{out_dir}'" not in written_to and f'"{out_dir}"' not in written_to:
        return None
    chunks: dict[str, str] = {}
    single = _STRING_ENTRY.search(text)
    if single is not None:
        chunks["main"] = single.group(1)
    block = _OBJECT_ENTRY.search(text)
    if block is not None:
        chunks.update(dict(_CHUNK.findall(block.group(1))))
    return chunks.get(module)
