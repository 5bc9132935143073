"""Time the Node.js taint engine (``faasguard.code.javascript.taint``) on a generated app.

The input is a synthetic SAM app (two sizes) of 30 Node.js functions (one trigger kind each, cycling
through S3, SQS, SNS, Kinesis, EventBridge, HTTP API and REST API), each a handler plus four
helper modules of chained helpers — a few thousand lines in all. Every function has exactly
one planted injection (a shell command built from its event source, three helper calls deep
and one module away) and two safe twins (an argument array without a shell, an allow-listed
value), so the run also checks that the analysis finds exactly 30 flows.

Loading the template is not timed. Then every function is analysed cold (first use: the
tree-sitter grammars and the sink data are loaded inside the timing) and warm (best of 3,
the dispatcher's cache cleared so every handler is parsed and interpreted again). With
``--write`` the figures go to BENCHMARKS.md between the ``code_js`` markers. No peer runs
here: the issue's peers (Bandit, Semgrep) are compared on the fixture suite by the Python
engine's benchmark; Bandit does not read JavaScript.
"""

from __future__ import annotations

import argparse
import platform
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
BEGIN, END = "<!-- code_js:begin -->", "<!-- code_js:end -->"
FUNCTIONS = 30
#: Helpers per module: the issue's size (a few thousand lines), and a ten times larger app.
SIZES = (3, 30)
TRIGGERS = [
    (
        "S3",
        "Bucket: !Ref Bucket\n            Events: s3:ObjectCreated:*",
        "event.Records[0].s3.object.key",
    ),
    ("SQS", "Queue: !GetAtt Queue.Arn", "JSON.parse(event.Records[0].body).name"),
    ("SNS", "Topic: !Ref Topic", "event.Records[0].Sns.Message"),
    (
        "Kinesis",
        "Stream: !GetAtt Stream.Arn\n            StartingPosition: LATEST",
        'Buffer.from(event.Records[0].kinesis.data, "base64").toString()',
    ),
    ("EventBridgeRule", "Pattern: {source: [bench]}", "event.detail.name"),
    ("HttpApi", "Path: /x{i}\n            Method: post", "JSON.parse(event.body).name"),
    ("Api", "Path: /y{i}\n            Method: get", "event.queryStringParameters.name"),
]


def _helpers(module: int, function: int, helpers: int) -> str:
    lines = ['const path = require("path");', ""]
    for h in range(helpers):
        nxt = f"h{module}_{h + 1}(value, depth - 1)" if h + 1 < helpers else "value"
        lines += [
            f"function h{module}_{h}(value, depth) {{",
            "  // a little string work, a container and a conditional, as real helpers have",
            f'  const parts = {{ name: value, tag: "m{module}f{function}h{h}" }};',
            '  const joined = [parts.tag, parts.name].join("-");',
            "  if (depth <= 0) {",
            "    return joined.trim();",
            "  }",
            f"  return {nxt};",
            "}",
            "",
        ]
    exported = ", ".join(f"h{module}_{h}" for h in range(helpers))
    lines += [
        f"function normalise{module}(value) {{",
        '  return path.basename(String(value)).replace(/[^a-z0-9]/gi, "");',
        "}",
        "",
        f"module.exports = {{ {exported}, normalise{module} }};",
        "",
    ]
    return "\n".join(lines)


def _handler(function: int, source: str, helpers: int) -> str:
    requires = "\n".join(f'const m{m} = require("./lib/m{m}");' for m in range(4))
    return f"""const {{ execSync, execFileSync }} = require("child_process");
{requires}

const ALLOWED = ["a", "b", "c"];

async function stage(value) {{
  const built = m0.h0_{helpers - 2}(value, 2);
  return `echo ${{built}}`;
}}

exports.handler = async (event) => {{
  const input = {source};
  const command = await stage(input);
  execSync(command);
  execFileSync("echo", [input]);
  if (ALLOWED.includes(input)) {{
    execSync(`echo ${{input}}`);
  }}
  const clean = m1.normalise1(input);
  execSync(`echo ${{clean}} ${{m2.h2_0("x", 3)}} ${{m3.h3_{helpers - 1}("y", 1)}}`);
  return {{ ok: true, n: {function} }};
}};
"""


