/*
 * faasguard.payloads._decode: the normal form of a value (decode.normalize), in C.
 *
 * The optional native half of faasguard/payloads/decode.py. normalize(value) returns exactly
 * what decode._normalize(value) returns, for every str: the same steps in the same order,
 * each written after the regular expression or library call it replaces:
 *
 *   1. value[:MAX_DECODE]; returned as it is when _NEEDS_DECODING finds nothing;
 *   2. up to MAX_ROUNDS rounds, while the text changes, of
 *      url_decode ('+', %uXXXX, then %XX, then UTF-8 overlongs, then UTF-8 decoding with
 *      "replace" - done by CPython's own decoder), html.unescape (its regular expression
 *      and replacement rules; the entity table and the invalid-reference tables are read
 *      from the html module at import, so they are the ones html.unescape uses) and the
 *      \uXXXX / \xXX escapes;
 *   3. Log4j lookup folding (_LOOKUP, repeated at most 2 * MAX_ROUNDS times);
 *   4. for a text that is not ASCII: the look-alike table, then unicodedata.normalize("NFKC")
 *      (called, not re-implemented);
 *   5. control characters dropped, comments folded, runs of white space folded (\s is
 *      Py_UNICODE_ISSPACE, as in the re module).
 *
 * Text is held as UCS-4 code points, so lone surrogates and astral characters behave as in
 * Python. Every pass is linear in its input (the comment pass remembers where no closing
 * marker is left). tests/payloads/test_decode_native.py checks the equivalence on the
 * 60,445 values of the payload data set, generated adversarial strings and chosen cases.
 *
 * It also holds the engine's fast path to libinjection (section "libinjection" at the end):
 * bind_libinjection(path) looks up libinjection's public C functions in the shared object of
 * the libinjection-python module the user installed and Python already imported (dlopen with
 * RTLD_NOLOAD: nothing is loaded, linked or compiled in), and sqli(text) / xss(text) call
 * them directly, without the wrapper's per-call dict and token list.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <string.h>
#ifndef _WIN32
#include <dlfcn.h>
#endif

#define MAX_DECODE 65536
#define MAX_ROUNDS 3

/* ------------------------------------------------------------------ buffers ---------- */

typedef struct {
    Py_UCS4 *p;
    Py_ssize_t n, cap;
} Text;

typedef struct {
    unsigned char *p;
    Py_ssize_t n, cap;
} Bytes;

