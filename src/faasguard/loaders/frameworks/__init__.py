"""Framework projects that are not templates: Chalice (``.chalice/config.json``) and Zappa
(``zappa_settings.json``), loaded into the same model as SAM, Serverless and Terraform.

- :mod:`.python_web` reads the app objects and decorated handlers of Python web frameworks
  (Flask, Chalice, FastAPI, Powertools) from the code's ``ast``; the Chalice loader builds
  functions and triggers from it, and the code analysis uses it for routes and sources;
- :mod:`.chalice` and :mod:`.zappa` are the loaders (``LOADER`` each);
- :mod:`.common` holds what both read: JSON/YAML settings with line numbers, Python files.

Nothing is imported or run: the code is parsed, the settings are read as data.
"""
