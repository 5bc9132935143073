"""Terraform HCL root modules and plan/state JSON: :data:`LOADER` reads them into the model.

- :mod:`.loader` (HCL front end) and :mod:`.plan` (plan JSON front end) produce
  :class:`~faasguard.loaders.terraform.build.TfResource` records; :mod:`.hcl` parses and
  evaluates HCL; :mod:`.build` maps the records to the model, with the builders registered
  per resource type in :mod:`.roles`, :mod:`.functions`, :mod:`.resources` and
  :mod:`.triggers`.
"""

from faasguard.loaders.terraform.loader import LOADER, TerraformLoader, load

__all__ = ["LOADER", "TerraformLoader", "load"]
