"""The Node.js taint engine: paths a user sees, trigger awareness, robustness."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from faasguard.code.javascript.taint import ANALYZER, analyse_entry
from faasguard.code.modules import Entry
from faasguard.code.regex import catastrophic
from faasguard.code.taint.base import SourceSpec, analyzer_for, flows_for, sources_for
from faasguard.config import LoadOptions
from faasguard.loaders import Candidate, load
from faasguard.model import TriggerKind

SHOP = Path(__file__).resolve().parents[3] / "examples" / "shop"


def _shop() -> object:
    return load(Candidate(format="cloudformation", path=str(SHOP / "template.yaml")), LoadOptions())


def _analyse(tmp_path: Path, files: dict[str, str], entry: str = "index.js"):  # type: ignore[no-untyped-def]
    for name, source in files.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(source))
    return analyse_entry(
        Entry(root=tmp_path, file=tmp_path / entry, export="handler", language="javascript"),
        SourceSpec(whole_event=True),
    )


def test_dispatcher_uses_the_javascript_analyzer() -> None:
    assert analyzer_for("javascript") is ANALYZER


def test_shop_upload_command_injection_only_from_s3_with_its_path() -> None:
    app = _shop()
    fn = app.function("ProcessUploadFunction")  # type: ignore[attr-defined]
    flows = flows_for(fn, app)  # type: ignore[arg-type]
    assert [(f.sink_family, f.sink.location.line) for f in flows] == [("command-injection", 11)]
    flow = flows[0]
    assert flow.trigger_kinds == (TriggerKind.S3,)
    assert not all(k.is_http for k in flow.trigger_kinds)
    assert flow.source.location.line == 9
    assert flow.source.message.startswith("record.s3.object.key (S3 object key")
    assert [s.message for s in flow.steps] == ["decoded by decodeURIComponent()", "assigned to key"]
    assert flow.language == "javascript"
    assert flow.key == "index.js:child_process.execSync:Records[].s3.object.key"


def test_shop_signup_eval_of_a_cognito_attribute_but_not_its_safe_twin() -> None:
    app = _shop()
    fn = app.function("SignupHookFunction")  # type: ignore[attr-defined]
    flows = flows_for(fn, app)  # type: ignore[arg-type]
    assert [(f.sink_family, f.sink.location.line) for f in flows] == [("code-injection", 10)]
    assert flows[0].trigger_kinds == (TriggerKind.COGNITO,)
    assert 'userAttributes["custom:rule"]' in flows[0].source.message


def test_same_code_on_a_schedule_has_no_sources() -> None:
    app = _shop()
    fn = app.function("ProcessUploadFunction")  # type: ignore[attr-defined]
    assert sources_for(fn).paths  # S3: the key and bucket
    spec = SourceSpec(kinds=(TriggerKind.SCHEDULE,))
    entry = Entry(
        root=SHOP / "src/uploads",
        file=SHOP / "src/uploads/index.js",
        export="handler",
        language="javascript",
    )
    assert analyse_entry(entry, spec).flows == ()


def test_helper_in_another_module_shows_call_and_return_steps(tmp_path: Path) -> None:
    result = _analyse(
        tmp_path,
        {
            "index.js": """
            const { build } = require("./lib/cmd");
            const cp = require("child_process");
            exports.handler = async (event) => {
              const { name } = JSON.parse(event.body);
              cp.exec(build(name));
            };
            """,
            "lib/cmd.js": """
            exports.build = (n) => `zip /tmp/${n}.zip`;
            """,
        },
    )
    [flow] = result.flows
    assert flow.sink.location.line == 6
    messages = [s.message for s in flow.steps]
    assert messages == [
        "parsed by JSON.parse()",
        "assigned to name",
        "passed to build() as n",
        "returned from build()",
    ]
    assert flow.steps[3].location.file.endswith("lib/cmd.js")


def test_typescript_handler_is_analysed(tmp_path: Path) -> None:
    result = _analyse(
        tmp_path,
        {
            "app.ts": """
            import { execSync } from "child_process";
            type Body = { cmd: string };
            export const handler = async (event: { body: string }): Promise<void> => {
              const body = JSON.parse(event.body) as Body;
              execSync(body.cmd!);
            };
            """
        },
        entry="app.ts",
    )
    assert [(f.sink_family, f.sink.location.line) for f in result.flows] == [
        ("command-injection", 6)
    ]


def test_syntax_error_is_a_gap_and_the_rest_is_analysed(tmp_path: Path) -> None:
    result = _analyse(
        tmp_path,
        {
            "index.js": """
            const broken = require("./broken");
            exports.handler = async (event) => { eval(event.code); };
            """,
            "broken.js": "function (",
        },
    )
    assert [f.sink_family for f in result.flows] == ["code-injection"]
    assert any("syntax error" in g.message and g.file.endswith("broken.js") for g in result.gaps)


def test_missing_export_is_a_gap(tmp_path: Path) -> None:
    result = _analyse(tmp_path, {"index.js": "exports.other = (e) => eval(e.x);"})
    assert result.flows == ()
    assert any("handler export handler not found" in g.message for g in result.gaps)


def test_deep_recursion_and_loops_terminate(tmp_path: Path) -> None:
    result = _analyse(
        tmp_path,
        {
            "index.js": """
            function walk(x, n) { return n ? walk(x + "/", n - 1) : x; }
            exports.handler = async (event) => {
              let acc = "";
              for (const r of event.Records) { acc = acc + r.body; }
              require("child_process").exec(walk(acc, 5));
            };
            """
        },
    )
    assert [f.sink.location.line for f in result.flows] == [6]


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [
        ("(a+)+$", True),
        ("^([a-zA-Z0-9_.-]+)+@x\\.com$", True),
        ("(\\w+\\s?)*$", True),
        ("(?<word>a*)*", True),
        ("^[A-Z]{3}-\\d{4}$", False),
        ("^(ab|cd)+$", False),
        ("a+b+", False),
    ],
)
def test_catastrophic_patterns(pattern: str, expected: bool) -> None:
    assert catastrophic(pattern, dialect="javascript") is expected
