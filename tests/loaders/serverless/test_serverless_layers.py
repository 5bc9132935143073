"""Serverless Framework ``layers:`` become model layers that functions refer to."""

from __future__ import annotations

from pathlib import Path

from faasguard.config import LoadOptions
from faasguard.loaders import Candidate, load

CONFIG = """\
service: layered
provider:
  name: aws
  runtime: python3.12
layers:
  common-libs:
    path: layers/common
    compatibleRuntimes: [python3.12]
  prebuilt:
    package:
      artifact: build/prebuilt.zip
functions:
  api:
    handler: app.handler
    layers:
      - !Ref CommonDashlibsLambdaLayer
"""


def test_layers_are_loaded_with_content_and_refs(tmp_path: Path) -> None:
    path = tmp_path / "serverless.yml"
    path.write_text(CONFIG, encoding="utf-8")
    app = load(Candidate(format="serverless", path=str(path)), LoadOptions())
    layers = {layer.ref: layer for layer in app.layers}
    common = layers["CommonDashlibsLambdaLayer"]
    assert common.content.kind == "directory"
    assert common.content.path == str(tmp_path / "layers" / "common")
    assert common.compatible_runtimes == ("python3.12",)
    assert common.location.line == 6
    assert layers["PrebuiltLambdaLayer"].content.kind == "zip"
    fn = app.function("api")
    assert fn is not None and "CommonDashlibsLambdaLayer" in fn.layers
