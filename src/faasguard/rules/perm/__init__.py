"""Permission rules (practice P1): what each function's execution role really allows.

PERM001-PERM012 judge the role's effective permissions (administrator, wildcards,
privilege escalation, exfiltration, exposure, credentials, infrastructure, other
functions), its policy text (actions and services that do not exist) and its trust and
sharing. Ids from PERM050 on belong to the code-derived rules (unused and missing
permissions); PERM013-PERM019 are kept free for more policy rules.
"""
