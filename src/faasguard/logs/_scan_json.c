/*
 * faasguard.logs._scan, second part: CloudWatch Logs subscription payloads in C.
 *
 * The optional native half of faasguard/logs/payload_native.py. A subscription payload
 * ({"messageType": ..., "logGroup": ..., "logStream": ..., "logEvents": [{"id": ...,
 * "timestamp": ..., "message": ...}, ...]}, the JSON inside "awslogs.data" and inside the
 * objects Firehose delivers) is validated and its events are written straight into the
 * columns the Python side wraps as Arrow arrays: unescaped message bytes and offsets,
 * timestamps, event ids, and per payload its status, event count and the log group and
 * stream.
 *
 * Contract: a payload is either read exactly as Python's json.loads and the reference
 * reader (pipeline._payload_events) read it, or refused, and the caller decodes it with
 * Python. Refused: anything that is not strict JSON (RFC 8259, as Python's decoder in strict
 * mode), invalid UTF-8, a lone surrogate escape, nesting over 64, a number over 4000
 * characters, an escaped or repeated key where the reader looks keys up, a messageType
 * with escapes, logEvents that is no array or null, a timestamp that is a string or has a
 * fraction or exponent. tests/logs/test_logs_payload_native.py compares both, on
 * generated logs and on hostile payloads.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "_scan.h"

enum { J_OK = 0, J_REFUSE = 1, J_CUT = 2, J_FULL = 3 };
/* Payload status (info column 0) and where a walk stopped. */
enum { P_DATA = 0, P_OTHER = 1, P_REFUSED = 2 };
enum { S_END = 0, S_CUT = 1, S_ODD = 2, S_FULL = 3, S_LIMIT = 4 };
enum { INFO_WIDTH = 10 };

#define MAX_DEPTH 64
#define MAX_NUMBER 4000

typedef const unsigned char *Ptr;

typedef struct {
    unsigned char *msg, *ids, *names;
    Py_ssize_t msg_cap, id_cap, names_cap, msg_len, id_len, names_len;
    int32_t *msg_off, *id_off;
    int64_t *ts;
    unsigned char *ts_ok, *id_ok;
    Py_ssize_t rows, row_cap;
    int64_t *info;
    Py_ssize_t pays, pay_cap;
} Out;

/* ------------------------------------------------------------------ JSON tokens ------ */

static inline Ptr ws(Ptr p, Ptr end) {
    /* One compare for the usual case: no whitespace at all (every JSON whitespace byte
       is <= ' '). */
    while (p < end && *p <= ' ' && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')) p++;
    return p;
}

#ifdef __SSE2__
/* Bytes of v that end a plain run: '"', '\\', control bytes and (signed compare: they
   are negative) bytes >= 0x80. */
static inline int special_bits(__m128i v) {
    const __m128i quote = _mm_set1_epi8('"'), bslash = _mm_set1_epi8('\\');
    const __m128i space = _mm_set1_epi8(0x20);
    __m128i hit = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, quote), _mm_cmpeq_epi8(v, bslash)),
                               _mm_cmplt_epi8(v, space));
    return _mm_movemask_epi8(hit);
}
#endif

/* The first '"', '\\', control byte or non-ASCII byte in [p, end), or end. */
static inline Ptr special(Ptr p, Ptr end) {
#ifdef __SSE2__
    while (end - p >= 16) {
        int bits = special_bits(_mm_loadu_si128((const __m128i *)p));
        if (bits) return p + __builtin_ctz((unsigned)bits);
        p += 16;
    }
#endif
    while (p < end && *p >= 0x20 && *p < 0x80 && *p != '"' && *p != '\\') p++;
    return p;
}

/*
 * As special(), copying the plain bytes to *dp (moved past them). Copies 16 bytes at a
 * time, the special byte found in the same pass: up to 15 bytes past the run are written
 * too, inside the room the caller checked (the decoded text never outgrows its source).
 */
static inline Ptr copy_run(Ptr p, Ptr end, unsigned char **dp) {
    unsigned char *d = *dp;
#ifdef __SSE2__
    while (end - p >= 16) {
        __m128i v = _mm_loadu_si128((const __m128i *)p);
        _mm_storeu_si128((__m128i *)d, v);
        int bits = special_bits(v);
        if (bits) {
            int k = __builtin_ctz((unsigned)bits);
            *dp = d + k;
            return p + k;
        }
        p += 16;
        d += 16;
    }
#endif
    Ptr run = special(p, end);
    memcpy(d, p, (size_t)(run - p));
    *dp = d + (run - p);
    return run;
}

