"""Serverless Framework services: :data:`LOADER` reads ``serverless.yml`` into the model.

- :mod:`.loader` reads the service and builds functions; :mod:`.variables` resolves
  ``${...}`` variables; :mod:`.events` maps events to triggers; :mod:`.iam` the IAM
  settings in every spelling; :mod:`.common` holds shared coercion and naming helpers.
  ``resources.Resources`` goes through the CloudFormation builder.
"""

from faasguard.loaders.serverless.loader import LOADER, ServerlessLoader, load

__all__ = ["LOADER", "ServerlessLoader", "load"]
