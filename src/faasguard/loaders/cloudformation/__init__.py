"""CloudFormation, AWS SAM and CDK output: :data:`LOADER` reads them into the model.

- :mod:`.loader` reads the file and runs the SAM transform (:mod:`.sam`);
- :mod:`.build` builds the model from a plain template, resolving intrinsics
  (:mod:`.intrinsics`, typed by :mod:`.values`), with the resource builders registered per
  resource type in :mod:`.roles`, :mod:`.functions`, :mod:`.resources` and :mod:`.triggers`.
"""

from faasguard.loaders.cloudformation.loader import (
    LOADER,
    CloudFormationLoader,
    TemplateParts,
    build_parts,
    load,
)

__all__ = ["LOADER", "CloudFormationLoader", "TemplateParts", "build_parts", "load"]