/* Length of the valid UTF-8 sequence at p (p[0] >= 0x80), 0 if invalid, -1 if cut. */
static inline int utf8_seq(Ptr p, Ptr end) {
    unsigned char c = p[0], lo = 0x80, hi = 0xBF;
    int n;
    if (c >= 0xC2 && c <= 0xDF) {
        n = 2;
    } else if (c >= 0xE0 && c <= 0xEF) {
        n = 3;
        if (c == 0xE0) lo = 0xA0;
        if (c == 0xED) hi = 0x9F; /* encoded surrogates */
    } else if (c >= 0xF0 && c <= 0xF4) {
        n = 4;
        if (c == 0xF0) lo = 0x90;
        if (c == 0xF4) hi = 0x8F;
    } else {
        return 0;
    }
    if (end - p < n) return -1;
    if (p[1] < lo || p[1] > hi) return 0;
    for (int i = 2; i < n; i++) {
        if ((p[i] & 0xC0) != 0x80) return 0;
    }
    return n;
}

static inline long hex4(Ptr p) {
    long v = 0;
    for (int i = 0; i < 4; i++) {
        unsigned char c = p[i];
        int d;
        if (c >= '0' && c <= '9') d = c - '0';
        else if (c >= 'a' && c <= 'f') d = c - 'a' + 10;
        else if (c >= 'A' && c <= 'F') d = c - 'A' + 10;
        else return -1;
        v = v * 16 + d;
    }
    return v;
}