def generate(root: Path, helpers: int) -> int:
    """Write the app under ``root``; the number of lines of handler code."""
    resources = [
        "Resources:",
        "  Bucket: {Type: AWS::S3::Bucket}",
        "  Queue: {Type: AWS::SQS::Queue}",
        "  Topic: {Type: AWS::SNS::Topic}",
        "  Stream: {Type: AWS::Kinesis::Stream, Properties: {ShardCount: 1}}",
    ]
    lines = 0
    for i in range(FUNCTIONS):
        kind, props, source = TRIGGERS[i % len(TRIGGERS)]
        code = root / f"src/f{i}"
        (code / "lib").mkdir(parents=True)
        files = {code / "index.js": _handler(i, source, helpers)}
        for m in range(4):
            files[code / f"lib/m{m}.js"] = _helpers(m, i, helpers)
        for path, text in files.items():
            path.write_text(text)
            lines += text.count("\n")
        resources += [
            f"  F{i}:",
            "    Type: AWS::Serverless::Function",
            "    Properties:",
            f"      CodeUri: src/f{i}/",
            "      Handler: index.handler",
            "      Runtime: nodejs20.x",
            "      Events:",
            "        E:",
            f"          Type: {kind}",
            "          Properties:",
            f"            {props.replace('{i}', str(i))}",
        ]
    header = 'AWSTemplateFormatVersion: "2010-09-09"\nTransform: AWS::Serverless-2016-10-31\n'
    (root / "template.yaml").write_text(header + "\n".join(resources) + "\n")
    return lines


def _analyse_all(app: object) -> int:
    from faasguard.code.taint.base import clear_cache, flows_for  # noqa: PLC0415

    clear_cache()
    return sum(len(flows_for(fn, app)) for fn in app.functions)  # type: ignore[attr-defined,arg-type]


def main() -> None:
    """Generate, load, time and print (or ``--write``) the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", action="store_true", help="update BENCHMARKS.md")
    args = parser.parse_args()
    from faasguard.config import LoadOptions  # noqa: PLC0415
    from faasguard.loaders import Candidate, load  # noqa: PLC0415

    rows = []
    total_flows = []
    for helpers in SIZES:
        with tempfile.TemporaryDirectory() as tmp:
            root = Path(tmp)
            lines = generate(root, helpers)
            app = load(
                Candidate(format="cloudformation", path=str(root / "template.yaml")),
                LoadOptions(),
            )
            assert len(app.functions) == FUNCTIONS, app.diagnostics
            start = time.perf_counter()
            flows = _analyse_all(app)
            cold = time.perf_counter() - start
            warm = []
            for _ in range(3):
                start = time.perf_counter()
                assert _analyse_all(app) == flows
                warm.append(time.perf_counter() - start)
        best = min(warm)
        total_flows.append(flows)
        rows.append(
            f"| generated SAM app, {FUNCTIONS} Node.js functions, {5 * FUNCTIONS} files, "
            f"{lines} lines | {flows} (expected {FUNCTIONS}) | {cold:.3f} | {best:.3f} | "
            f"{1000 * best / FUNCTIONS:.1f} |"
        )
    table = "\n".join(
        [
            f"Machine: CPython {platform.python_version()}, {platform.system()} "
            f"{platform.machine()}; one process. Loading the template is not timed.",
            "Command: `.venv/bin/python benchmarks/taint_js_speed.py --write`.",
            "",
            "| input | flows found | first run (s) | warm, best of 3 (s) | ms/function (warm) |",
            "|---|---:|---:|---:|---:|",
            *rows,
        ]
    )
    print(table)
    if any(flows != FUNCTIONS for flows in total_flows):
        print(f"unexpected number of flows: {total_flows}", file=sys.stderr)
        sys.exit(1)
    if args.write:
        bench = REPO / "BENCHMARKS.md"
        content = bench.read_text()
        section = f"{BEGIN}\n{table}\n{END}"
        if BEGIN in content:
            before, _, rest = content.partition(BEGIN)
            _, _, after = rest.partition(END)
            content = before + section + after
        else:
            content = (
                content.rstrip("\n")
                + "\n\n## Node.js taint analysis speed\n\n"
                + "`benchmarks/taint_js_speed.py`: the Node.js taint engine on a generated "
                + "30-function app (issue 4 asks for under 2 s).\n\n"
                + section
                + "\n"
            )
        bench.write_text(content)


if __name__ == "__main__":
    main()
