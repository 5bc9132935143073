"""Every CloudFormation/SAM/CDK template of the real-world corpus loads without an exception."""

from __future__ import annotations

from pathlib import Path

import pytest

from faasguard.config import LoadOptions
from faasguard.loaders.cloudformation import load
from faasguard.loaders.discovery import discover
from faasguard.model import DiagnosticLevel

CORPUS = Path(__file__).resolve().parents[3].parent / "shared" / "corpus"

#: Files of the corpus that are genuinely not loadable templates (checked by hand): a
#: skeleton with an empty ``Resources``, CDK project placeholders, and two invalid YAML files.
KNOWN_BAD = {
    "serverless-patterns/_pattern-model/template.yaml",
    "serverless-patterns/apigw-custom-domain-edge/template.yaml",
    "serverless-patterns/apigw-lambda-sagemaker-jumpstartendpoint-cdk-python/template.yaml",
    "serverless-patterns/dynamodb-lambda-cdk-kotlin/template.yaml",
    "serverless-patterns/kinesis-lambda-ddb-cdk-java/template.yaml",
    "serverless-patterns/kinesis-lambda-py-cdk/template.yaml",
    "serverless-patterns/rds-sns-event-notification/template.yaml",
}


@pytest.mark.skipif(not CORPUS.is_dir(), reason="../shared/corpus is not available")
def test_every_corpus_template_loads(capsys: pytest.CaptureFixture[str]) -> None:
    candidates = [c for c in discover([CORPUS]) if c.format in ("cloudformation", "cdk")]
    assert len(candidates) > 500
    failed: dict[str, str] = {}
    functions = triggers = 0
    for candidate in candidates:
        app = load(candidate.path, LoadOptions(), fmt=candidate.format)  # must never raise
        functions += len(app.functions)
        triggers += sum(len(f.triggers) for f in app.functions)
        for diagnostic in app.diagnostics:
            assert diagnostic.location is not None and diagnostic.location.file
        errors = [d for d in app.diagnostics if d.level == DiagnosticLevel.ERROR]
        if errors:
            failed[str(Path(candidate.path).relative_to(CORPUS))] = errors[0].message
            assert errors[0].location is not None and errors[0].location.line > 0, errors[0]
    ok = len(candidates) - len(failed)
    with capsys.disabled():
        print(
            f"\nCloudFormation/SAM/CDK corpus: {ok}/{len(candidates)} templates load without "
            f"an error diagnostic ({100 * ok / len(candidates):.1f}%); "
            f"{functions} functions, {triggers} triggers"
        )
    assert set(failed) <= KNOWN_BAD, {k: v for k, v in failed.items() if k not in KNOWN_BAD}
