"""Finding a function's handler file and resolving imports inside its code directory."""

from __future__ import annotations

import itertools
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from faasguard.code.modules import (
    Entry,
    EntryProblem,
    find_entry,
    resolve_js_module,
    resolve_python_import,
)
from faasguard.code.sdk_calls import analyse_function
from faasguard.code.values import Env, Lit, Opaque, SymStr
from faasguard.model import App, CodeLocation, Function, Location

HERE = Location(file="template.yaml", line=1)


def _function(
    root: Path, handler: str, runtime: str = "python3.12", kind: str = "directory"
) -> Function:
    return Function(
        ref="Fn",
        handler=handler,
        runtime=runtime,
        code=CodeLocation(kind=kind, path=str(root)),
        location=HERE,
    )


def test_python_handlers_dotted_and_path_like(tmp_path: Path) -> None:
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "mod.py").write_text("")
    (tmp_path / "src" / "orders").mkdir(parents=True)
    (tmp_path / "src" / "orders" / "app.py").write_text("")
    dotted = find_entry(_function(tmp_path, "pkg.mod.handler"))
    assert isinstance(dotted, Entry) and dotted.file == tmp_path / "pkg" / "mod.py"
    assert dotted.export == "handler" and dotted.language == "python"
    serverless = find_entry(_function(tmp_path, "src/orders/app.handler"))
    assert isinstance(serverless, Entry) and serverless.file.name == "app.py"


def test_node_handlers_try_every_extension(tmp_path: Path) -> None:
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "index.mjs").write_text("")
    found = find_entry(_function(tmp_path, "src/index.handler", "nodejs20.x"))
    assert isinstance(found, Entry) and found.file.suffix == ".mjs"


def test_problems_are_explained(tmp_path: Path) -> None:
    missing = find_entry(_function(tmp_path, "nope.handler"))
    assert (
        isinstance(missing, EntryProblem)
        and "handler file for nope.handler not found" in missing.message
    )
    java = find_entry(_function(tmp_path, "x.Handler::handle", "java21"))
    assert isinstance(java, EntryProblem) and "java21 is not analysed" in java.message
    image = find_entry(_function(tmp_path, "app.handler", kind="image"))
    assert isinstance(image, EntryProblem) and "not a local directory" in image.message
    analysis = analyse_function(_function(tmp_path, "nope.handler"))
    assert not analysis.complete and analysis.problem == missing.message


def test_code_path_joined_twice_is_tolerated(tmp_path: Path, monkeypatch: object) -> None:
    # ``terraform/`` + ``terraform/../src`` as some loaders produce for relative scan paths
    (tmp_path / "shop" / "src").mkdir(parents=True)
    (tmp_path / "shop" / "src" / "app.py").write_text("")
    (tmp_path / "shop" / "terraform").mkdir()
    monkeypatch.chdir(tmp_path)  # type: ignore[attr-defined]
    fn = Function(
        ref="aws_lambda_function.x",
        handler="app.handler",
        runtime="python3.12",
        code=CodeLocation(kind="directory", path="shop/terraform/shop/src"),
        location=HERE,
    )
    app = App(name="t", format="terraform", root_file="shop/terraform/main.tf", functions=(fn,))
    found = find_entry(fn, app)
    assert isinstance(found, Entry) and found.file == Path("shop/src/app.py")


def test_python_imports_stay_inside_the_code_directory(tmp_path: Path) -> None:
    (tmp_path / "lib").mkdir()
    (tmp_path / "lib" / "__init__.py").write_text("")
    (tmp_path / "lib" / "db.py").write_text("")
    importer = tmp_path / "app.py"
    assert resolve_python_import(tmp_path, importer, "lib.db", 0) == tmp_path / "lib" / "db.py"
    assert resolve_python_import(tmp_path, importer, "lib", 0, "db") == tmp_path / "lib" / "db.py"
    assert resolve_python_import(tmp_path, importer, "lib", 0) == tmp_path / "lib" / "__init__.py"
    assert (
        resolve_python_import(tmp_path, tmp_path / "lib" / "x.py", "db", 1)
        == tmp_path / "lib" / "db.py"
    )
    assert resolve_python_import(tmp_path, importer, "boto3", 0) is None
    assert resolve_python_import(tmp_path, tmp_path / "lib" / "x.py", "", 3, "secret") is None


def test_js_requires(tmp_path: Path) -> None:
    (tmp_path / "lib").mkdir()
    (tmp_path / "lib" / "index.js").write_text("")
    (tmp_path / "util.ts").write_text("")
    importer = tmp_path / "index.js"
    assert resolve_js_module(tmp_path, importer, "./lib") == tmp_path / "lib" / "index.js"
    assert resolve_js_module(tmp_path, importer, "./util.js") == tmp_path / "util.ts"
    assert resolve_js_module(tmp_path, importer, "aws-sdk") is None
    assert resolve_js_module(tmp_path, importer, "../outside") is None


_parts = st.one_of(
    st.builds(Lit, st.text(max_size=5)),
    st.builds(Env, st.text(min_size=1, max_size=5)),
    st.builds(Opaque, st.text(max_size=5)),
)


@given(
    a=st.lists(_parts, max_size=5), b=st.lists(_parts, max_size=5), c=st.lists(_parts, max_size=5)
)
def test_symbolic_string_concatenation_is_associative_and_normalised(
    a: list[Lit | Env | Opaque], b: list[Lit | Env | Opaque], c: list[Lit | Env | Opaque]
) -> None:
    x, y, z = SymStr.of(*a), SymStr.of(*b), SymStr.of(*c)
    assert (x + y) + z == x + (y + z)
    joined = (x + y).parts
    assert not any(isinstance(p, Lit) and not p.text for p in joined)
    assert not any(isinstance(p, Lit) and isinstance(q, Lit) for p, q in itertools.pairwise(joined))
