# ruff: noqa: E501 - one expression alternative a line reads better than wrapped regex
"""The pattern database: one list of expressions per attack class, written from each class's
grammar (what the payload must contain to work), not copied from any rule set.

Every expression is matched case-insensitively on the UTF-8 bytes of a value's raw and normal
forms (:mod:`faasguard.payloads.decode`), by Hyperscan when it is installed and by ``re``
otherwise. To give the same answer in both, expressions use only what the two engines read
alike on bytes: no back-references, no look-around, ASCII classes only, bounded repeats;
``^`` and ``$`` mean the ends of the form being matched (each form is scanned on its own).

Each entry: ``(id, class, confidence, expression)``. Confidence is how sure a match alone is
(0..1); a value's detection for a class takes its most confident match.
"""

from __future__ import annotations

from faasguard.payloads.lexicon import (
    INTERPRETERS,
    OVERLONG,
    SENSITIVE_FILES,
    SENSITIVE_WORD,
    SEP,
    SHELL_CMDS,
    SQL_FUNCS,
    SQL_HINT_WORDS,
    SQL_STMT,
    STEP,
    TEMPLATE_OPENERS,
    WINDOWS_CMDS,
)


def _rule(
    pattern_id: str, cls: str, confidence: float, *alternatives: str
) -> tuple[str, str, float, str]:
    """One database entry; its expression is the alternatives joined with ``|``."""
    ALTERNATIVES[pattern_id] = alternatives
    return pattern_id, cls, confidence, "|".join(alternatives)


#: Each pattern's alternatives (for consumers that use them one by one, e.g. LOG017's
#: line prefilter).
ALTERNATIVES: dict[str, tuple[str, ...]] = {}