static int grow(void **p, Py_ssize_t *cap, Py_ssize_t need, size_t item) {
    if (need <= *cap) {
        return 0;
    }
    Py_ssize_t cap2 = *cap ? *cap : 64;
    while (cap2 < need) {
        cap2 *= 2;
    }
    void *q = PyMem_Realloc(*p, (size_t)cap2 * item);
    if (q == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    *p = q;
    *cap = cap2;
    return 0;
}

static int text_reserve(Text *t, Py_ssize_t need) {
    return grow((void **)&t->p, &t->cap, need, sizeof(Py_UCS4));
}

static int bytes_reserve(Bytes *b, Py_ssize_t need) {
    return grow((void **)&b->p, &b->cap, need, 1);
}

static inline int put(Text *t, Py_UCS4 c) {
    if (t->n >= t->cap && text_reserve(t, t->n + 1) < 0) {
        return -1;
    }
    t->p[t->n++] = c;
    return 0;
}

static int put_all(Text *t, const Py_UCS4 *s, Py_ssize_t len) {
    if (text_reserve(t, t->n + len) < 0) {
        return -1;
    }
    memcpy(t->p + t->n, s, (size_t)len * sizeof(Py_UCS4));
    t->n += len;
    return 0;
}

/* Empties out and makes room for n code points (no pass here outgrows its input). */
static int begin(Text *out, Py_ssize_t n) {
    out->n = 0;
    return text_reserve(out, n);
}

static void swap(Text *a, Text *b) {
    Text tmp = *a;
    *a = *b;
    *b = tmp;
}

static int contains(const Text *t, Py_UCS4 c) {
    for (Py_ssize_t i = 0; i < t->n; i++) {
        if (t->p[i] == c) {
            return 1;
        }
    }
    return 0;
}

static int contains_lookup(const Text *t) {
    for (Py_ssize_t i = 0; i + 1 < t->n; i++) {
        if (t->p[i] == '$' && t->p[i + 1] == '{') {
            return 1;
        }
    }
    return 0;
}

static int equal(const Text *a, const Text *b) {
    return a->n == b->n && memcmp(a->p, b->p, (size_t)a->n * sizeof(Py_UCS4)) == 0;
}

/* Text <- str (UCS-4 copy). */
static int text_from(Text *t, PyObject *s, Py_ssize_t n) {
    int kind = PyUnicode_KIND(s);
    const void *data = PyUnicode_DATA(s);
    t->n = 0;
    if (text_reserve(t, n) < 0) {
        return -1;
    }
    for (Py_ssize_t i = 0; i < n; i++) {
        t->p[i] = PyUnicode_READ(kind, data, i);
    }
    t->n = n;
    return 0;
}

static inline int is_hex(Py_UCS4 c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

static inline unsigned hex_value(Py_UCS4 c) {
    return c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10;
}

/* UTF-8 of one code point, surrogates included (Python's "surrogatepass"). */
static int put_utf8(Bytes *b, Py_UCS4 c) {
    if (bytes_reserve(b, b->n + 4) < 0) {
        return -1;
    }
    unsigned char *o = b->p + b->n;
    if (c < 0x80) {
        o[0] = (unsigned char)c;
        b->n += 1;
    } else if (c < 0x800) {
        o[0] = (unsigned char)(0xC0 | (c >> 6));
        o[1] = (unsigned char)(0x80 | (c & 0x3F));
        b->n += 2;
    } else if (c < 0x10000) {
        o[0] = (unsigned char)(0xE0 | (c >> 12));
        o[1] = (unsigned char)(0x80 | ((c >> 6) & 0x3F));
        o[2] = (unsigned char)(0x80 | (c & 0x3F));
        b->n += 3;
    } else {
        o[0] = (unsigned char)(0xF0 | (c >> 18));
        o[1] = (unsigned char)(0x80 | ((c >> 12) & 0x3F));
        o[2] = (unsigned char)(0x80 | ((c >> 6) & 0x3F));
        o[3] = (unsigned char)(0x80 | (c & 0x3F));
        b->n += 4;
    }
    return 0;
}

/* ------------------------------------------------------------------ tables ----------- */

/* html.entities.html5, read at import: name (ASCII, <= 32 characters) -> 1 or 2 code points. */
#define ENTITY_NAME 32
#define ENTITY_VALUE 4
#define ENTITY_SLOTS 8192 /* a power of two, well above the 2,231 names */

typedef struct {
    unsigned char len; /* 0: empty slot */
    unsigned char vlen;
    char name[ENTITY_NAME];
    Py_UCS4 value[ENTITY_VALUE];
} Entity;

static Entity *entities;
static Py_ssize_t entity_longest;

/* html._invalid_charrefs and html._invalid_codepoints, read at import. */
#define CHARREF_MAX 0x100
static Py_UCS4 charref_value[CHARREF_MAX];
static unsigned char charref_known[CHARREF_MAX];
static Py_UCS4 *bad_codepoints;
static Py_ssize_t bad_codepoint_count;

/* unicodedata.normalize and "NFKC". */
static PyObject *nfkc_function;
static PyObject *nfkc_form;

static uint32_t name_hash(const Py_UCS4 *s, Py_ssize_t len) {
    uint32_t h = 2166136261u;
    for (Py_ssize_t i = 0; i < len; i++) {
        h = (h ^ (uint32_t)s[i]) * 16777619u;
    }
    return h;
}

static const Entity *entity(const Py_UCS4 *s, Py_ssize_t len) {
    if (len < 1 || len > entity_longest) {
        return NULL;
    }
    for (Py_ssize_t i = 0; i < len; i++) {
        if (s[i] > 0x7F) {
            return NULL;
        }
    }
    for (uint32_t slot = name_hash(s, len) & (ENTITY_SLOTS - 1);;
         slot = (slot + 1) & (ENTITY_SLOTS - 1)) {
        const Entity *e = &entities[slot];
        if (e->len == 0) {
            return NULL;
        }
        if (e->len == len) {
            Py_ssize_t i = 0;
            while (i < len && (Py_UCS4)(unsigned char)e->name[i] == s[i]) {
                i++;
            }
            if (i == len) {
                return e;
            }
        }
    }
}

static int bad_codepoint(Py_UCS4 c) {
    Py_ssize_t lo = 0, hi = bad_codepoint_count;
    while (lo < hi) {
        Py_ssize_t mid = (lo + hi) / 2;
        if (bad_codepoints[mid] < c) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    return lo < bad_codepoint_count && bad_codepoints[lo] == c;
}

/* decode._LOOKALIKES */
static Py_UCS4 lookalike(Py_UCS4 c) {
    switch (c) {
    case 0x2215:
    case 0x2044:
    case 0xFF0F:
        return '/';
    case 0x2216:
    case 0xFF3C:
        return '\\';
    case 0xFF0E:
    case 0x2024:
    case 0x3002:
        return '.';
    case 0x560A:
        return '\n';
    case 0x560D:
        return '\r';
    case 0x563C:
        return '<';
    case 0x563E:
        return '>';
    default:
        return c;
    }
}

/* ------------------------------------------------------------------ URL decoding ----- */

/* _WIDE: %uXXXX -> UTF-8 (surrogatepass). */
static int wide_pass(const Bytes *in, Bytes *out) {
    const unsigned char *s = in->p;
    Py_ssize_t n = in->n;
    out->n = 0;
    if (bytes_reserve(out, n) < 0) {
        return -1;
    }
    for (Py_ssize_t i = 0; i < n;) {
        if (s[i] == '%' && i + 5 < n && (s[i + 1] | 0x20) == 'u' && is_hex(s[i + 2]) &&
            is_hex(s[i + 3]) && is_hex(s[i + 4]) && is_hex(s[i + 5])) {
            Py_UCS4 c = (hex_value(s[i + 2]) << 12) | (hex_value(s[i + 3]) << 8) |
                        (hex_value(s[i + 4]) << 4) | hex_value(s[i + 5]);
            if (put_utf8(out, c) < 0) {
                return -1;
            }
            i += 6;
        } else {
            out->p[out->n++] = s[i++]; /* the output never outgrows the input */
        }
    }
    return 0;
}

/* %XX -> byte; a '%' that starts no escape stays (what _percent_decode's a2b_qp does). */
static void percent_pass(const Bytes *in, Bytes *out) {
    const unsigned char *s = in->p;
    Py_ssize_t n = in->n;
    out->n = 0;
    for (Py_ssize_t i = 0; i < n;) {
        if (s[i] == '%' && i + 2 < n && is_hex(s[i + 1]) && is_hex(s[i + 2])) {
            out->p[out->n++] = (unsigned char)((hex_value(s[i + 1]) << 4) | hex_value(s[i + 2]));
            i += 3;
        } else {
            out->p[out->n++] = s[i++];
        }
    }
}

static inline int continuation(unsigned char c) { return c >= 0x80 && c <= 0xBF; }

/* _OVERLONG / _overlong. */
static int overlong_pass(const Bytes *in, Bytes *out) {
    const unsigned char *s = in->p;
    Py_ssize_t n = in->n;
    out->n = 0;
    for (Py_ssize_t i = 0; i < n;) {
        Py_UCS4 code;
        Py_ssize_t width;
        if ((s[i] == 0xC0 || s[i] == 0xC1) && i + 1 < n && continuation(s[i + 1])) {
            code = ((Py_UCS4)(s[i] & 0x1F) << 6) | (s[i + 1] & 0x3F);
            width = 2;
        } else if (s[i] == 0xE0 && i + 2 < n && s[i + 1] >= 0x80 && s[i + 1] <= 0x9F &&
                   continuation(s[i + 2])) {
            code = ((Py_UCS4)(s[i] & 0x0F) << 12) | ((Py_UCS4)(s[i + 1] & 0x3F) << 6) |
                   (s[i + 2] & 0x3F);
            width = 3;
        } else if (s[i] == 0xF0 && i + 3 < n && s[i + 1] >= 0x80 && s[i + 1] <= 0x8F &&
                   continuation(s[i + 2]) && continuation(s[i + 3])) {
            code = ((Py_UCS4)(s[i + 1] & 0x3F) << 12) | ((Py_UCS4)(s[i + 2] & 0x3F) << 6) |
                   (s[i + 3] & 0x3F);
            width = 4;
        } else {
            out->p[out->n++] = s[i++];
            continue;
        }
        /* width bytes become at most width - 1: room is there */
        if (code < 0xD800) {
            if (put_utf8(out, code) < 0) {
                return -1;
            }
        } else {
            out->p[out->n++] = '?';
        }
        i += width;
    }
    return 0;
}

typedef struct {
    Text a, b, c;  /* the text, the next form, scratch */
    Bytes x, y;    /* URL decoding */
} Work;

/* url_decode: one round ('+' is a space), overlongs resolved, UTF-8 decoded with "replace". */
static int url_decode(const Text *in, Text *out, Work *w) {
    out->n = 0;
    if (!contains(in, '%')) {
        if (text_reserve(out, in->n) < 0) {
            return -1;
        }
        for (Py_ssize_t i = 0; i < in->n; i++) {
            out->p[i] = in->p[i] == '+' ? ' ' : in->p[i];
        }
        out->n = in->n;
        return 0;
    }
    Bytes *raw = &w->x, *next = &w->y;
    raw->n = 0;
    int wide = 0;
    for (Py_ssize_t i = 0; i < in->n; i++) {
        Py_UCS4 c = in->p[i];
        if (put_utf8(raw, c == '+' ? ' ' : c) < 0) {
            return -1;
        }
        wide |= c == '%' && i + 1 < in->n && (in->p[i + 1] | 0x20) == 'u';
    }
    if (wide) {
        if (wide_pass(raw, next) < 0) {
            return -1;
        }
        Bytes tmp = *raw;
        *raw = *next;
        *next = tmp;
    }
    if (bytes_reserve(next, raw->n) < 0) {
        return -1;
    }
    percent_pass(raw, next);
    int lead = 0, high = 0;
    for (Py_ssize_t i = 0; i < next->n; i++) {
        unsigned char c = next->p[i];
        high |= c >= 0x80;
        lead |= c == 0xC0 || c == 0xC1 || c == 0xE0 || c == 0xF0;
    }
    Bytes *done = next;
    if (lead) {
        if (bytes_reserve(raw, next->n) < 0 || overlong_pass(next, raw) < 0) {
            return -1;
        }
        done = raw;
        high = 0;
        for (Py_ssize_t i = 0; i < done->n; i++) {
            high |= done->p[i] >= 0x80;
        }
    }
    if (!high) {
        if (text_reserve(out, done->n) < 0) {
            return -1;
        }
        for (Py_ssize_t i = 0; i < done->n; i++) {
            out->p[i] = done->p[i];
        }
        out->n = done->n;
        return 0;
    }
    PyObject *s = PyUnicode_DecodeUTF8((const char *)done->p, done->n, "replace");
    if (s == NULL) {
        return -1;
    }
    int rc = text_from(out, s, PyUnicode_GET_LENGTH(s));
    Py_DECREF(s);
    return rc;
}

/* ------------------------------------------------------------------ html.unescape ---- */

static inline int name_char(Py_UCS4 c) {
    return !(c == '\t' || c == '\n' || c == '\f' || c == ' ' || c == '<' || c == '&' ||
             c == '#' || c == ';');
}

/* html._replace_charref for a numeric reference (num saturates above 0x10FFFF). */
static int put_number(Text *out, Py_UCS4 num) {
    if (num < CHARREF_MAX && charref_known[num]) {
        return put(out, charref_value[num]);
    }
    if ((num >= 0xD800 && num <= 0xDFFF) || num > 0x10FFFF) {
        return put(out, 0xFFFD);
    }
    if (bad_codepoint(num)) {
        return 0;
    }
    return put(out, num);
}

/* The numeric alternatives of html._charref at in[i] == '&' (in[i+1] == '#'); returns the
   end of the match, or i when there is none. */
static Py_ssize_t number_ref(const Text *in, Py_ssize_t i, Text *out, int *error) {
    const Py_UCS4 *s = in->p;
    Py_ssize_t n = in->n, j = i + 2;
    Py_UCS4 num = 0;
    if (j < n && s[j] >= '0' && s[j] <= '9') {
        for (; j < n && s[j] >= '0' && s[j] <= '9'; j++) {
            num = num > 0x10FFFF ? num : num * 10 + (s[j] - '0');
        }
    } else if (j + 1 < n && (s[j] | 0x20) == 'x' && is_hex(s[j + 1])) {
        for (j++; j < n && is_hex(s[j]); j++) {
            num = num > 0x10FFFF ? num : (num << 4) | hex_value(s[j]);
        }
    } else {
        return i;
    }
    if (j < n && s[j] == ';') {
        j++;
    }
    *error = put_number(out, num);
    return j;
}

static int put_entity(Text *out, const Entity *e) {
    for (int k = 0; k < e->vlen; k++) {
        if (put(out, e->value[k]) < 0) {
            return -1;
        }
    }
    return 0;
}

/* The named alternative at in[i] == '&': returns the end of the match, or i. */
static Py_ssize_t named_ref(const Text *in, Py_ssize_t i, Text *out, int *error) {
    const Py_UCS4 *s = in->p + i + 1;
    Py_ssize_t n = in->n - i - 1, len = 0;
    while (len < n && len < 32 && name_char(s[len])) {
        len++;
    }
    if (len == 0) {
        return i;
    }
    if (len < n && s[len] == ';') {
        len++;
    }
    const Entity *e = entity(s, len);
    if (e != NULL) {
        *error = put_entity(out, e);
        return i + 1 + len;
    }
    for (Py_ssize_t x = len - 1; x > 1; x--) {
        e = entity(s, x);
        if (e != NULL) {
            *error = put_entity(out, e) < 0 || put_all(out, s + x, len - x) < 0 ? -1 : 0;
            return i + 1 + len;
        }
    }
    *error = put(out, '&') < 0 || put_all(out, s, len) < 0 ? -1 : 0;
    return i + 1 + len;
}

static int html_unescape(const Text *in, Text *out) {
    if (begin(out, in->n) < 0) {
        return -1;
    }
    for (Py_ssize_t i = 0; i < in->n;) {
        if (in->p[i] != '&') {
            if (put(out, in->p[i++]) < 0) {
                return -1;
            }
            continue;
        }
        int error = 0;
        Py_ssize_t end = i + 1 < in->n && in->p[i + 1] == '#' ? number_ref(in, i, out, &error)
                                                             : named_ref(in, i, out, &error);
        if (error < 0) {
            return -1;
        }
        if (end == i) {
            if (put(out, '&') < 0) {
                return -1;
            }
            end = i + 1;
        }
        i = end;
    }
    return 0;
}

/* ------------------------------------------------------------------ escapes, lookups - */

/* _ESCAPE: \uXXXX and \xXX. */
static int escapes(const Text *in, Text *out) {
    const Py_UCS4 *s = in->p;
    Py_ssize_t n = in->n;
    if (begin(out, n) < 0) {
        return -1;
    }
    for (Py_ssize_t i = 0; i < n;) {
        if (s[i] == '\\' && i + 5 < n && s[i + 1] == 'u' && is_hex(s[i + 2]) &&
            is_hex(s[i + 3]) && is_hex(s[i + 4]) && is_hex(s[i + 5])) {
            out->p[out->n++] = (hex_value(s[i + 2]) << 12) | (hex_value(s[i + 3]) << 8) |
                               (hex_value(s[i + 4]) << 4) | hex_value(s[i + 5]);
            i += 6;
        } else if (s[i] == '\\' && i + 3 < n && s[i + 1] == 'x' && is_hex(s[i + 2]) &&
                   is_hex(s[i + 3])) {
            out->p[out->n++] = (hex_value(s[i + 2]) << 4) | hex_value(s[i + 3]);
            i += 4;
        } else {
            out->p[out->n++] = s[i++];
        }
    }
    return 0;
}

static int starts(const Py_UCS4 *s, Py_ssize_t n, const char *prefix) {
    Py_ssize_t i = 0;
    for (; prefix[i]; i++) {
        if (i >= n || s[i] != (Py_UCS4)(unsigned char)prefix[i]) {
            return 0;
        }
    }
    return 1;
}

/* _LOOKUP on body = the text between "${" and the first '}', which holds no '$', '{', '}'.
   Sets *from to where the replacement starts (it runs to the end of body); returns 0 when
   neither alternative matches. */
static int lookup(const Py_UCS4 *body, Py_ssize_t n, Py_ssize_t *from) {
    /* \$\{(?:[^${}:]*:)*?-([^${}]*)\}: the first '-' that starts body or follows a ':' */
    if (n > 0 && body[0] == '-') {
        *from = 1;
        return 1;
    }
    for (Py_ssize_t k = 0; k + 1 < n; k++) {
        if (body[k] == ':' && body[k + 1] == '-') {
            *from = k + 2;
            return 1;
        }
    }
    /* \$\{(?:lower|upper|::-)?:?([^${}:]*)\}, alternatives in order */
    static const char *prefixes[] = {"lower", "upper", "::-", ""};
    for (int p = 0; p < 4; p++) {
        if (!starts(body, n, prefixes[p])) {
            continue;
        }
        Py_ssize_t at = (Py_ssize_t)strlen(prefixes[p]);
        if (at < n && body[at] == ':') {
            at++;
        }
        Py_ssize_t k = at;
        while (k < n && body[k] != ':') {
            k++;
        }
        if (k == n) {
            *from = at;
            return 1;
        }
    }
    return 0;
}

static int fold_lookups(const Text *in, Text *out) {
    const Py_UCS4 *s = in->p;
    Py_ssize_t n = in->n;
    if (begin(out, n) < 0) {
        return -1;
    }
    for (Py_ssize_t i = 0; i < n;) {
        if (s[i] == '$' && i + 1 < n && s[i + 1] == '{') {
            Py_ssize_t j = i + 2, from;
            while (j < n && s[j] != '$' && s[j] != '{' && s[j] != '}') {
                j++;
            }
            if (j < n && s[j] == '}' && lookup(s + i + 2, j - i - 2, &from)) {
                Py_ssize_t len = j - i - 2 - from;
                memcpy(out->p + out->n, s + i + 2 + from, (size_t)len * sizeof(Py_UCS4));
                out->n += len;
                i = j + 1;
                continue;
            }
        }
        out->p[out->n++] = s[i++];
    }
    return 0;
}

/* ------------------------------------------------------------------ final passes ----- */

static inline int control(Py_UCS4 c) {
    return c <= 0x08 || (c >= 0x0E && c <= 0x1F) || c == 0x7F || (c >= 0x200C && c <= 0x200F) ||
           c == 0xFEFF;
}

static inline int space(Py_UCS4 c) {
    return Py_UNICODE_ISSPACE(c) || c == 0xA0 || (c >= 0x2000 && c <= 0x200B) || c == 0x3000;
}

static Py_ssize_t find(const Py_UCS4 *s, Py_ssize_t from, Py_ssize_t n, const char *marker) {
    Py_ssize_t len = (Py_ssize_t)strlen(marker);
    for (Py_ssize_t i = from; i + len <= n; i++) {
        if (starts(s + i, len, marker)) {
            return i;
        }
    }
    return -1;
}

/* _CONTROL, then the comments (decode._fold_comments), then _SPACE, in place. */
static void final_passes(Text *t) {
    Py_UCS4 *s = t->p;
    Py_ssize_t n = 0;
    for (Py_ssize_t i = 0; i < t->n; i++) {
        if (!control(s[i])) {
            s[n++] = s[i];
        }
    }
    /* comments; once a closing marker is not found, none is found from later starts */
    Py_ssize_t m = 0, no_close_c = n, no_close_h = n;
    for (Py_ssize_t i = 0; i < n;) {
        Py_ssize_t close = -1;
        if (s[i] == '/' && i + 1 < n && s[i + 1] == '*' && i + 2 < no_close_c) {
            close = find(s, i + 2, n, "*/");
            if (close < 0) {
                no_close_c = i + 2;
            } else {
                close += 2;
            }
        } else if (s[i] == '<' && starts(s + i, n - i, "<!--") && i + 4 < no_close_h) {
            close = find(s, i + 4, n, "-->");
            if (close < 0) {
                no_close_h = i + 4;
            } else {
                close += 3;
            }
        }
        if (close >= 0) {
            s[m++] = ' ';
            i = close;
        } else {
            s[m++] = s[i++];
        }
    }
    n = m;
    m = 0;
    for (Py_ssize_t i = 0; i < n;) {
        if (space(s[i])) {
            while (i < n && space(s[i])) {
                i++;
            }
            s[m++] = ' ';
        } else {
            s[m++] = s[i++];
        }
    }
    t->n = m;
}

/* ------------------------------------------------------------------ normalize -------- */

/* _NEEDS_DECODING.search(value[:n]) is not None */
static int needs_decoding(PyObject *value, Py_ssize_t n) {
    int kind = PyUnicode_KIND(value);
    const void *data = PyUnicode_DATA(value);
    Py_UCS4 prev = 'a';
    for (Py_ssize_t i = 0; i < n; i++) {
        Py_UCS4 c = PyUnicode_READ(kind, data, i);
        if (c == '%' || c == '&' || c == '+' || c == '\\' || c <= 0x08 || c == 0x0B ||
            c == 0x0C || (c >= 0x0E && c <= 0x1F) || (c >= 0x80 && c <= 0xFFFF)) {
            return 1;
        }
        if ((prev == '$' && c == '{') || (prev == '/' && c == '*') ||
            (Py_UNICODE_ISSPACE(prev) && Py_UNICODE_ISSPACE(c))) {
            return 1;
        }
        if (c == '<' && i + 3 < n && PyUnicode_READ(kind, data, i + 1) == '!' &&
            PyUnicode_READ(kind, data, i + 2) == '-' && PyUnicode_READ(kind, data, i + 3) == '-') {
            return 1;
        }
        prev = c;
    }
    return 0;
}

static int ascii(const Text *t) {
    for (Py_ssize_t i = 0; i < t->n; i++) {
        if (t->p[i] > 0x7F) {
            return 0;
        }
    }
    return 1;
}

static int nfkc(Text *t) {
    for (Py_ssize_t i = 0; i < t->n; i++) {
        t->p[i] = lookalike(t->p[i]);
    }
    PyObject *s = PyUnicode_FromKindAndData(PyUnicode_4BYTE_KIND, t->p, t->n);
    if (s == NULL) {
        return -1;
    }
    PyObject *r = PyObject_CallFunctionObjArgs(nfkc_function, nfkc_form, s, NULL);
    Py_DECREF(s);
    if (r == NULL) {
        return -1;
    }
    int rc = PyUnicode_Check(r) ? text_from(t, r, PyUnicode_GET_LENGTH(r)) : -1;
    if (rc < 0 && !PyErr_Occurred()) {
        PyErr_SetString(PyExc_TypeError, "unicodedata.normalize returned no str");
    }
    Py_DECREF(r);
    return rc;
}

static int pipeline(Work *w) {
    for (int round = 0; round < MAX_ROUNDS; round++) {
        if (url_decode(&w->a, &w->b, w) < 0) {
            return -1;
        }
        if (contains(&w->b, '&')) {
            if (html_unescape(&w->b, &w->c) < 0) {
                return -1;
            }
            swap(&w->b, &w->c);
        }
        if (contains(&w->b, '\\')) {
            if (escapes(&w->b, &w->c) < 0) {
                return -1;
            }
            swap(&w->b, &w->c);
        }
        if (equal(&w->a, &w->b)) {
            break;
        }
        swap(&w->a, &w->b);
    }
    if (contains_lookup(&w->a)) {
        for (int k = 0; k < MAX_ROUNDS * 2; k++) {
            if (fold_lookups(&w->a, &w->b) < 0) {
                return -1;
            }
            int stop = equal(&w->a, &w->b) || !contains_lookup(&w->b);
            swap(&w->a, &w->b);
            if (stop) {
                break;
            }
        }
    }
    if (!ascii(&w->a) && nfkc(&w->a) < 0) {
        return -1;
    }
    final_passes(&w->a);
    return 0;
}

static PyObject *normalize(PyObject *self, PyObject *value) {
    if (!PyUnicode_Check(value)) {
        PyErr_Format(PyExc_TypeError, "normalize() needs a str, not %.100s",
                     Py_TYPE(value)->tp_name);
        return NULL;
    }
    Py_ssize_t len = PyUnicode_GET_LENGTH(value);
    Py_ssize_t n = len < MAX_DECODE ? len : MAX_DECODE;
    if (!needs_decoding(value, n)) {
        return PyUnicode_Substring(value, 0, n);
    }
    Work w;
    memset(&w, 0, sizeof(w));
    PyObject *result = NULL;
    if (text_from(&w.a, value, n) == 0 && pipeline(&w) == 0) {
        result = PyUnicode_FromKindAndData(PyUnicode_4BYTE_KIND, w.a.p, w.a.n);
    }
    PyMem_Free(w.a.p);
    PyMem_Free(w.b.p);
    PyMem_Free(w.c.p);
    PyMem_Free(w.x.p);
    PyMem_Free(w.y.p);
    return result;
}

/* ------------------------------------------------------------------ module ----------- */

static int load_entities(void) {
    PyObject *mod = PyImport_ImportModule("html.entities");
    if (mod == NULL) {
        return -1;
    }
    PyObject *table = PyObject_GetAttrString(mod, "html5");
    Py_DECREF(mod);
    if (table == NULL) {
        return -1;
    }
    int rc = -1;
    entities = PyMem_Calloc(ENTITY_SLOTS, sizeof(Entity));
    if (entities == NULL) {
        PyErr_NoMemory();
        goto done;
    }
    if (!PyDict_Check(table) || PyDict_GET_SIZE(table) > ENTITY_SLOTS / 2) {
        PyErr_SetString(PyExc_ImportError, "html.entities.html5: not the expected table");
        goto done;
    }
    Py_ssize_t pos = 0;
    PyObject *key, *val;
    while (PyDict_Next(table, &pos, &key, &val)) {
        Py_ssize_t klen = PyUnicode_Check(key) ? PyUnicode_GET_LENGTH(key) : -1;
        Py_ssize_t vlen = PyUnicode_Check(val) ? PyUnicode_GET_LENGTH(val) : -1;
        if (klen < 1 || klen > ENTITY_NAME || !PyUnicode_IS_ASCII(key) || vlen < 0 ||
            vlen > ENTITY_VALUE) {
            PyErr_SetString(PyExc_ImportError, "html.entities.html5: unexpected entry");
            goto done;
        }
        Py_UCS4 name[ENTITY_NAME];
        const char *ascii_name = (const char *)PyUnicode_DATA(key);
        for (Py_ssize_t i = 0; i < klen; i++) {
            name[i] = (unsigned char)ascii_name[i];
        }
        uint32_t slot = name_hash(name, klen) & (ENTITY_SLOTS - 1);
        while (entities[slot].len != 0) {
            slot = (slot + 1) & (ENTITY_SLOTS - 1);
        }
        Entity *e = &entities[slot];
        e->len = (unsigned char)klen;
        e->vlen = (unsigned char)vlen;
        memcpy(e->name, ascii_name, (size_t)klen);
        for (Py_ssize_t i = 0; i < vlen; i++) {
            e->value[i] = PyUnicode_READ_CHAR(val, i);
        }
        if (klen > entity_longest) {
            entity_longest = klen;
        }
    }
    rc = 0;
done:
    Py_DECREF(table);
    return rc;
}

static int load_invalid(void) {
    PyObject *mod = PyImport_ImportModule("html");
    if (mod == NULL) {
        return -1;
    }
    PyObject *refs = PyObject_GetAttrString(mod, "_invalid_charrefs");
    PyObject *points = refs ? PyObject_GetAttrString(mod, "_invalid_codepoints") : NULL;
    PyObject *sorted = points ? PySequence_List(points) : NULL;
    Py_DECREF(mod);
    int rc = -1;
    if (sorted == NULL || !PyDict_Check(refs) || PyList_Sort(sorted) < 0) {
        goto done;
    }
    Py_ssize_t pos = 0;
    PyObject *key, *val;
    while (PyDict_Next(refs, &pos, &key, &val)) {
        long k = PyLong_Check(key) ? PyLong_AsLong(key) : -1;
        if (k < 0 || k >= CHARREF_MAX || !PyUnicode_Check(val) || PyUnicode_GET_LENGTH(val) != 1) {
            PyErr_SetString(PyExc_ImportError, "html._invalid_charrefs: unexpected entry");
            goto done;
        }
        charref_known[k] = 1;
        charref_value[k] = PyUnicode_READ_CHAR(val, 0);
    }
    bad_codepoint_count = PyList_GET_SIZE(sorted);
    bad_codepoints = PyMem_Calloc((size_t)bad_codepoint_count + 1, sizeof(Py_UCS4));
    if (bad_codepoints == NULL) {
        PyErr_NoMemory();
        goto done;
    }
    for (Py_ssize_t i = 0; i < bad_codepoint_count; i++) {
        long c = PyLong_AsLong(PyList_GET_ITEM(sorted, i));
        if (c < 0 || c > 0x10FFFF) {
            PyErr_SetString(PyExc_ImportError, "html._invalid_codepoints: unexpected entry");
            goto done;
        }
        bad_codepoints[i] = (Py_UCS4)c;
    }
    rc = 0;
done:
    Py_XDECREF(refs);
    Py_XDECREF(points);
    Py_XDECREF(sorted);
    return rc;
}

static int load_nfkc(void) {
    PyObject *mod = PyImport_ImportModule("unicodedata");
    if (mod == NULL) {
        return -1;
    }
    nfkc_function = PyObject_GetAttrString(mod, "normalize");
    Py_DECREF(mod);
    nfkc_form = PyUnicode_InternFromString("NFKC");
    return nfkc_function != NULL && nfkc_form != NULL ? 0 : -1;
}

/* ------------------------------------------------------------------ libinjection ----- */

/*
 * libinjection's public API (libinjection.h), resolved at run time from the module the user
 * installed; NULL until bind_libinjection() found both:
 *   int libinjection_sqli(const char *s, size_t slen, char fingerprint[]);
 *       what the wrapper's is_sql_injection() computes: libinjection_sqli_init(state, s, slen,
 *       0) then libinjection_is_sqli(state); the fingerprint (at most 8 bytes with its NUL)
 *       is copied out on a hit;
 *   int libinjection_xss(const char *s, size_t len);
 *       libinjection_is_xss() with the five HTML5 start states in turn, as the wrapper's
 *       is_xss() loops over flags 0..4.
 */
typedef int (*sqli_function)(const char *, size_t, char *);
typedef int (*xss_function)(const char *, size_t);
static sqli_function li_sqli = NULL;
static xss_function li_xss = NULL;
static void *li_handle = NULL;

/* Texts at least this long are checked without the GIL (a short one costs less than the
 * hand-over). */
#define LI_NOGIL 4096

PyDoc_STRVAR(bind_doc, "bind_libinjection(path, /)\n--\n\n"
                       "Look up libinjection_sqli and libinjection_xss in the shared object at "
                       "path, which must be loaded already (the imported libinjection module's "
                       "__file__). True when both were found: sqli() and xss() then work.");

static PyObject *bind_libinjection(PyObject *self, PyObject *path) {
    PyObject *encoded = NULL;
    if (!PyUnicode_FSConverter(path, &encoded)) {
        return NULL;
    }
#ifdef _WIN32
    Py_DECREF(encoded);
    Py_RETURN_FALSE;
#else
    void *handle = dlopen(PyBytes_AS_STRING(encoded), RTLD_NOW | RTLD_NOLOAD);
    Py_DECREF(encoded);
    if (handle == NULL) {
        Py_RETURN_FALSE;
    }
    sqli_function sqli = (sqli_function)dlsym(handle, "libinjection_sqli");
    xss_function xss = (xss_function)dlsym(handle, "libinjection_xss");
    if (sqli == NULL || xss == NULL) {
        dlclose(handle);
        Py_RETURN_FALSE;
    }
    void *previous = li_handle;
    li_sqli = sqli;
    li_xss = xss;
    li_handle = handle; /* kept open: the module stays imported for the process's life */
    if (previous != NULL) {
        dlclose(previous); /* the same library bound again: one reference is enough */
    }
    Py_RETURN_TRUE;
#endif
}

/*
 * The bytes the wrapper hands to libinjection for value: value.encode("utf-8") of
 * _encodable(value), that is the UTF-8 encoding with every lone surrogate replaced by U+FFFD
 * (engine._encodable), whole, embedded NULs included (the wrapper passes len() of the bytes).
 * bytes are taken as they are. *owned receives a new reference to keep the bytes alive, or
 * NULL when they belong to value (an ASCII str or a bytes object).
 */
static int li_bytes(PyObject *value, const char **s, Py_ssize_t *n, PyObject **owned) {
    *owned = NULL;
    if (PyBytes_Check(value)) {
        *s = PyBytes_AS_STRING(value);
        *n = PyBytes_GET_SIZE(value);
        return 0;
    }
    if (!PyUnicode_Check(value)) {
        PyErr_Format(PyExc_TypeError, "expected str or bytes, not %.100s", Py_TYPE(value)->tp_name);
        return -1;
    }
    if (PyUnicode_IS_ASCII(value)) {
        *s = (const char *)PyUnicode_DATA(value);
        *n = PyUnicode_GET_LENGTH(value);
        return 0;
    }
    /* not PyUnicode_AsUTF8AndSize: it would keep a UTF-8 copy on the caller's str */
    PyObject *raw = PyUnicode_AsUTF8String(value);
    if (raw == NULL) {
        if (!PyErr_ExceptionMatches(PyExc_UnicodeEncodeError)) {
            return -1;
        }
        PyErr_Clear(); /* lone surrogates: what _encodable() does */
        PyObject *passed = PyUnicode_AsEncodedString(value, "utf-8", "surrogatepass");
        if (passed == NULL) {
            return -1;
        }
        PyObject *fixed = PyUnicode_DecodeUTF8(PyBytes_AS_STRING(passed),
                                               PyBytes_GET_SIZE(passed), "replace");
        Py_DECREF(passed);
        if (fixed == NULL) {
            return -1;
        }
        raw = PyUnicode_AsUTF8String(fixed);
        Py_DECREF(fixed);
        if (raw == NULL) {
            return -1;
        }
    }
    *owned = raw;
    *s = PyBytes_AS_STRING(raw);
    *n = PyBytes_GET_SIZE(raw);
    return 0;
}

static int li_unbound(void) {
    if (li_sqli == NULL || li_xss == NULL) {
        PyErr_SetString(PyExc_RuntimeError,
                        "libinjection is not bound (bind_libinjection() was not called or failed)");
        return 1;
    }
    return 0;
}

static int li_call(int sql, const char *s, size_t n) {
    char fingerprint[32]; /* libinjection writes at most 8 bytes */
    return sql ? li_sqli(s, n, fingerprint) : li_xss(s, n);
}

/* libinjection's SQLi (sql) or XSS verdict on value, as a bool. */
static PyObject *li_verdict(PyObject *value, int sql) {
    const char *s;
    Py_ssize_t n;
    PyObject *owned;
    int found;
    if (li_unbound() || li_bytes(value, &s, &n, &owned) < 0) {
        return NULL;
    }
    if (n >= LI_NOGIL) {
        Py_BEGIN_ALLOW_THREADS found = li_call(sql, s, (size_t)n);
        Py_END_ALLOW_THREADS
    } else {
        found = li_call(sql, s, (size_t)n);
    }
    Py_XDECREF(owned);
    return PyBool_FromLong(found != 0);
}

PyDoc_STRVAR(sqli_doc, "sqli(value, /)\n--\n\n"
                       "libinjection's SQLi verdict on value (str or bytes): the truth of "
                       "libinjection.is_sql_injection(engine._encodable(value))['is_sqli'].");

static PyObject *sqli(PyObject *self, PyObject *value) { return li_verdict(value, 1); }

PyDoc_STRVAR(xss_doc, "xss(value, /)\n--\n\n"
                      "libinjection's XSS verdict on value (str or bytes): the truth of "
                      "libinjection.is_xss(engine._encodable(value))['is_xss'].");

static PyObject *xss(PyObject *self, PyObject *value) { return li_verdict(value, 0); }

PyDoc_STRVAR(normalize_doc,
             "normalize(value, /)\n--\n\n"
             "The normal form of value: exactly faasguard.payloads.decode._normalize(value).");

static PyMethodDef methods[] = {
    {"normalize", normalize, METH_O, normalize_doc},
    {"bind_libinjection", bind_libinjection, METH_O, bind_doc},
    {"sqli", sqli, METH_O, sqli_doc},
    {"xss", xss, METH_O, xss_doc},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    .m_base = PyModuleDef_HEAD_INIT,
    .m_name = "_decode",
    .m_doc = "Native decoding to the normal form for faasguard.payloads.decode, and direct "
             "calls to the installed libinjection for faasguard.payloads.engine.",
    .m_size = -1,
    .m_methods = methods,
};

PyMODINIT_FUNC PyInit__decode(void) {
    if (entities == NULL && (load_entities() < 0 || load_invalid() < 0 || load_nfkc() < 0)) {
        if (!PyErr_ExceptionMatches(PyExc_ImportError)) {
            /* any surprise in the tables: no native decoder (decode.py uses Python) */
            PyObject *type, *val, *tb;
            PyErr_Fetch(&type, &val, &tb);
            PyErr_Format(PyExc_ImportError, "faasguard.payloads._decode: %S", val ? val : type);
            Py_XDECREF(type);
            Py_XDECREF(val);
            Py_XDECREF(tb);
        }
        PyMem_Free(entities);
        entities = NULL;
        return NULL;
    }
    PyObject *m = PyModule_Create(&module);
    if (m == NULL) {
        return NULL;
    }
    if (PyModule_AddIntConstant(m, "MAX_DECODE", MAX_DECODE) < 0 ||
        PyModule_AddIntConstant(m, "MAX_ROUNDS", MAX_ROUNDS) < 0) {
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
