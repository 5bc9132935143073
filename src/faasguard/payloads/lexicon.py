# ruff: noqa: E501 - one expression alternative a line reads better than wrapped regex
"""The vocabulary of :mod:`faasguard.payloads.grammar`: word lists and sub-expressions that
several of its patterns share (SQL functions and statements, shell and Windows commands,
sensitive files, the encodings of a directory climb). Same rules as the grammar: expressions
both Hyperscan and ``re`` read alike on bytes."""

from __future__ import annotations

SQL_FUNCS = r"(?:sleep|benchmark|pg_sleep|extractvalue|updatexml|load_file|char|chr|concat|group_concat|version|database|user|ascii|substring|substr|mid|ord|hex|unhex|md5|dbms_pipe\.receive_message|utl_inaddr\.get_host_address|sys_context)"
SQL_STMT = r"(?:select|insert|update|delete|drop|create|alter|truncate|exec|execute|declare|shutdown|union|waitfor)"
SHELL_CMDS = (
    r"(?:id|whoami|uname|ifconfig|ipconfig|netstat|ps|ls|cat|echo|"
    r"ping|nslookup|dig|curl|wget|nc|ncat|netcat|telnet|bash|sh|zsh|ksh|csh|cmd|"
    r"powershell|pwsh|python[23]?|perl|ruby|php|sleep|chmod|chown|rm|"
    r"reboot|shutdown|systeminfo|sysinfo|which|whoami\.exe|cmd\.exe|base64|xterm|"
    r"nohup|eval|exec|sudo|passwd|useradd|crontab|tftp|scp|ssh)"
)
#: Programs that run what is piped into them.
INTERPRETERS = r"(?:(?:ba|da|z|k|c|tc)?sh|python[23]?|perl|ruby|php|node|powershell|pwsh)"
TEMPLATE_OPENERS = (r"\{\{", r"\{%", r"\$\{", r"#\{", r"<%")
WINDOWS_CMDS = (
    r"(?:dir|type|net|netsh|reg|pwd|phpinfo|tasklist|taskkill|wmic|certutil|bitsadmin|"
    r"copy|del|ver|hostname|attrib|sc|schtasks|echo|ping|start)"
)
SENSITIVE_FILES = (
    r"(?:etc[/\\]+(?:passwd|shadow|group|hosts|issue|motd|crontab|sudoers|fstab|resolv\.conf|"
    r"hostname|mysql|apache2?|nginx|httpd|ssh)|boot\.ini|win\.ini|system\.ini|windows[/\\]+"
    r"(?:system32|win\.ini|repair|system\.ini)|winnt[/\\]|system32[/\\]|proc[/\\]+(?:self|"
    r"version|\d+)[/\\]|web\.config|\.htaccess|\.htpasswd|wp-config\.php|\.ssh[/\\]+(?:id_|"
    r"authorized)|\.bash_history|\.aws[/\\]+credentials|var[/\\]+log[/\\]+|usr[/\\]+local[/\\]+"
    r"(?:apache|etc)|inetpub[/\\]|localstart\.asp|autoexec\.bat|config\.sys|php\.ini|my\.cnf|master\.passwd)"
)


DOT = (
    r"(?:\.|%2e|0x2e|%25(?:25){0,3}2e|%c0%ae|%c0%2e|%e0%80%ae|%f0%80%80%ae|%f8%80%80%80%ae|"
    r"%fc%80%80%80%80%ae|%u002e|%uff0e|%c0%5e|%%32%%65|%25c0%25ae|\?)"
)
SEP = (
    r"/|\\|%2f|%5c|0x2f|0x5c|%25(?:25){0,3}(?:2f|5c)|%c0%af|%c1%9c|%c1%1c|%c0%5c|%c1%af|%c1%pc|"
    r"%c0%9v|%bg%qf|%e0%80%af|%f0%80%80%af|%f8%80%80%80%af|%fc%80%80%80%80%af|%u2215|%u2216|"
    r"%uff0f|%uff3c|%uf025|%uefc8|%%32%%66|%%35%%63|%25c0%25af|%25c1%259c|2f|5c"
)
OVERLONG = r"(?:%25)?(?:%c[01]%[\w.]{2}|%c[01]\.|%e0%80%\w{2}|%f0%80%80%\w{2}|%f8%80%80%80%\w{2}|%fc%80%80%80%80%\w{2})"
#: One climb up a directory in any encoding: two dots (or four), NUL padding, a separator.
STEP = (
    r"(?:" + DOT + r"(?:%00|%01|\x00)?" + DOT + r"(?:\.\.)?(?:%00|%01|\x00|/\.)?(?:" + SEP + r"))"
)
SENSITIVE_WORD = r"(?:etc|passwd|shadow|boot\.ini|win\.ini|system32|windows|winnt|issue|hosts|proc|environ|apache2?|httpd|(?:access|error)[._]log)"
#: Words that, right after a quote, make it SQL syntax for libinjection's hint.
SQL_HINT_WORDS = r"(?:or|and|xor|union|select|having|order|group|where|limit|into|like|rlike|regexp|procedure|waitfor|exec)"