PATTERNS: tuple[tuple[str, str, float, str], ...] = (
    # --- SQL injection: a quote or number breaks out, then SQL syntax follows -------------
    _rule(
        "sqli.union",
        "sqli",
        0.95,
        r"\bunion\b[\s(]{1,10}(?:all\s+|distinct\s+)?\(?\s*select\b",
    ),
    _rule(
        # A logic word after a quote must be a whole word (``"order">`` is markup, not
        # ``" or der >``), and a comparison word must stand apart from the operand before it
        # (``"And his`` is not ``h is``). ``IS`` compares only with NULL/TRUE/FALSE, so
        # ``"and who is Oz?"`` (prose after a quote) is no tautology.
        "sqli.tautology",
        "sqli",
        0.9,
        r"['\x22`)]\s*(?:(?:or|and|xor)\b|\|\||&&)\s*\(?\s*['\x22`]?\s*\w+\s*['\x22`]?\s*(?:=|<|>|!=|<>)",
        r"['\x22`)]\s*(?:(?:or|and|xor)\b|\|\||&&)\s*\(?\s*['\x22`]?\s*\w+(?:\s*['\x22`]\s*|\s+)(?:like|regexp|rlike|between)\b",
        r"['\x22`)]\s*(?:(?:or|and|xor)\b|\|\||&&)\s*\(?\s*['\x22`]?\s*\w+(?:\s*['\x22`]\s*|\s+)is\s+(?:not\s+)?(?:null|true|false)\b",
        r"['\x22`)]\s*(?:(?:or|and|xor)\b|\|\||&&)\s*\(?\s*['\x22`]?\s*\w+\s*['\x22`]?\s*in\s*\(",
    ),
    _rule(
        "sqli.numeric_tautology",
        "sqli",
        0.8,
        r"\b(?:or|and)\s+\(?\s*\d+\s*(?:=|like\b)\s*\(?\s*\d+",
    ),
    _rule(
        "sqli.quote_logic",
        "sqli",
        0.8,
        r"['\x22`)]\s*(?:or|and|xor|\|\||&&)\s+(?:not\s+)?(?:true|false|null|\d+|'[^']{0,20}'|\x22[^\x22]{0,20}\x22|[a-z_]+\s*\()",
    ),
    _rule(
        "sqli.quote_comment",
        "sqli",
        0.85,
        r"['`]\s*\)*\s*(?:--|#\s*$|#\s*\x22|/\*|;\s*--|;\s*%00|%00)",
        r"\w\x22\s*\)*\s*(?:--|#|/\*|;\s*--)",
    ),
    _rule(
        "sqli.stacked",
        "sqli",
        0.9,
        r"['\x22`)0-9]\s*;\s*" + SQL_STMT + r"\b",
    ),
    _rule(
        "sqli.time",
        "sqli",
        0.9,
        r"\b(?:sleep|benchmark|pg_sleep)\s*\(\s*[\d'\x22]",
        r"\bwaitfor\s+(?:delay|time)\s+['\x220-9]",
    ),
    _rule(
        "sqli.func_call",
        "sqli",
        0.75,
        r"['\x22`)]\s*(?:\|\||\+|,|=|and|or)\s*\(?\s*" + SQL_FUNCS + r"\s*\(",
    ),
    _rule(
        "sqli.catalog",
        "sqli",
        0.85,
        r"\binformation_schema\b",
        r"@@(?:version|datadir|hostname|basedir)\b",
        r"\bsys(?:objects|columns|comments|users|logins|databases|servers|processes)\b",
        r"\bsys(?:cat|ibm)\.\w+",
        r"\bmaster\.\.sys\w+",
        r"\bsys\.(?:tables|objects|databases)\b",
        r"\bpg_(?:catalog|shadow|user)\b",
        r"\bmysql\.user\b",
        r"\bsqlite_master\b",
        r"\ball_tables\b",
        r"\bdual\b\s*(?:--|#|where|\))",
    ),
    _rule(
        "sqli.dangerous_proc",
        "sqli",
        0.9,
        r"\b(?:xp_cmdshell|sp_executesql|sp_oacreate|sp_makewebtask|xp_regread|xp_dirtree|utl_http\.request|dbms_\w+\.\w+)\b",
    ),
    _rule(
        "sqli.outfile",
        "sqli",
        0.9,
        r"\binto\s+(?:out|dump)file\b",
        r"\bload_file\s*\(",
    ),
    _rule(
        "sqli.order_by",
        "sqli",
        0.75,
        r"['\x22)]?\s*\border\s+by\s+\d+\s*(?:--|#|/\*|,|\))",
        r"\bgroup\s+by\b.{0,40}\bhaving\b\s*\d",
        r"['\x22)]\s*group\s+by\s+\d+(?:\s*,\s*\d+)*\s*,?\s*(?:--|#|/\*)",
    ),
    _rule(
        # A complete SELECT quoted in prose ("SELECT count(*) FROM orders WHERE ... is slow
        # on prod") is a question about SQL, not an injection. A SELECT counts where it
        # breaks out of a literal or an expression (a quote, a parenthesis or a logic word
        # before it), or where the value is nothing but the statement: it ends at its table
        # or at a terminator (``;``, a comment). A WHERE clause followed by words is prose.
        "sqli.select_from",
        "sqli",
        0.7,
        r"(?:['\x22`(]|\b(?:and|or|not|in|exists)\b)\s*\(?\s*select\b\s*(?:\*|@@\w+|null|\d+|count\s*\(|concat|char\s*\(|\w+\s*\(|top\s+\d)[^;]{0,50}?\bfrom\b",
        r"^\s*select\b[^;]{1,60}?\bfrom\s+[\w.$\[\]`\x22]+\s*(?:;|--|#|/\*|$)",
        r"^\s*select\b[^;]{1,60}?\bfrom\b[^;]{1,100};\s*(?:--|#|$)",
        r"\bselect\s+[\w,\s*'\x22()]{1,50}\bfrom\s+\w+\s*(?:--|#|;|\))",
    ),
    _rule(
        "sqli.hex_or_char",
        "sqli",
        0.7,
        r"\b(?:char|chr|concat)\s*\(\s*(?:0x[0-9a-f]+|\d+\s*[,)])",
        r"\b0x[0-9a-f]{6,}\b.{0,20}(?:--|#|\))",
        # a hex literal that spells a statement (ASCII or UTF-16LE): declare @s ... exec(@s)
        *(
            r"\b0x" + "(?:00)?".join(f"{b:02x}" for b in word.encode())
            for word in ("waitfor", "select", "declare", "exec")
        ),
    ),
    _rule(
        # UNION or SELECT cut by an empty comment (``uni/**/on``): read by filters that
        # strip comments, never written by people
        "sqli.split_keyword",
        "sqli",
        0.75,
        *(rf"\b{w[:i]}/\*\*/{w[i:]}\b" for w in ("union", "select") for i in range(1, len(w))),
    ),
    _rule(
        "sqli.bool_fn",
        "sqli",
        0.75,
        r"\b(?:and|or|having|where)\b\s+\(?\s*(?:ascii|substring|substr|mid|length|len|exists|if|case|elt|ord|char_length)\s*\(",
    ),
    _rule(
        "sqli.comment_break",
        "sqli",
        0.7,
        r"^\s*\)+\s*(?:or|and)\s",
        r"\b(?:or|and)\s+['\x22]?\w+['\x22]?\s*=\s*['\x22]?\w+['\x22]?\s*(?:--|#|/\*)",
    ),
    _rule(
        "sqli.quoted_eq",
        "sqli",
        0.8,
        r"['\x22]\s*=\s*['\x22]",
        # typographic quotes (U+2018/U+2019) where a word processor replaced the quotes
        r"\xe2\x80[\x98\x99]\s*=\s*\xe2\x80[\x98\x99]",
        r"'\s*(?:or|and)\s*'[^\s]",
    ),
    _rule(
        "sqli.sql_keyword_tail",
        "sqli",
        0.6,
        r"['\x22)]\s*(?:--|#)\s*$",
        # probes: a bare ORDER BY / HAVING / leading logic, as scanners send them
        r"^\s*['\x22]?\s*\)?\s*(?:order|group)\s+by\s+\d+(?:\s*,\s*\d+)*\s*(?:--|#|$)",
        r"\bhaving\s+\d+\s*=\s*\d+",
        r"^\s*(?:or|and)\s+(?:true|false|not\b|\w{1,3}\s*=\s*\w{1,3})\s*(?:--|#|$)",
        r"^\s*(?:or|and)\s+(?:\d+|'[^']{0,20}'|\(?\s*exists)\s*(?:[=<>]|--|#|/\*|\)|$)",
        r"'\s*\|\|\s*['\w(]",
        r"\bor\s+\w{1,3}\s*=\s*\w{1,3}\s*$",
        r"\d(?:or|and)\d+\s*=\s*\d",
        r"^\s*['\x22]\s*(?:or|and)\b\s*(?:['\x22\d(]|true\b|false\b|not\b|\w+\s*(?:=|<|>|like\b))",
        r"^\s*['\x22]?\s*;\s*(?:--|#)",
        r"['\x22(]\s*\(?\s*select\s+(?:top\s+\d|@@|\*|\d|null|concat|char)",
        r"\bselect\s+(?:@@\w+|session_user|current_user|system_user|user\s*\(|version\s*\(|database\s*\()",
        r"\bexec(?:ute)?\s*\(?\s*@\w+|\bdeclare\s+@\w+|;\s*desc\s+\w+\s*;",
    ),
    _rule(
        "sqli.as_select",
        "sqli",
        0.7,
        r"\b(?:insert\s+into|delete\s+from|drop\s+(?:table|database)|update\s+\w+\s+set|create\s+(?:table|user)|alter\s+table|truncate\s+table)\s+[\w`\"\[]",
    ),
    # --- Cross-site scripting: markup or a URL scheme that runs script --------------------
    _rule(
        "xss.script_tag",
        "xss",
        0.95,
        r"<\s*/?\s*script\b",
        r"<\s*script[\s/>]",
    ),
    _rule(
        "xss.event_handler",
        "xss",
        0.9,
        r"<[a-z!/?][^>]{0,300}?[\s/\x22'`;]on[a-z]{3,30}\s*=",
    ),
    _rule(
        "xss.event_attr",
        "xss",
        0.7,
        r"[\s\x22'/;]on(?:load|error|click|mouseover|mouseenter|focus|blur|start|finish|toggle|begin|end|animation\w*|transition\w*|pointer\w*|key\w+|drag\w*|copy|cut|paste|input|change|submit|wheel|scroll|auxclick|dblclick|contextmenu|beforeprint|afterprint|hashchange|message|pageshow|popstate|resize|unload|readystatechange|activate|beforeactivate|focusin|focusout|mouse\w+|touch\w+|play\w*|show|search|select|invalid|loadstart|progress)\s*=\s*[^\s>]",
    ),
    _rule(
        "xss.js_scheme",
        "xss",
        0.9,
        r"(?:java|vb|live|mocha)\s*script\s*:[^\s]",
        r"data\s*:\s*(?:text/html|image/svg|application/(?:x-)?(?:xhtml|javascript|ecmascript))",
    ),
    _rule(
        "xss.dangerous_tag",
        "xss",
        0.85,
        r"<\s*/?\s*(?:iframe|frame|frameset|object|embed|applet|svg|math|img|image|body|style|link|meta|base|form|isindex|video|audio|marquee|bgsound|layer|ilayer|xml|xss|keygen|template|animate|set|handler|listener|plaintext|xmp|noscript|scriptlet|import|vmlframe|t:\w+)\b[^<>]{0,200}(?:>|=|/|$)",
    ),
    _rule(
        "xss.js_sink",
        "xss",
        0.8,
        r"(?:\b(?:alert|prompt|confirm|eval|settimeout|setinterval|atob|fromcharcode|execscript)\s*[(`]|\bdocument\s*\.\s*(?:cookie|domain|write|location)|\bwindow\s*\.\s*(?:location|name)|\bstring\s*\.\s*fromcharcode)",
        # a script sink passed around as a value: a=alert;a(1), [1].find(alert), alert\`1\`
        r"[=(,;]\s*(?:alert|prompt|confirm|eval)\s*(?:[;),(]|$)",
        # a sink called through Function.prototype, or a script element built in place
        r"\b(?:alert|prompt|confirm|eval|unescape)\s*\.\s*(?:call|apply|bind)\s*\(",
        r"\bcreateelement\s*\(\s*['\x22]script",
        r"\b(?:alert|prompt|confirm)\s*\\*`",
        # an encoded '<' alone: a probe for which encodings reach the page undecoded
        r"&#0*60(?:;|\b)|&#x0*3c(?:;|\b)|\\u003c|\\x3c",
    ),
    _rule(
        "xss.expression",
        "xss",
        0.8,
        r"\bexpression\s*\(",
        r"-moz-binding\s*:",
        r"behavior\s*:\s*url",
        r"@import\b",
    ),
    _rule(
        "xss.break_out",
        "xss",
        0.85,
        r"['\x22]\s*>\s*<\s*[a-z/!]",
        r"['\x22]\s*;\s*\w+\s*\(",
        r"</\s*(?:title|textarea|style|noscript|script)\s*>",
    ),
    _rule(
        "xss.entity_script",
        "xss",
        0.6,
        r"<\s*!\s*\[cdata\[",
        r"<\s*!--\s*<",
        r"<\?xml-stylesheet",
        r"xmlns\s*=\s*['\x22]?http://www\.w3\.org/1999/xhtml",
    ),
    # --- Path traversal and local file inclusion ----------------------------------------
    _rule(
        "traversal.dotdot",
        "path-traversal",
        0.9,
        r"(?:\.{2,}[/\\]+){2,}",
        r"(?:[/\\]+\.{2,}){2,}",
    ),
    _rule(
        "traversal.dotdot_file",
        "path-traversal",
        0.95,
        r"\.\.[/\\]+(?:[^\s/\\]{0,40}[/\\]+)?" + SENSITIVE_FILES,
    ),
    _rule(
        "traversal.sensitive",
        "path-traversal",
        0.8,
        r"(?:^|[/\\=:\s\x22'])" + SENSITIVE_FILES,
    ),
    _rule(
        "traversal.scheme",
        "path-traversal",
        0.85,
        r"\b(?:php|phar|zip|zlib|expect|glob|compress\.zlib|compress\.bzip2|jar|netdoc)\s*:/{1,3}",
        r"\bfile:/{1,3}(?:[a-z]:[/\\]+[\w.%~-]|[\w.%~-]{2})",
        r"\bphp://(?:filter|input|fd|memory|temp|stdin)",
        r"\bdata://text/plain",
    ),
    _rule(
        # A climb then a sensitive word, at most one more separator apart (no bounded gap
        # of any bytes: that gap was the costliest part of the Hyperscan database, and
        # changed no class on the payload set).
        "traversal.encoded",
        "path-traversal",
        0.9,
        # two climbs, or a separator and a climb: one alternative, so that Hyperscan builds
        # the climb's automaton once
        r"(?:" + STEP + r"|" + SEP + r")" + STEP,
        STEP + r"(?:" + SEP + r")?" + SENSITIVE_WORD,
    ),
    _rule(
        # Overlong UTF-8 (valid or broken: %c0%qf) never occurs in honest input; with a path
        # word or repeated it is a traversal that tries to slip past a decoder (the word
        # right after it or one separator on: a gap of any bytes costs Hyperscan dearly).
        "traversal.overlong",
        "path-traversal",
        0.85,
        OVERLONG + r"[^\s]{0,40}?" + OVERLONG,
        OVERLONG + r"(?:" + SEP + r")?" + SENSITIVE_WORD,
    ),
    _rule(
        "traversal.lfi_path",
        "path-traversal",
        0.75,
        r"^\s*/(?:etc|proc|root|private/etc|var/(?:log|mail|www|lib|spool|run|adm|db|cpanel|apache2?|nginx|lighttpd|opt|root|lp|cron|lock|saf)|usr/(?:local|spool|lib|pkg|pkgsrc|ports|adm|internet|etc|apache\d?)|opt/(?:lampp|xampp)|volumes/[\w.-]+/(?:usr|etc|private))/",
        r"^\s*[a-z]:[/\\]+(?:xampp|apache\d?|program\s*files(?:\s*\(x86\))?[/\\]+(?:apache|mysql|xampp|php|filezilla|iis)|wamp|inetpub|windows|winnt|boot\.ini|mysql|php\d?|logs?|opt|nginx|iis|sysprep|unattend\w*|apache\s*group|documents\s+and\s+settings|minint|\$recycle\.bin|home[/\\]+[\w.-]+[/\\]+\.)\b",
        r"[\w/\\-]\.\w{1,6}(?:%00|\x00)",
        r"^\s*[/\\]?\.{2,}[/\\]+\s*$",
        r"^\s*/\.{3,}",
        r"\b(?:access|error)[._]log\b|\bhttpd\.conf\b|\bphp\.ini\b|\bmy\.(?:ini|cnf)\b|\bconfig\.inc\.php\b",
    ),
    _rule(
        "traversal.dotdot_start",
        "path-traversal",
        0.75,
        r"(?:^|[=\s\x22'])\.\.[/\\]+[\w.]",
        r"[/\\]\.\.[/\\]",
        r"\.\.[/\\]+\.\.",
        r"\.\.(?:;|%00|\x00)",
    ),
    _rule(
        "traversal.windows_drive",
        "path-traversal",
        0.75,
        r"\b[c-e]:\s*[/\\]+(?:windows|winnt|boot\.ini|inetpub|users[/\\]administrator)",
    ),
    _rule(
        "cmdi.separator",
        "cmdi",
        0.85,
        r"(?:[;&|\n]|\\n|\$\(|\|\|)\s*(?:/(?:usr/)?s?bin/)?"
        + SHELL_CMDS
        + r"(?:\s|[;&|`)'\x22\\<>]|\$\{ifs\}|$)",
    ),
    _rule(
        "cmdi.subshell",
        "cmdi",
        0.85,
        r"\$\(\s*[a-z/`][^)]{0,40}\)",
        r"`\s*(?:/(?:usr/)?s?bin/)?" + SHELL_CMDS + r"\b[^`\n]{0,40}`",
    ),
    _rule(
        "cmdi.binpath",
        "cmdi",
        0.85,
        r"/(?:usr/)?s?bin/(?:ba|z|k|c|da)?sh\b",
        r"/(?:usr/)?bin/(?:id|cat|whoami|uname|nc|curl|wget|perl|python\d?)\b",
        r"\bcmd(?:\.exe)?\s*/[ck]\b",
        r"\bpowershell(?:\.exe)?\s+-",
    ),
    _rule(
        "cmdi.shellshock",
        "cmdi",
        0.95,
        r"\(\s*\)\s*\{\s*:?\s*;?\s*\}\s*;",
    ),
    _rule(
        "cmdi.ifs",
        "cmdi",
        0.85,
        r"\$\{ifs\}",
        r"\$ifs\b",
        r"\$\{path:0:1\}",
        r"\$@",
        r"\\x20",
        r"\$\{[a-z_]+:\d+:\d+\}",
    ),
    _rule(
        # A fetch counts unless its output is piped into a program that only reads it: "curl
        # -s https://api.example.com/x | jq '.items[]'" is a command line someone pastes, a
        # fetch on its own, followed by more commands, or piped into a shell or interpreter
        # is what a payload runs.
        "cmdi.redirect_tool",
        "cmdi",
        0.75,
        r"[;&|]\s*\w+\s*(?:>|>>)\s*/",
        r"\b(?:nc|ncat|netcat)\s+(?:-[a-z]+\s+)*[\w.]+\s+\d+",
        r"\b(?:curl|wget)\s+(?:-[a-z]+\s+)*https?://[^|\n]{0,100}(?:$|\|\s*(?:\||(?:/(?:usr/)?s?bin/)?"
        + INTERPRETERS
        + r"\b))",
        r"\bping\s+-[nc]\s+\d+",
        r"\bsleep\s+\d+\s*[;&|#]",
        r"\bsleep\s+\d+\s*$",
    ),
    _rule(
        "cmdi.quote_break",
        "cmdi",
        0.8,
        r"['\x22]\s*[;&|]+\s*(?:/(?:usr/)?s?bin/)?" + SHELL_CMDS + r"\b",
    ),
    _rule(
        "cmdi.leading",
        "cmdi",
        0.7,
        r"(?:^|\s)(?:[;&|]{1,2}|%0a|%3b|%7c|%26)\s*" + SHELL_CMDS + r"(?:\s|;|$)",
        # commands that are also English words count only right after a leading separator
        r"^\s*['\x22]?\s*\$?\s*(?:[;&|]{1,2}|%26%26|%26|%7c|%3b|\+?\|\+?)\s*\+?\s*"
        + WINDOWS_CMDS
        + r"(?:\s|\+|;|$)",
        r"^\s*(?:whoami|ipconfig|ifconfig|uname\s+-a|cat\s+/etc/\w+|net\s+user|systeminfo)\s*;?\s*$",
        r"^\s*['\x22]\s+" + SHELL_CMDS + r"\b",
    ),
    _rule(
        "cmdi.code_exec",
        "cmdi",
        0.8,
        r"\b(?:system|exec|passthru|shell_exec|popen|proc_open|pcntl_exec|spawn|execsync)\s*\(\s*['\x22`]",
        r"\bphpinfo\s*\(\s*\)|\bphpversion\s*\(\s*\)",
        r"\{\s*\$\{\s*\w+\s*\(",
        r"[;&|]\s*\$\w+\s*(?:$|[;&|])",
        r"\bcmd\s*=\s*\$['\x22]",
        # PHP code handing request input to a call or an expression
        r"[({]\s*\$_(?:get|post|request|cookie)\s*\[",
    ),
    _rule(
        "ssrf.metadata",
        "ssrf",
        0.95,
        r"(?:^|[/@\[=:]|%2f)169\.254\.169\.254(?:[:/?#\]]|$)",
        r"\bfd00:ec2::254",
        r"metadata\.google\.internal",
        r"\bmetadata\.azure\.com",
        r"169\.254\.170\.2",
        r"100\.100\.100\.200",
        r"\binstance-data\b",
        r"/latest/(?:meta-data|user-data|api/token)",
        r"/computemetadata/v1",
        r"/metadata/(?:v1|instance)",
        # Lambda's Runtime API: the next event and the function's responses
        r"\$\{?aws_lambda_runtime_api\b",
        r"/2018-06-01/runtime/(?:invocation|init)/",
    ),
    _rule(
        # ``localhost`` is the host only when a port number, a path or the end follows:
        # ``http://localhost:##{PORT}##`` in a configuration dump is a template, not a URL.
        "ssrf.internal_host",
        "ssrf",
        0.85,
        r"\b(?:https?|gopher|dict|ftp|sftp|tftp|ldap|ldaps|jar|netdoc|smb|ssh|telnet)://(?:[^/?#\s@]{0,40}@)?(?:localhost(?::\d|[^\w:.-]|$)|127\.\d|0\.0\.0\.0|0\b|0x[0-9a-f]{1,8}\b|0[0-7]{1,3}\.|\d{8,10}\b|\[[0:]*(?:1|ffff[:0-9a-f.]*)?\]|\[::|10\.\d{1,3}\.\d|192\.168\.|172\.(?:1[6-9]|2\d|3[01])\.|169\.254\.|127\.|2130706433|017700000001|(?:\d{1,3}\.){1,2}\d{1,3}\b(?:[:/]|$)|[^/?#\s]*\.(?:nip\.io|xip\.io|sslip\.io|localtest\.me|burpcollaborator\.net|oastify\.com|interact\.sh)|spoofed\.)",
    ),
    _rule(
        "ssrf.scheme",
        "ssrf",
        0.85,
        r"\b(?:gopher|dict|tftp|ldap|sftp|netdoc|jar)://",
        r"\bfile:/{1,3}(?:[a-z]:[/\\]+[\w.%~-]|[\w.%~-]{2})",
    ),
    _rule(
        "ssrf.ip_encoded",
        "ssrf",
        0.75,
        r"https?://(?:0x[0-9a-f]+|\d+)(?:\.(?:0x[0-9a-f]+|\d+)){0,3}(?::\d+)?(?:/|$)",
    ),
    _rule(
        "ssti.dunder",
        "ssti",
        0.95,
        # one alternative per opener: Hyperscan 5.4 misses some matches of an opener
        # alternation followed by a {0,59} repeat that re finds (a value in values.tsv)
        *(
            opener
            + r"[^}%>]{0,60}?(?:__\w+__|\.mro\b|subclasses|popen|os\.system|getruntime|processbuilder)"
            for opener in TEMPLATE_OPENERS
        ),
        # a word right after the opener or after a non-word character (no \b: Hyperscan
        # reads \b after a repeat that may be empty differently from re); Twig's _self and
        # _context/dump(), Java/Groovy reflection and package-qualified ``new a.b.C(``
        # reach the runtime, a template's own variables do not
        *(
            opener
            + r"(?:[^}%>]{0,59}[^\w}%>])?(?:exec\s*\(|eval\s*\(|system\s*\(|import\b|config\b|request\b|self\b|lipsum\b|cycler\b|joiner\b|namespace\b|attr\s*\(|shell_exec\b|call_user_func\b|getclass\b|forname\b|classloader\b|dump\s*\(|_self\b|_context\b|execute\s*\(|newinstance\b|setaccessible\b|getresource\b|new\s+(?:[a-z_]\w*\.){1,8}[a-z_]\w*\s*\(|new\s+(?:url|file|processbuilder)\s*\()"
            for opener in TEMPLATE_OPENERS
        ),
    ),
    _rule(
        "ssti.arith",
        "ssti",
        0.85,
        r"(?:\{\{|\$\{|#\{|\{\{=|<%=|\[\[|\*\{|@\(|\{#|\$\{\{)\s*['\x22]?\d+['\x22]?\s*[*+/-]\s*['\x22]?\d+['\x22]?\s*(?:\}|%>|\]\]|\))",
    ),
    _rule(
        "ssti.engine",
        "ssti",
        0.9,
        r"<#assign\b",
        r"<#(?:if|list|include)\b",
        r"\?new\s*\(\)",
        r"freemarker\.template",
        r"\bT\s*\(\s*java\.",
        r"\$\{T\(",
        r"#set\s*\(\s*\$",
        r"\$class\.inspect",
        r"\{php\}",
        r"\{/php\}",
        r"\{\{\s*[\w.]+\s*\|\s*(?:attr|map|join|safe|e|format|sort|filter|reverse|list|select)\b",
        # not ``{% raw %}``/``{% endraw %}``: they only stop a block from being rendered
        r"\{%\s*(?:for|set|import|include|extends|from|debug|with|macro|call)\b",
        r"\{\{\s*'",
        r"\{\{\s*\"",
        r"\{\{\s*\[",
        r"\{\{\s*\{",
        r"\{\{#",
        r"\{\{/",
        r"\{\{>",
        r"\$\{\s*\{",
        r"\{@\w",
        r"\{\$smarty",
        r"\{if\s",
        r"\{literal\}",
        r"\{system\(",
        r"#\{\s*\d",
        r"\*\{\s*\w",
        r"\[\[\$?\{",
        r"\{\{\s*@",
        r"\{\{\s*\$",
        r"@\{\s*\w",
    ),
    _rule(
        "xxe.entity",
        "xxe",
        0.95,
        r"<!\s*entity\b",
        r"<!\s*doctype\s+[\w:-]+\s*(?:\[|system\b|public\b)",
        r"\bsystem\s+[\x22'](?:file|https?|php|expect|ftp|jar|netdoc|gopher|data):",
        r"<xi:include\b",
        r"xmlns:xi\s*=",
        r"<xsl:",
        r"%\w+;\s*%?\w*;?\s*\]>",
        r"<!\s*attlist\b",
        r"<!\s*element\b",
    ),
    _rule(
        "nosqli.operator",
        "nosqli",
        0.9,
        r"\[\s*\$(?:ne|eq|gt|gte|lt|lte|in|nin|regex|where|exists|not|or|and|nor|expr|elemmatch|all|size|type|mod|text|function)\s*\]",
        r"[{,]\s*[\x22']?\$(?:ne|eq|gt|gte|lt|lte|in|nin|regex|where|exists|not|or|and|nor|expr|elemmatch|function|accumulator)[\x22']?\s*:",
        # the operator alone: a key of a JSON document read leaf by leaf (``{"$ne": null}``
        # in a body), where the braces and the colon around it are no longer in the value
        r"^\s*\$(?:ne|eq|gt|gte|lt|lte|in|nin|regex|where|exists|not|or|and|nor|expr|elemmatch|function|accumulator)\s*$",
    ),
    _rule(
        "nosqli.js",
        "nosqli",
        0.85,
        r"\$where\b",
        r"\bthis\.\w+\.match\s*\(",
        r"['\x22]\s*(?:&&|\|\|)\s*this\.",
        r"\bdb\.\w+\.(?:find|insert|remove|drop|update)\b",
        r"\bsleep\s*\(\s*\d{3,}\s*\)",
        r"new\s+date\s*\(\s*\)\s*;\s*do\s*\{",
        r"['\x220-9]\s*;\s*return\s+(?:true|1)\b",
        r"\breturn\s+true\s*;?\s*var\b",
        r"\btrue\s*,\s*\$where",
        r"(?:['\x22]|^)\s*\|\|\s*['\x22]?1['\x22]?\s*==\s*['\x22]?1",
    ),
    _rule(
        "nosqli.json_break",
        "nosqli",
        0.7,
        r"['\x22]\s*,\s*\$(?:where|or|and|ne|gt|regex)\s*:",
        r"\{\s*\"\$(?:gt|ne)\"\s*:\s*(?:\"\"|null|undefined|-?\d)",
    ),
    _rule(
        "ldapi.filter",
        "ldapi",
        0.85,
        r"\*\s*\)\s*\(",
        r"\)\s*\(\s*[|&!]",
        r"\(\s*[|&!]\s*\(",
        r"\(\s*\w+\s*=\s*\*\s*\)",
        r"\*\s*\(\s*[|&]",
        r"\)\s*\)\s*\(\s*\|",
        r"\(\s*objectclass\s*=",
        r"\)\s*\(\s*\w+\s*=\s*[*)]",
        r"\*\)\s*\)",
        r"\*\s*\)\s*%00",
        r"\)\s*\(\s*\w+\s*=\s*\)",
    ),
    _rule(
        "ldapi.wildcard",
        "ldapi",
        0.6,
        r"^\s*\*\s*\(\s*\)\s*[|&]",
        r"\*\s*\)\s*\(\s*\w+\s*=\s*\*",
        r"\(\s*\*\s*\)\s*\*?\s*\)",
        r"\*\s*\)\s*\x00",
        r"\*\s*\)\s*;",
    ),
    _rule(
        "jndi.lookup",
        "jndi",
        0.95,
        r"\$\{\s*j\s*n\s*d\s*i\s*:",
        r"\$\{\s*(?:ldap|ldaps|rmi|dns|iiop|corba|nds|nis|http)\s*:\s*/",
    ),
    _rule(
        "jndi.obfuscated",
        "jndi",
        0.9,
        r"\$\{\s*(?:(?:lower|upper|env|sys|java|date|main|ctx|docker|k8s|web|spring|bundle|log4j|marker|sd|event|jvmrunargs|base64)\s*:|::-|[\w.]{0,20}:[\w.]{0,20}:-)[^}]{0,40}\}[^$]{0,10}\$\{",
        r"\$\{\s*\$\{",
        r"\$\{[^}]{0,40}\$\{\s*(?:(?:lower|upper|env|sys)\s*:|::-)",
        r"\$\{\s*(?:(?:jndi|lower|upper)\s*:|::-)",
        r"j\}\s*\$\{",
        r"\$\{[^}]{0,30}:-j\}",
        r"\$\{(?:env|sys|java|ctx|main|date)\s*:[^}]{0,30}\}[^\s]{0,30}(?:ldap|rmi|dns)\s*:",
        r"\$\{\s*\w+\s*:\s*\w+\s*:-\s*\w?\s*\}\s*\$\{",
        r"%24%7bjndi",
        r"\$%7bjndi",
    ),
    _rule(
        "crlf.header",
        "crlf",
        0.95,
        r"[\r\n]\s*(?:set-cookie|location|content-(?:type|length|disposition|security-policy)|x-[\w-]+|refresh|access-control-[\w-]+|http/1\.[01]|transfer-encoding|host|cookie)\s*:",
        r"[\r\n]\s*[\r\n]\s*<",
        r"[\r\n]\s*http/\d",
    ),
    _rule(
        "crlf.encoded",
        "crlf",
        0.8,
        r"%0d%0a",
        # CR LF written as hex literals, for decoders that turn 0x0d into a byte
        r"0x0d(?:0x0d)?0x0a",
        r"%0d",
        r"%e5%98%8a",
        r"%e5%98%8d",
        r"%u000a",
        r"%u000d",
        r"%c4%8a",
        r"%c4%8d",
        r"\\r\\n",
        r"%0a(?:%20|\s)*(?:set-cookie|location|content-|x-|%0a|%3c|<|http)",
        r"%23%0a",
        r"%3f%0a",
        r"%2f%0a",
        r"\?%0a",
        r"/%0a",
        r"%00%0a",
        r"^%0a",
    ),
    _rule(
        "redirect.protocol_relative",
        "open-redirect",
        0.85,
        r"^\s*(?:/[/\\]|\\[/\\]|/%2f|/%5c|%2f%2f|%5c%5c|/\s*/|/\t/|/%09/|///|/\.\./|/%2e%2e)[^/\\]",
        r"^\s*(?:https?|ftp)?:?[/\\]{1,2}[^/\\\s]*(?:%2e|%00|%09|%0d|%0a|%5c|%2f|%3f|%23|\\)",
        r"^\s*(?:https?:)?/{1,2}\\",
    ),
    _rule(
        "redirect.userinfo",
        "open-redirect",
        0.85,
        r"^\s*(?:https?:/*|/{2,3}|\\{2})[^/?#\s]{1,80}@(?:[\w-]+\.)+[a-z]{2,}",
        r"^\s*(?:https?:)?/{2,}[^/?#\s]{1,80}@\d",
    ),
    _rule(
        "redirect.param",
        "open-redirect",
        0.8,
        r"[?&;](?:url|uri|next|redirect|redirect_to|redirect_url|return|returnto|return_to|returnurl|dest|destination|goto|go|continue|target|out|view|to|checkout_url|image_url|forward|callback|rurl|redir|r|u|link|page|file|login_url|logout)=\s*(?:https?(?::|%3a)|//|%2f%2f|/%2f|/\\|%5c%5c|javascript|data:)",
        # a query that is itself a protocol-relative host (``/out?//evil.example``)
        r"\?/{2,}[\w.-]+\.[a-z]{2,}",
    ),
    _rule(
        "redirect.lookalike",
        "open-redirect",
        0.8,
        r"^\s*(?:https?:)?/{0,2}(?:[\w-]+\.)*(?:[\w-]+)(?:\.|%2e)(?:[a-z]{2,})(?:%2f|%2e%2e|%5c|%3f|%23|%40|\?|#|\\|/)+(?:%2e|\.){1,2}",
        r"^\s*https?:/[^/\s]",
        r"^\s*https?:\\",
        # a scheme without the two slashes: parsers still read ``http:host`` as a host
        r"^\s*https?:[^/\\\s]",
        r"^\s*%68%74%74%70(?:%73)?(?:%3a|:)",
        r"^\s*(?:https?:)?/{2,}(?:0x[0-9a-f]+|\d{8,10})\b",
        r"^\s*(?:https?:)?/{2,}(?:\d+\.){1,3}0x",
        r"^\s*/(?:https?:|%68%74%74%70)",
        r"^\s*(?:https?:)?/{2,}[\w.-]+\.[a-z]{2,}/{0,2}%2e%2e",
        r"^\s*(?:https?:)?/{3,}[\w.-]+",
        r"^\s*(?:https?:)?/{2,}[\\%<>;]",
        r"^\s*/?<>//",
        r"^\s*%2f[\w.-]+\.[a-z]{2,}",
        r"^\s*https?://[^/\s?#]*[?#&][^/\s]*@",
        r"^\s*https?://[^\s?#]+/https?:/",
    ),
)