static inline int put_utf8(unsigned char *d, long cp) {
    if (cp < 0x80) {
        d[0] = (unsigned char)cp;
        return 1;
    }
    if (cp < 0x800) {
        d[0] = (unsigned char)(0xC0 | (cp >> 6));
        d[1] = (unsigned char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        d[0] = (unsigned char)(0xE0 | (cp >> 12));
        d[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
        d[2] = (unsigned char)(0x80 | (cp & 0x3F));
        return 3;
    }
    d[0] = (unsigned char)(0xF0 | (cp >> 18));
    d[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3F));
    d[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
    d[3] = (unsigned char)(0x80 | (cp & 0x3F));
    return 4;
}

/* A \uXXXX escape (surrogate pairs joined) at p (p[1] == 'u'); the code point or -J_*. */
static inline long unicode_escape(Ptr *pp, Ptr end) {
    Ptr p = *pp;
    if (end - p < 6) return -J_CUT;
    long cp = hex4(p + 2);
    if (cp < 0) return -J_REFUSE;
    p += 6;
    if (cp >= 0xDC00 && cp <= 0xDFFF) return -J_REFUSE; /* lone low surrogate */
    if (cp >= 0xD800 && cp <= 0xDBFF) {
        if (end - p < 6) return -J_CUT;
        long low = (p[0] == '\\' && p[1] == 'u') ? hex4(p + 2) : -1;
        if (low < 0xDC00 || low > 0xDFFF) return -J_REFUSE; /* lone high surrogate */
        cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
        p += 6;
    }
    *pp = p;
    return cp;
}

/*
 * The string whose opening quote *pp has just passed: validated, and decoded into dst
 * unless dst is NULL (it needs at most as many bytes as the escaped text). *pp moves past
 * the closing quote; *len is the decoded length; *escaped is set when it had an escape.
 */
static int string(Ptr *pp, Ptr end, unsigned char *dst, Py_ssize_t *len, int *escaped) {
    Ptr p = *pp;
    unsigned char *d = dst;
    for (;;) {
        p = dst ? copy_run(p, end, &d) : special(p, end);
        if (p >= end) return J_CUT;
        unsigned char c = *p;
        if (c == '"') break;
        if (c == '\\') {
            if (escaped) *escaped = 1;
            if (end - p < 2) return J_CUT;
            unsigned char out;
            switch (p[1]) {
            case '"': out = '"'; break;
            case '\\': out = '\\'; break;
            case '/': out = '/'; break;
            case 'b': out = '\b'; break;
            case 'f': out = '\f'; break;
            case 'n': out = '\n'; break;
            case 'r': out = '\r'; break;
            case 't': out = '\t'; break;
            case 'u': {
                long cp = unicode_escape(&p, end);
                if (cp < 0) return (int)-cp;
                if (dst) d += put_utf8(d, cp);
                continue;
            }
            default: return J_REFUSE;
            }
            if (dst) *d++ = out;
            p += 2;
            continue;
        }
        if (c < 0x20) return J_REFUSE; /* raw control character (strict JSON) */
        int n = utf8_seq(p, end);
        if (n <= 0) return n == 0 ? J_REFUSE : J_CUT;
        if (dst) {
            memcpy(d, p, (size_t)n);
            d += n;
        }
        p += n;
    }
    *pp = p + 1;
    if (len) *len = d - dst;
    return J_OK;
}

static inline int is_digit(unsigned char c) { return c >= '0' && c <= '9'; }

/*
 * The value of the 8 ASCII digits at p (read as one little-endian word, converted in
 * three multiplications), or UINT64_MAX when any of the 8 bytes is no digit.
 */
static inline uint64_t eight_digits(Ptr p) {
    uint64_t x;
    memcpy(&x, p, 8);
    /* every byte 0x30..0x39: high nibble 3, and adding 6 does not carry into it */
    if ((x & 0xF0F0F0F0F0F0F0F0ULL) != 0x3030303030303030ULL ||
        ((x + 0x0606060606060606ULL) & 0xF0F0F0F0F0F0F0F0ULL) != 0x3030303030303030ULL) {
        return UINT64_MAX;
    }
    x = (x & 0x0F0F0F0F0F0F0F0FULL) * 2561 >> 8;
    x = (x & 0x00FF00FF00FF00FFULL) * 6553601 >> 16;
    return (x & 0x0000FFFF0000FFFFULL) * 42949672960001ULL >> 32;
}

/*
 * A number at *pp. *kind: 0 an integer that fits int64 (*value), 1 a larger integer,
 * 2 a fraction or exponent (Python makes it a float).
 */
static int number(Ptr *pp, Ptr end, int64_t *value, int *kind) {
    Ptr p = *pp, start = p;
    int neg = 0, frac = 0;
    if (p < end && *p == '-') {
        neg = 1;
        p++;
    }
    if (p >= end) return J_CUT;
    /* The integer part is read and accumulated in one pass (its first 19 digits). */
    uint64_t v = 0;
    if (*p == '0') p++;
    else if (*p >= '1' && *p <= '9') {
        Ptr stop = end - p > 19 ? p + 19 : end;
        uint64_t eight;
        while (stop - p >= 8 && (eight = eight_digits(p)) != UINT64_MAX) {
            v = v * 100000000 + eight;
            p += 8;
        }
        while (p < stop && is_digit(*p)) v = v * 10 + (uint64_t)(*p++ - '0');
        while (p < end && is_digit(*p)) p++;
    } else return J_REFUSE;
    Ptr int_end = p;
    if (p < end && *p == '.') {
        p++;
        if (p >= end) return J_CUT;
        if (!is_digit(*p)) return J_REFUSE;
        while (p < end && is_digit(*p)) p++;
        frac = 1;
    }
    if (p < end && (*p == 'e' || *p == 'E')) {
        p++;
        if (p < end && (*p == '+' || *p == '-')) p++;
        if (p >= end) return J_CUT;
        if (!is_digit(*p)) return J_REFUSE;
        while (p < end && is_digit(*p)) p++;
        frac = 1;
    }
    if (p >= end) return J_CUT; /* numbers sit inside objects here: more must follow */
    if (p - start > MAX_NUMBER) return J_REFUSE; /* Python refuses huge integers */
    *pp = p;
    *kind = frac ? 2 : 0;
    if (frac) return J_OK;
    Ptr digits = start + neg;
    if (int_end - digits > 19) {
        *kind = 1;
        return J_OK;
    }
    if (v > (uint64_t)INT64_MAX + (uint64_t)neg) {
        *kind = 1;
        return J_OK;
    }
    *value = neg ? (int64_t)(0 - v) : (int64_t)v;
    return J_OK;
}

static int literal(Ptr *pp, Ptr end, const char *word, size_t len) {
    size_t have = (size_t)(end - *pp) < len ? (size_t)(end - *pp) : len;
    if (memcmp(*pp, word, have) != 0) return J_REFUSE;
    if (have < len) return J_CUT;
    *pp += len;
    return J_OK;
}

static int skip_value(Ptr *pp, Ptr end, int depth);

/* After a member or an element: ',' (*more = 1) or the closing byte (*more = 0). */
static inline int after_item(Ptr *pp, Ptr end, unsigned char close, int *more) {
    Ptr p = ws(*pp, end);
    if (p >= end) return J_CUT;
    if (*p == ',') *more = 1;
    else if (*p == close) *more = 0;
    else return J_REFUSE;
    *pp = ws(p + 1, end);
    if (*more && *pp >= end) return J_CUT;
    return J_OK;
}

/*
 * A key at *pp (ws skipped) and its ':'; *pp moves to the value (ws skipped). The key's
 * bytes are [*key, *key + *klen); *escaped says whether it had escapes.
 */
static int key(Ptr *pp, Ptr end, Ptr *k, Py_ssize_t *klen, int *escaped) {
    Ptr p = *pp;
    if (p >= end) return J_CUT;
    if (*p != '"') return J_REFUSE;
    *k = ++p;
    *escaped = 0;
    int plain = 0;
#ifdef __SSE2__
    /* Keys are short and plain: one 16-byte probe finds the closing quote of most of them
       (no escape, control or non-ASCII byte before it); string() reads the others. */
    if (end - p >= 16) {
        int bits = special_bits(_mm_loadu_si128((const __m128i *)p));
        if (bits) {
            Ptr q = p + __builtin_ctz((unsigned)bits);
            if (*q == '"') {
                p = q + 1;
                plain = 1;
            }
        }
    }
#endif
    if (!plain) {
        int r = string(&p, end, NULL, NULL, escaped);
        if (r != J_OK) return r;
    }
    *klen = p - 1 - *k;
    p = ws(p, end);
    if (p >= end) return J_CUT;
    if (*p != ':') return J_REFUSE;
    p = ws(p + 1, end);
    if (p >= end) return J_CUT;
    *pp = p;
    return J_OK;
}

#define KEY_IS(k, klen, lit) ((klen) == (Py_ssize_t)sizeof(lit) - 1 && memcmp((k), (lit), (klen)) == 0)

/* Past the opening byte at *pp: *more says whether a member or element follows. */
static inline int open_container(Ptr *pp, Ptr end, unsigned char close, int *more) {
    Ptr p = ws(*pp + 1, end);
    if (p >= end) return J_CUT;
    *more = *p != close;
    *pp = *more ? p : p + 1;
    return J_OK;
}

/* A key the reader looks up (no escapes: refused otherwise) and its ':'. */
static inline int plain_key(Ptr *pp, Ptr end, Ptr *k, Py_ssize_t *klen) {
    int esc, r = key(pp, end, k, klen, &esc);
    return r != J_OK ? r : esc ? J_REFUSE : J_OK;
}

/* An object or array whose opening byte is at *pp, validated and skipped. */
static int skip_container(Ptr *pp, Ptr end, int depth) {
    if (depth > MAX_DEPTH) return J_REFUSE;
    unsigned char close = **pp == '{' ? '}' : ']';
    Ptr p = *pp;
    int more, r;
    if ((r = open_container(&p, end, close, &more)) != J_OK) return r;
    while (more) {
        if (close == '}') {
            Ptr k;
            Py_ssize_t klen;
            int esc;
            if ((r = key(&p, end, &k, &klen, &esc)) != J_OK) return r;
        }
        if ((r = skip_value(&p, end, depth)) != J_OK) return r;
        if ((r = after_item(&p, end, close, &more)) != J_OK) return r;
    }
    *pp = p;
    return J_OK;
}

/* Any JSON value at *pp (ws skipped), validated and skipped; depth: of its container. */
static int skip_value(Ptr *pp, Ptr end, int depth) {
    Ptr p = *pp;
    int r, kind;
    int64_t v;
    if (p >= end) return J_CUT;
    switch (*p) {
    case '"':
        p++;
        r = string(&p, end, NULL, NULL, NULL);
        break;
    case '{':
    case '[': r = skip_container(&p, end, depth + 1); break;
    case 't': r = literal(&p, end, "true", 4); break;
    case 'f': r = literal(&p, end, "false", 5); break;
    case 'n': r = literal(&p, end, "null", 4); break;
    default:
        if (*p != '-' && !is_digit(*p)) return J_REFUSE;
        r = number(&p, end, &v, &kind);
    }
    if (r == J_OK) *pp = p;
    return r;
}

/* ------------------------------------------------------------------ payloads --------- */

/* A string value decoded into buf at *used (capacity cap); its span in *off, *len. */
static int string_into(Ptr *pp, Ptr end, unsigned char *buf, Py_ssize_t used, Py_ssize_t cap,
                       Py_ssize_t *len) {
    if (cap - used < end - *pp) return J_FULL; /* decoded text is never longer */
    (*pp)++;
    int escaped = 0;
    return string(pp, end, buf + used, len, &escaped);
}

/* One element of logEvents (an object at *pp); adds its row or counts it invalid. */
static int event(Ptr *pp, Ptr end, int depth, Out *o, int64_t *invalid) {
    Ptr p = *pp, k;
    int seen_msg = 0, seen_id = 0, seen_ts = 0, has_msg = 0, has_id = 0, has_ts = 0, r;
    int more, kind;
    Py_ssize_t msg_len = 0, id_len = 0, klen;
    int64_t ts = 0;
    if (depth > MAX_DEPTH) return J_REFUSE;
    if ((r = open_container(&p, end, '}', &more)) != J_OK) return r;
    while (more) {
        if ((r = plain_key(&p, end, &k, &klen)) != J_OK) return r;
        if (KEY_IS(k, klen, "message")) {
            if (seen_msg++) return J_REFUSE;
            if (*p == '"') {
                r = string_into(&p, end, o->msg, o->msg_len, o->msg_cap, &msg_len);
                has_msg = 1;
            } else {
                r = skip_value(&p, end, depth);
            }
        } else if (KEY_IS(k, klen, "id")) {
            if (seen_id++) return J_REFUSE;
            if (*p == '"') {
                r = string_into(&p, end, o->ids, o->id_len, o->id_cap, &id_len);
                has_id = 1;
            } else {
                r = skip_value(&p, end, depth);
            }
        } else if (KEY_IS(k, klen, "timestamp")) {
            if (seen_ts++) return J_REFUSE;
            if (*p == '"') return J_REFUSE; /* ISO text: Python parses it */
            if (*p == '-' || is_digit(*p)) {
                r = number(&p, end, &ts, &kind);
                if (r == J_OK && kind == 2) return J_REFUSE; /* a float: Python truncates */
                has_ts = r == J_OK && kind == 0;           /* past int64: no timestamp */
            } else {
                r = skip_value(&p, end, depth); /* true, null, ...: no timestamp */
            }
        } else {
            r = skip_value(&p, end, depth);
        }
        if (r != J_OK) return r;
        if ((r = after_item(&p, end, '}', &more)) != J_OK) return r;
    }
    *pp = p;
    if (!has_msg) {
        (*invalid)++;
        return J_OK;
    }
    if (o->rows >= o->row_cap) return J_FULL;
    Py_ssize_t row = o->rows++;
    while (msg_len > 0 && o->msg[o->msg_len + msg_len - 1] == '\n') msg_len--; /* rtrim \n */
    o->msg_len += msg_len;
    o->msg_off[row + 1] = (int32_t)o->msg_len;
    o->ts[row] = has_ts ? ts : 0;
    o->ts_ok[row] = (unsigned char)has_ts;
    if (has_id) o->id_len += id_len;
    o->id_off[row + 1] = (int32_t)o->id_len;
    o->id_ok[row] = (unsigned char)has_id;
    return J_OK;
}

/* The logEvents array at *pp: every element, objects as events, others counted invalid. */
static int events(Ptr *pp, Ptr end, int depth, Out *o, int64_t *invalid) {
    Ptr p = *pp;
    int more, r;
    if ((r = open_container(&p, end, ']', &more)) != J_OK) return r;
    while (more) {
        if (*p == '{') {
            r = event(&p, end, depth + 1, o, invalid);
        } else {
            r = skip_value(&p, end, depth);
            (*invalid)++;
        }
        if (r != J_OK) return r;
        if ((r = after_item(&p, end, ']', &more)) != J_OK) return r;
    }
    *pp = p;
    return J_OK;
}

/* A name (log group or stream) into o->names, shared with the previous payload if equal. */
static int name(Ptr *pp, Ptr end, Out *o, int64_t *info, int column) {
    if (**pp != '"') {
        info[column + 1] = -1;
        return skip_value(pp, end, 1);
    }
    Py_ssize_t len;
    int r = string_into(pp, end, o->names, o->names_len, o->names_cap, &len);
    if (r != J_OK) return r;
    info[column] = o->names_len;
    info[column + 1] = len;
    if (o->pays > 0) {
        int64_t *prev = o->info + (o->pays - 1) * INFO_WIDTH;
        if (prev[column + 1] == len &&
            memcmp(o->names + prev[column], o->names + o->names_len, (size_t)len) == 0) {
            info[column] = prev[column];
            return J_OK;
        }
    }
    o->names_len += len;
    return J_OK;
}

/* One payload object at *pp into o (rows, and info: status and counts, not the span). */
static int payload(Ptr *pp, Ptr end, Out *o, int64_t *info) {
    Ptr p = *pp, k;
    int seen[4] = {0, 0, 0, 0}, is_data = 0, more, r, esc;
    Py_ssize_t rows = o->rows, klen;
    int64_t invalid = 0;
    info[6] = info[8] = 0;
    info[7] = info[9] = -1;
    if ((r = open_container(&p, end, '}', &more)) != J_OK) return r;
    while (more) {
        if ((r = plain_key(&p, end, &k, &klen)) != J_OK) return r;
        if (KEY_IS(k, klen, "messageType")) {
            if (seen[0]++) return J_REFUSE;
            if (*p == '"') {
                Ptr v = p + 1;
                esc = 0;
                p++;
                if ((r = string(&p, end, NULL, NULL, &esc)) != J_OK) return r;
                if (esc) return J_REFUSE;
                is_data = p - 1 - v == 12 && memcmp(v, "DATA_MESSAGE", 12) == 0;
            } else {
                r = skip_value(&p, end, 1);
            }
        } else if (KEY_IS(k, klen, "logGroup")) {
            if (seen[1]++) return J_REFUSE;
            r = name(&p, end, o, info, 6);
        } else if (KEY_IS(k, klen, "logStream")) {
            if (seen[2]++) return J_REFUSE;
            r = name(&p, end, o, info, 8);
        } else if (KEY_IS(k, klen, "logEvents")) {
            if (seen[3]++) return J_REFUSE;
            if (*p == '[') r = events(&p, end, 2, o, &invalid);
            else if (*p == 'n') r = literal(&p, end, "null", 4);
            else return J_REFUSE; /* Python iterates other values in its own ways */
        } else {
            r = skip_value(&p, end, 1);
        }
        if (r != J_OK) return r;
        if ((r = after_item(&p, end, '}', &more)) != J_OK) return r;
    }
    *pp = p;
    if (!is_data) {
        /* CONTROL_MESSAGE and the like: no events, nothing counted */
        o->rows = rows;
        o->msg_len = o->msg_off[rows];
        o->id_len = o->id_off[rows];
        invalid = 0;
    }
    info[0] = is_data ? P_DATA : P_OTHER;
    info[4] = o->rows - rows;
    info[5] = invalid;
    return J_OK;
}

/* The end of the object starting at start (strings respected, nothing validated), or NULL. */
static Ptr object_end(Ptr p, Ptr end) {
    Py_ssize_t depth = 0;
    for (; p < end; p++) {
        unsigned char c = *p;
        if (c == '"') {
            for (p++; p < end && *p != '"'; p++) {
                if (*p == '\\') p++;
            }
            if (p >= end) return NULL;
        } else if (c == '{' || c == '[') {
            depth++;
        } else if ((c == '}' || c == ']') && --depth == 0) {
            return p + 1;
        }
    }
    return NULL;
}

/* Parses (data) and writable output buffers; -1 with an exception set. */
static int out_buffers(PyObject **objs, Buf *b, Out *o) {
    static const char *const names[9] = {"msg", "msg_off", "ts", "ts_ok", "ids",
                                         "id_off", "id_ok", "names", "info"};
    for (int i = 0; i < 9; i++) {
        if (get_buf(objs[i], &b[i], 1, 0, names[i]) < 0) return -1;
    }
    o->msg = b[0].view.buf;
    o->msg_cap = b[0].view.len;
    o->msg_off = b[1].view.buf;
    o->ts = b[2].view.buf;
    o->ts_ok = b[3].view.buf;
    o->ids = b[4].view.buf;
    o->id_cap = b[4].view.len;
    o->id_off = b[5].view.buf;
    o->id_ok = b[6].view.buf;
    o->names = b[7].view.buf;
    o->names_cap = b[7].view.len;
    o->info = b[8].view.buf;
    o->pay_cap = b[8].view.len / (8 * INFO_WIDTH);
    Py_ssize_t cap = b[1].view.len / 4 - 1;
    if (b[2].view.len / 8 < cap) cap = b[2].view.len / 8;
    if (b[3].view.len < cap) cap = b[3].view.len;
    if (b[5].view.len / 4 - 1 < cap) cap = b[5].view.len / 4 - 1;
    if (b[6].view.len < cap) cap = b[6].view.len;
    if (cap < 0) {
        PyErr_SetString(PyExc_ValueError, "offset arrays need at least one element");
        return -1;
    }
    o->row_cap = cap;
    o->msg_off[0] = o->id_off[0] = 0;
    o->msg_len = o->id_len = o->names_len = o->rows = o->pays = 0;
    return 0;
}

/*
 * One payload at p (ws skipped, a '{') of item `item`, recorded in o. Returns J_OK
 * (recorded, *next past it), J_FULL (nothing recorded) or, when it is refused, J_REFUSE
 * with the payload recorded as refused up to refused_end (NULL: J_CUT, nothing recorded).
 */
static int one(Ptr base, Ptr p, Ptr end, Ptr refused_end, int single, Py_ssize_t item, Out *o,
               Ptr *next) {
    if (o->pays >= o->pay_cap) return J_FULL;
    int64_t *info = o->info + o->pays * INFO_WIDTH;
    Py_ssize_t rows = o->rows, msg_len = o->msg_len, id_len = o->id_len;
    Py_ssize_t names_len = o->names_len;
    Ptr q = p;
    int r = p < end && *p == '{' ? payload(&q, end, o, info) : J_REFUSE;
    if (r == J_OK && single && ws(q, end) != end) r = J_REFUSE; /* "Extra data" */
    if (r != J_OK) {
        o->rows = rows; /* nothing of this payload is kept */
        o->msg_len = msg_len;
        o->id_len = id_len;
        o->names_len = names_len;
        if (r == J_FULL) return J_FULL;
        if (refused_end == NULL) refused_end = object_end(p, end);
        if (refused_end == NULL) return J_CUT;
        memset(info, 0, INFO_WIDTH * sizeof *info);
        info[0] = P_REFUSED;
        info[7] = info[9] = -1;
        q = refused_end;
    }
    info[1] = item;
    info[2] = p - base;
    info[3] = q - base;
    o->pays++;
    *next = q;
    return r == J_OK ? J_OK : J_REFUSE;
}

const char scan_payload_events_doc[] =
    "payload_events(items, sequence, first_item, first_pos, msg, msg_off, ts, ts_ok, ids,\n"
    "               id_off, id_ok, names, info, row_limit=-1) -> (payloads, rows, stop, item, pos)\n\n"
    "The CloudWatch Logs subscription payloads of items (buffers), from item first_item at\n"
    "byte first_pos: each item is one payload, or with sequence payloads written back to\n"
    "back (JSON whitespace between: Firehose). Events go to msg/msg_off (decoded message\n"
    "bytes, trailing newlines cut; int32 offsets), ts/ts_ok (int64, bool), ids/id_off/id_ok;\n"
    "per payload one int64 row of 10 in info: status (0 DATA_MESSAGE, 1 no events, 2 refused:\n"
    "decode it in Python), item, start, end, events, invalid events, log group offset and\n"
    "length in names (-1: not a string), log stream offset and length. stop: 0 all read,\n"
    "1 an object is cut at (item, pos), 2 something else than an object is at (item, pos),\n"
    "3 an output is full: call again from (item, pos), 4 (one payload per item only) the\n"
    "item that took the rows to row_limit or more is read, the next is item.";

PyObject *scan_payload_events(PyObject *self, PyObject *args) {
    (void)self;
    PyObject *items, *objs[9];
    int sequence;
    Py_ssize_t item, pos, row_limit = -1;
    if (!PyArg_ParseTuple(args, "OpnnOOOOOOOOO|n", &items, &sequence, &item, &pos, &objs[0],
                          &objs[1], &objs[2], &objs[3], &objs[4], &objs[5], &objs[6], &objs[7],
                          &objs[8], &row_limit)) {
        return NULL;
    }
    if (!PyList_Check(items)) {
        PyErr_SetString(PyExc_TypeError, "items must be a list");
        return NULL;
    }
    Buf b[10];
    Out o;
    memset(b, 0, sizeof b);
    if (out_buffers(objs, b, &o) < 0) {
        release(b, 10);
        return NULL;
    }
    int stop = S_END;
    Py_ssize_t count = PyList_GET_SIZE(items);
    for (; item < count; item++, pos = 0) {
        if (get_buf(PyList_GET_ITEM(items, item), &b[9], 0, 0, "item") < 0) {
            release(b, 10);
            return NULL;
        }
        Ptr base = b[9].view.buf, end = base + b[9].view.len;
        Ptr p = base + (pos < b[9].view.len ? pos : b[9].view.len), next = NULL;
        if (!sequence) {
            /* one payload per item: refused whole when it is anything else */
            int r = one(base, ws(p, end), end, end, 1, item, &o, &next);
            if (r == J_FULL) {
                stop = S_FULL;
            } else if (row_limit >= 0 && o.rows >= row_limit && item + 1 < count) {
                release(b + 9, 1);
                item++;
                pos = 0;
                stop = S_LIMIT;
                break;
            }
        } else {
            for (;;) {
                p = ws(p, end);
                if (p >= end) break;
                if (*p != '{') {
                    stop = S_ODD;
                    break;
                }
                int r = one(base, p, end, NULL, 0, item, &o, &next);
                if (r == J_FULL || r == J_CUT) {
                    stop = r == J_FULL ? S_FULL : S_CUT;
                    break;
                }
                p = next;
            }
            pos = p - base;
        }
        release(b + 9, 1);
        if (stop != S_END) break;
    }
    release(b, 9);
    return Py_BuildValue("nninn", o.pays, o.rows, stop, item, stop == S_END ? 0 : pos);
}

/* ------------------------------------------------------------------ envelopes -------- */

/* The "data" string of {"awslogs": {"data": "..."}} at *pp: [*d0, *d1) or J_REFUSE. */
static int envelope(Ptr p, Ptr end, Ptr *d0, Ptr *d1) {
    int seen_awslogs = 0, more;
    Ptr k;
    Py_ssize_t klen;
    *d0 = NULL;
    p = ws(p, end);
    if (p >= end || *p != '{' || open_container(&p, end, '}', &more) != J_OK) return J_REFUSE;
    while (more) {
        if (plain_key(&p, end, &k, &klen) != J_OK) return J_REFUSE;
        if (KEY_IS(k, klen, "awslogs")) {
            int seen_data = 0, inner;
            if (seen_awslogs++ || *p != '{') return J_REFUSE;
            if (open_container(&p, end, '}', &inner) != J_OK) return J_REFUSE;
            while (inner) {
                if (plain_key(&p, end, &k, &klen) != J_OK) return J_REFUSE;
                if (KEY_IS(k, klen, "data")) {
                    if (seen_data++ || *p != '"') return J_REFUSE;
                    Ptr v = p + 1, q = special(v, end);
                    if (q >= end || *q != '"') return J_REFUSE; /* escapes or non-ASCII */
                    *d0 = v;
                    *d1 = q;
                    p = q + 1;
                } else if (skip_value(&p, end, 2) != J_OK) {
                    return J_REFUSE;
                }
                if (after_item(&p, end, '}', &inner) != J_OK) return J_REFUSE;
            }
        } else if (skip_value(&p, end, 1) != J_OK) {
            return J_REFUSE;
        }
        if (after_item(&p, end, '}', &more) != J_OK) return J_REFUSE;
    }
    if (*d0 == NULL || ws(p, end) != end) return J_REFUSE;
    return J_OK;
}

const char scan_envelopes_doc[] =
    "envelopes(data, newlines, status, start, end, decoded) -> None\n\n"
    "The lines of a block of a subscription file (newlines: int64 positions of their ends):\n"
    "status (int8) 0 for a blank line, 2 for anything but {\"awslogs\": {\"data\": \"...\"}}\n"
    "with a plain ASCII data string (Python reads it), 1 when that string is strict base64:\n"
    "its bytes are decoded into decoded (uint8, as long as data) at [start, end), 3 when it\n"
    "is not (Python decodes [start, end) of data).";

/* Standard base64 alphabet; 64 for '=', 255 for anything else. */
static unsigned char B64[256];
static int b64_ready;

static void b64_table(void) {
    b64_ready = 1;
    static const char alphabet[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    memset(B64, 255, sizeof B64);
    for (int i = 0; i < 64; i++) B64[(unsigned char)alphabet[i]] = (unsigned char)i;
    B64['='] = 64;
}

/*
 * Strict base64 (length a multiple of 4, '=' only as the last one or two characters) of
 * [p, end) into out; its length, or -1 for anything else (Python's lenient decoder then
 * decides). For strict input Python's decoder gives the same bytes.
 */
static Py_ssize_t b64_decode(Ptr p, Ptr end, unsigned char *out) {
    Py_ssize_t len = end - p;
    if (len % 4) return -1;
    unsigned char *o = out;
    for (; p < end; p += 4) {
        unsigned a = B64[p[0]], b = B64[p[1]], c = B64[p[2]], d = B64[p[3]];
        if ((a | b | c | d) < 64) {
            *o++ = (unsigned char)(a << 2 | b >> 4);
            *o++ = (unsigned char)(b << 4 | c >> 2);
            *o++ = (unsigned char)(c << 6 | d);
            continue;
        }
        if (p + 4 != end || a >= 64 || b >= 64) return -1;
        if (c == 64 && d == 64) {
            *o++ = (unsigned char)(a << 2 | b >> 4);
        } else if (c < 64 && d == 64) {
            *o++ = (unsigned char)(a << 2 | b >> 4);
            *o++ = (unsigned char)(b << 4 | c >> 2);
        } else {
            return -1;
        }
    }
    return o - out;
}

PyObject *scan_envelopes(PyObject *self, PyObject *args) {
    (void)self;
    PyObject *objs[6];
    Buf b[6];
    if (!PyArg_ParseTuple(args, "OOOOOO", &objs[0], &objs[1], &objs[2], &objs[3], &objs[4],
                          &objs[5])) {
        return NULL;
    }
    memset(b, 0, sizeof b);
    for (int i = 0; i < 6; i++) {
        if (get_buf(objs[i], &b[i], i > 1, 0, "buffer") < 0) {
            release(b, 6);
            return NULL;
        }
    }
    if (!b64_ready) b64_table();
    unsigned char *decoded = b[5].view.buf;
    Ptr data = b[0].view.buf;
    const int64_t *nl = b[1].view.buf;
    signed char *status = b[2].view.buf;
    int64_t *d_start = b[3].view.buf, *d_end = b[4].view.buf;
    Py_ssize_t n = b[1].view.len / 8;
    if (b[2].view.len < n || b[3].view.len / 8 < n || b[4].view.len / 8 < n ||
        b[5].view.len < b[0].view.len) {
        release(b, 6);
        PyErr_SetString(PyExc_ValueError, "output arrays shorter than newlines");
        return NULL;
    }
    int64_t start = 0;
    for (Py_ssize_t i = 0; i < n; i++) {
        int64_t stop = nl[i];
        if (stop < start || stop > b[0].view.len) {
            release(b, 6);
            PyErr_SetString(PyExc_ValueError, "newline positions out of order");
            return NULL;
        }
        Ptr p = data + start, end = data + stop, q = p;
        /* blank as bytes.strip() sees it: space, \t, \n, \r, \v, \f */
        while (q < end && (*q == ' ' || (*q >= '\t' && *q <= '\r'))) q++;
        Ptr d0 = NULL, d1 = NULL;
        if (q == end) {
            status[i] = 0;
        } else if (envelope(p, end, &d0, &d1) == J_OK) {
            /* decoded bytes are shorter than their text: written over the line's own room */
            Py_ssize_t len = b64_decode(d0, d1, decoded + start);
            status[i] = len < 0 ? 3 : 1;
            d_start[i] = len < 0 ? d0 - data : start;
            d_end[i] = len < 0 ? d1 - data : start + len;
        } else {
            status[i] = 2;
        }
        start = stop + 1;
    }
    release(b, 6);
    Py_RETURN_NONE;
}