#: Not detections: which forms of a value libinjection's SQLi and XSS checks are worth
#: calling on (its tokenizer costs ~6 µs a call, and on prose and paths without SQL
#: punctuation it flags lists such as "x and y"). Matched in the same scan as the patterns.
HINTS: tuple[tuple[str, str, float, str], ...] = (
    # SQL syntax, not punctuation that prose and other languages share with SQL: a
    # comparison, a comment, a function call (a word right before its parenthesis), a
    # statement terminator or stacked statement, a parenthesis closed before SQL, and quotes
    # only where they touch SQL punctuation or keywords. An apostrophe inside a word
    # ("it's"), a quoted word ("what does 'or' mean"), a quoted sentence ('"And again,"
    # says ...') and C-like code ("if (a < b && c > d) { return x; }") give libinjection
    # nothing to read as SQL, so it is not asked (its tokenizer flags them).
    (
        "hint.sqli",
        "sqli",
        0.0,
        r"=|--|/\*|#|\w\(|;\s*(?:$|--|#|/\*|%00|" + SQL_STMT + r"\b)"
        r"|\)\s*(?:(?:or|and|xor|union|select|from|where|as|limit|order|group|having)\b|[;=<>|&])"
        r"|\(\s*(?:select|case|if)\b|\b(?:or|and|xor|not|in|exists)\s*\(\s*(?:select\b|\d|['\x22`@])"
        r"|['\x22`]\s*[^\w\s.,!?:'\x22`]|[^\w\s.,!?:'\x22`]\s*['\x22`]|\d['\x22`]|['\x22`]\d"
        r"|['\x22`]\s+" + SQL_HINT_WORDS + r"\b"
        r"|['\x22`]"
        + SQL_HINT_WORDS
        + r"\b\s*(?:[\d(@-]|['\x22`][^\s]|(?:select|all|not|true|false|null|exists)\b)",
    ),
    # XSS: markup (a tag, comment, declaration or processing instruction opening), a
    # character reference, ``script`` or an event-handler attribute. A lone quote or ``>``
    # is prose ("5 > 3", "it's"): every XSS value of the development part that only
    # libinjection finds opens markup, and asking it on every quoted value cost a call for
    # one benign value in three.
    ("hint.xss", "xss", 0.0, r"<[!?/a-z_]|&#|script|\bon\w+\s*="),
)
#: libinjection reads a value as a fragment that breaks out of a literal; a value that opens
#: with a statement keyword is a whole statement instead ("SELECT count(*) FROM orders
#: WHERE status = 'open' is slow on prod" in a bug report), where its verdict only says that
#: SQL is SQL. Such a value counts as libinjection's only when the statement is closed as a
#: probe closes it: a terminator at the end or a comment (``select current_setting('x');``,
#: ``... DROP FUNCTION x--``). Used by ``faasguard.payloads._agree`` with ``re`` (``match``
#: for the start, ``search`` for the end); not part of the scanned database.
STATEMENT_START = r"\s*(?:select|insert|update|delete|drop|create|alter|truncate|replace|merge|grant|revoke|with)\b"
STATEMENT_CLOSED = r";\s*$|--|#|/\*"
#: What the backends compile: the patterns, then the hints.
DATABASE = PATTERNS + HINTS

#: Classes in the order detections are reported.
CLASSES: tuple[str, ...] = (
    "sqli",
    "xss",
    "path-traversal",
    "cmdi",
    "ssrf",
    "ssti",
    "xxe",
    "nosqli",
    "ldapi",
    "jndi",
    "crlf",
    "open-redirect",
)
