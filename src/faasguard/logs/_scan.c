/*
 * faasguard.logs._scan: one pass per block over Lambda log lines, in C.
 *
 * The optional native half of faasguard/logs/parse.py. It does what the numpy byte probes
 * do there, without a numpy/Arrow call per step: it splits a block of
 * "<ISO timestamp> <message>" lines (timestamps, message bytes) and classifies messages,
 * extracting the fields of the usual Lambda shapes (text and JSON START/END/REPORT/
 * INIT_START, request ids, JSON metrics) and flagging error-level candidates.
 *
 * Contract (the same as the probes'): for every row it either gives exactly what the RE2
 * expressions of parse.py give, or marks the row undecided so that Python runs those
 * expressions on it. Anything unusual (a number that is not plain decimal, a timeout or
 * runtime-exit line, a lone "R" line) is left undecided. tests/logs/test_logs_native.py
 * checks row for row against the expressions, on generated logs and mutated lines.
 *
 * No numpy C API: callers pass preallocated numpy arrays through the buffer protocol.
 * The code never reads outside [start, end) of a row.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <math.h>
#include <stdint.h>
#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

enum { K_UNKNOWN = 0, K_START = 1, K_END = 2, K_REPORT = 3, K_INIT = 4, K_APP = 6 };

#define TS_WIDTH 24

#include "_scan.h"

/* ------------------------------------------------------------------ bytes ------------ */

/* RE2's \s: tab, newline, form feed, carriage return, space (not vertical tab). */
static inline int is_space(unsigned char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\f' || c == '\r';
}
static inline int is_digit(unsigned char c) { return c >= '0' && c <= '9'; }
static inline int is_decimal(unsigned char c) { return is_digit(c) || c == '.'; }
/* [0-9a-f-] by table: request ids are read a byte at a time. */
static const unsigned char RID[256] = {
    ['-'] = 1, ['0'] = 1, ['1'] = 1, ['2'] = 1, ['3'] = 1, ['4'] = 1, ['5'] = 1, ['6'] = 1,
    ['7'] = 1, ['8'] = 1, ['9'] = 1, ['a'] = 1, ['b'] = 1, ['c'] = 1, ['d'] = 1, ['e'] = 1,
    ['f'] = 1,
};
static inline int is_rid(unsigned char c) { return RID[c]; }
static inline int is_word(unsigned char c) {
    return is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

/* Does [p, end) start with the literal? */
static inline int has(const unsigned char *p, const unsigned char *end, const char *lit,
                      size_t len) {
    return (size_t)(end - p) >= len && memcmp(p, lit, len) == 0;
}
#define HAS(p, end, lit) has((p), (end), (lit), sizeof(lit) - 1)

/*
 * memmem(p, end - p, lit, len) for the short literals searched here (len >= 2): the
 * leftmost match or NULL. Sixteen candidate starts at a time keep those whose first and
 * last bytes match (loads stay inside [p, end)), then compare the middle; glibc's generic
 * memmem costs several times more on lines of a few hundred bytes.
 */
static const unsigned char *find(const unsigned char *p, const unsigned char *end,
                                 const char *lit, size_t len) {
    if (len < 2 || (size_t)(end - p) < len) return NULL;
    const unsigned char first = (unsigned char)lit[0], last = (unsigned char)lit[len - 1];
    const unsigned char *stop = end - len + 1; /* candidate starts are [p, stop) */
#ifdef __SSE2__
    const __m128i vf = _mm_set1_epi8((char)first), vl = _mm_set1_epi8((char)last);
    while (stop - p >= 16) { /* p + 15 + len - 1 < end: both loads are inside */
        __m128i a = _mm_cmpeq_epi8(_mm_loadu_si128((const __m128i *)p), vf);
        __m128i b = _mm_cmpeq_epi8(_mm_loadu_si128((const __m128i *)(p + len - 1)), vl);
        unsigned bits = (unsigned)_mm_movemask_epi8(_mm_and_si128(a, b));
        while (bits) {
            int k = __builtin_ctz(bits);
            if (memcmp(p + k + 1, lit + 1, len - 2) == 0) return p + k;
            bits &= bits - 1;
        }
        p += 16;
    }
#endif
    for (; p < stop; p++) {
        if (*p == first && p[len - 1] == last && memcmp(p + 1, lit + 1, len - 2) == 0) return p;
    }
    return NULL;
}

static inline const unsigned char *skip_spaces(const unsigned char *p,
                                               const unsigned char *end) {
    while (p < end && is_space(*p)) p++;
    return p;
}

/* ------------------------------------------------------------------ numbers ---------- */

static const double POW10[23] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                 1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
                                 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};

/*
 * A run of [0-9.] as Arrow's string->float64 cast reads it, for the plain shapes only:
 * digits with at most one dot that has a digit on each side. Returns 0 and sets *out, or -1
 * when the run is anything else (then the row is left to Python, which knows the rest).
 * Correctly rounded like Arrow's parser: an exact integer mantissa below 2^53 divided by an
 * exact power of ten is one correctly rounded IEEE operation; longer numbers go through
 * CPython's own correctly rounded, locale-independent conversion.
 */
static int decimal_value(const unsigned char *p, Py_ssize_t len, double *out) {
    if (len < 1 || len > 40) return -1;
    uint64_t mantissa = 0;
    int digits = 0, fraction = -1, dot = -1;
    for (Py_ssize_t i = 0; i < len; i++) {
        unsigned char c = p[i];
        if (c == '.') {
            if (dot >= 0 || i == 0 || i == len - 1) return -1;
            dot = (int)i;
            fraction = 0;
            continue;
        }
        if (!is_digit(c)) return -1;
        if (digits < 19) mantissa = mantissa * 10 + (uint64_t)(c - '0');
        digits++;
        if (fraction >= 0) fraction++;
    }
    if (fraction < 0) fraction = 0;
    if (digits <= 15 && fraction <= 22) {
        *out = (double)mantissa / POW10[fraction];
        return 0;
    }
    char text[48];
    memcpy(text, p, (size_t)len);
    text[len] = 0;
    double value = PyOS_string_to_double(text, NULL, NULL);
    if (value == -1.0 && PyErr_Occurred()) {
        PyErr_Clear();
        return -1;
    }
    *out = value;
    return 0;
}

/* ------------------------------------------------------------------ timestamps ------- */

static const int MONTH_DAYS[13] = {0, 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};

/* parse.py's _iso_ms_rows for one row: epoch ms of YYYY-MM-DDTHH:MM:SS.mmmZ, validity. */
static int iso_ms(const unsigned char *s, int64_t *out) {
    static const int digit_at[17] = {0, 1, 2, 3, 5, 6, 8, 9, 11, 12, 14, 15, 17, 18, 20, 21, 22};
    for (int i = 0; i < 17; i++) {
        if (!is_digit(s[digit_at[i]])) return 0;
    }
    if (s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':' || s[16] != ':' ||
        s[19] != '.' || s[23] != 'Z') {
        return 0;
    }
#define D(i) ((int64_t)(s[i] - '0'))
    int64_t year = D(0) * 1000 + D(1) * 100 + D(2) * 10 + D(3);
    int64_t month = D(5) * 10 + D(6);
    int64_t day = D(8) * 10 + D(9);
    int64_t hour = D(11) * 10 + D(12);
    int64_t minute = D(14) * 10 + D(15);
    int64_t second = D(17) * 10 + D(18);
    int64_t millis = D(20) * 100 + D(21) * 10 + D(22);
#undef D
    if (month < 1 || month > 12 || day < 1 || hour >= 24 || minute >= 60 || second >= 60) {
        return 0;
    }
    if (day > MONTH_DAYS[month]) return 0;
    int leap = (year % 4 == 0) && ((year % 100 != 0) || (year % 400 == 0));
    if (month == 2 && day == 29 && !leap) return 0;
    /* Hinnant's days_from_civil (year >= 0 here, so / and % are floor operations). */
    int64_t y = year - (month <= 2);
    int64_t era = y / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    int64_t days = era * 146097 + doe - 719468;
    *out = ((days * 24 + hour) * 60 + minute) * 60000 + second * 1000 + millis;
    return 1;
}

/* ------------------------------------------------------------------ split ------------ */

PyDoc_STRVAR(split_doc,
             "split(data, newlines, max_line, ts, valid, shaped, messages, offsets) -> bool\n\n"
             "Lines of a block (``newlines``: int64 positions of every newline) into epoch ms\n"
             "(``ts`` int64), timestamp validity and shape (uint8), and the message bytes\n"
             "(``messages`` uint8, ``offsets`` int32 of n + 1): the text after the 24-byte\n"
             "timestamp and its space on shaped lines, else the whole line; cut at\n"
             "``max_line`` bytes; trailing carriage returns trimmed when any line ends with\n"
             "one. Returns whether the message bytes are all ASCII.");

static PyObject *split(PyObject *self, PyObject *args) {
    (void)self;
    PyObject *o_data, *o_nl, *o_ts, *o_valid, *o_shaped, *o_msg, *o_off;
    Py_ssize_t max_line;
    if (!PyArg_ParseTuple(args, "OOnOOOOO", &o_data, &o_nl, &max_line, &o_ts, &o_valid,
                          &o_shaped, &o_msg, &o_off)) {
        return NULL;
    }
    Buf b[7];
    memset(b, 0, sizeof b);
    if (get_buf(o_data, &b[0], 0, 0, "data") < 0 || get_buf(o_nl, &b[1], 0, 0, "newlines") < 0) {
        release(b, 7);
        return NULL;
    }
    Py_ssize_t n = b[1].view.len / 8;
    const unsigned char *data = b[0].view.buf;
    const int64_t *nl = b[1].view.buf;
    if (get_buf(o_ts, &b[2], 1, n * 8, "ts") < 0 || get_buf(o_valid, &b[3], 1, n, "valid") < 0 ||
        get_buf(o_shaped, &b[4], 1, n, "shaped") < 0 ||
        get_buf(o_msg, &b[5], 1, b[0].view.len, "messages") < 0 ||
        get_buf(o_off, &b[6], 1, (n + 1) * 4, "offsets") < 0) {
        release(b, 7);
        return NULL;
    }
    if (b[0].view.len > INT32_MAX) {
        release(b, 7);
        PyErr_SetString(PyExc_ValueError, "block too large");
        return NULL;
    }
    int64_t *ts = b[2].view.buf;
    unsigned char *valid = b[3].view.buf, *shaped = b[4].view.buf, *out = b[5].view.buf;
    int32_t *off = b[6].view.buf;
    int bad = 0;
    int cr = 0;
    Py_ssize_t start = 0;
    for (Py_ssize_t i = 0; i < n; i++) {
        Py_ssize_t stop = nl[i];
        if (stop < start || stop >= b[0].view.len || data[stop] != '\n') {
            bad = 1;
            break;
        }
        /* parse.py probes each line's last byte (the newline before an empty line). */
        Py_ssize_t last = stop - 1 < 0 ? 0 : stop - 1;
        if (data[last] == '\r') cr = 1;
        start = stop + 1;
    }
    if (bad) {
        release(b, 7);
        PyErr_SetString(PyExc_ValueError, "newlines do not match the data");
        return NULL;
    }
    int ascii;
    Py_ssize_t pos = 0;
    start = 0;
    off[0] = 0;
    for (Py_ssize_t i = 0; i < n; i++) {
        Py_ssize_t stop = nl[i];
        Py_ssize_t length = stop - start;
        const unsigned char *line = data + start;
        int ok = length > TS_WIDTH && line[10] == 'T' && line[TS_WIDTH] == ' ';
        shaped[i] = (unsigned char)ok;
        int64_t ms = 0;
        valid[i] = ok ? (unsigned char)iso_ms(line, &ms) : 0;
        ts[i] = valid[i] ? ms : 0;
        const unsigned char *message = ok ? line + TS_WIDTH + 1 : line;
        Py_ssize_t size = ok ? length - TS_WIDTH - 1 : length;
        if (size > max_line) {
            /* Cut before a character, not inside one: back off over up to three UTF-8
             * continuation bytes (parse.py's _cut_long does the same). */
            size = max_line;
            for (int back = 0; back < 3 && size > 0 && (message[size] & 0xC0) == 0x80; back++) {
                size--;
            }
        }
        if (cr) {
            while (size > 0 && message[size - 1] == '\r') size--;
        }
        memcpy(out + pos, message, (size_t)size);
        pos += size;
        off[i + 1] = (int32_t)pos;
        start = stop + 1;
    }
    /* ASCII check over the copied messages, eight bytes at a time. */
    uint64_t high = 0;
    Py_ssize_t k = 0;
    for (; k + 8 <= pos; k += 8) {
        uint64_t word;
        memcpy(&word, out + k, 8);
        high |= word;
    }
    for (; k < pos; k++) high |= out[k];
    ascii = (high & 0x8080808080808080ULL) == 0;
    release(b, 7);
    return PyBool_FromLong(ascii);
}

/* Parses (data, out) into b[0] (read) and b[1] (written); -1 with an exception set. */
static int data_and_out(PyObject *args, Buf *b, const char *out_name) {
    PyObject *o_data, *o_out;
    if (!PyArg_ParseTuple(args, "OO", &o_data, &o_out)) return -1;
    memset(b, 0, 2 * sizeof *b);
    if (get_buf(o_data, &b[0], 0, 0, "data") < 0 ||
        get_buf(o_out, &b[1], 1, 0, out_name) < 0) {
        release(b, 2);
        return -1;
    }
    return 0;
}

PyDoc_STRVAR(newlines_doc,
             "newlines(data, out) -> int\n\n"
             "Positions of the newlines of ``data`` written to ``out`` (int64) while it has\n"
             "room; returns how many there are (more than ``len(out)``: call again, larger).");

static PyObject *newlines(PyObject *self, PyObject *args) {
    (void)self;
    Buf b[2];
    if (data_and_out(args, b, "out") < 0) return NULL;
    const unsigned char *data = b[0].view.buf, *p = data, *end = data + b[0].view.len;
    int64_t *out = b[1].view.buf;
    Py_ssize_t room = b[1].view.len / 8, count = 0;
    while (p < end) {
        const unsigned char *hit = memchr(p, '\n', (size_t)(end - p));
        if (hit == NULL) break;
        if (count < room) out[count] = hit - data;
        count++;
        p = hit + 1;
    }
    release(b, 2);
    return PyLong_FromSsize_t(count);
}

/* ------------------------------------------------------------------ classify --------- */

typedef struct {
    signed char *kind;
    unsigned char *undecided, *error, *timed_out, *rid_valid;
    double *duration, *billed, *memory, *maxmem, *init, *record;
    unsigned char *rid;
    int32_t *rid_off;
    Py_ssize_t rid_pos;
} Out;

/* A [0-9.]+ (or [0-9]+) run at p, then the unit literal. Sets *value; -1: no match there,
 * -2: matched but the number is not plain (undecided). Advances *pp past the unit. */
static int number_unit(const unsigned char **pp, const unsigned char *end, int dots,
                       const char *unit, size_t unit_len, double *value) {
    const unsigned char *p = *pp, *q = p;
    while (q < end && (dots ? is_decimal(*q) : is_digit(*q))) q++;
    if (q == p || !has(q, end, unit, unit_len)) return -1;
    if (decimal_value(p, q - p, value) < 0) return -2;
    *pp = q + unit_len;
    return 0;
}

/*
 * ^REPORT RequestId: ([0-9a-f-]+)\s+Duration: ([0-9.]+) ms\s+Billed Duration: ([0-9.]+) ms
 * \s+Memory Size: (\d+) MB\s+Max Memory Used: (\d+) MB(?:\s+Init Duration: ([0-9.]+) ms)?
 * Each run is followed by a byte outside its class, so the match (if any) is unique and
 * read left to right. No match: the expression's row becomes UNKNOWN.
 */
static void text_report(const unsigned char *m, const unsigned char *end, Py_ssize_t row,
                        Out *o) {
    const unsigned char *p = m + 18, *rid = p;
    while (p < end && is_rid(*p)) p++;
    Py_ssize_t rid_len = p - rid;
    double v[5] = {NAN, NAN, NAN, NAN, NAN};
    static const char *labels[4] = {"Duration: ", "Billed Duration: ", "Memory Size: ",
                                    "Max Memory Used: "};
    static const char *units[4] = {" ms", " ms", " MB", " MB"};
    int ok = rid_len >= 1;
    for (int f = 0; ok && f < 4; f++) {
        const unsigned char *s = skip_spaces(p, end);
        size_t label = strlen(labels[f]);
        if (s == p || !has(s, end, labels[f], label)) {
            ok = 0;
            break;
        }
        p = s + label;
        int r = number_unit(&p, end, f < 2, units[f], 3, &v[f]);
        if (r == -2) {
            o->undecided[row] = 1;
            return;
        }
        if (r < 0) ok = 0;
    }
    if (!ok) {
        o->kind[row] = K_UNKNOWN;
        return;
    }
    const unsigned char *s = skip_spaces(p, end);
    if (s > p && HAS(s, end, "Init Duration: ")) {
        const unsigned char *q = s + 15;
        int r = number_unit(&q, end, 1, " ms", 3, &v[4]);
        if (r == -2) {
            o->undecided[row] = 1;
            return;
        }
        if (r < 0) v[4] = NAN; /* the optional group does not match: no init duration */
    }
    o->kind[row] = K_REPORT;
    o->duration[row] = v[0];
    o->billed[row] = v[1];
    o->memory[row] = v[2];
    o->maxmem[row] = v[3];
    o->init[row] = v[4];
    memcpy(o->rid + o->rid_pos, rid, (size_t)rid_len);
    o->rid_pos += rid_len;
    o->rid_valid[row] = 1;
}

/* ^\{\s*"time":\s*"[^"]*",\s*"type":\s*"platform\.(\w+)" - the name, or NULL. */
static const unsigned char *platform_name(const unsigned char *m, const unsigned char *end,
                                          Py_ssize_t *len) {
    const unsigned char *p = skip_spaces(m + 1, end);
    if (!HAS(p, end, "\"time\":")) return NULL;
    p = skip_spaces(p + 7, end);
    if (p >= end || *p != '"') return NULL;
    p++;
    const unsigned char *q = memchr(p, '"', (size_t)(end - p));
    if (q == NULL) return NULL;
    p = q + 1;
    if (p >= end || *p != ',') return NULL;
    p = skip_spaces(p + 1, end);
    if (!HAS(p, end, "\"type\":")) return NULL;
    p = skip_spaces(p + 7, end);
    if (!HAS(p, end, "\"platform.")) return NULL;
    p += 10;
    const unsigned char *name = p;
    while (p < end && is_word(*p)) p++;
    if (p == name || p >= end || *p != '"') return NULL;
    *len = p - name;
    return name;
}

/* Leftmost "key":\s*([0-9.]+) (key given with its quotes and colon). 1: found, 0: none,
 * -1: found but not a plain number (undecided). */
static int json_number(const unsigned char *m, const unsigned char *end, const char *key,
                       double *value) {
    size_t key_len = strlen(key);
    const unsigned char *p = m;
    while ((size_t)(end - p) >= key_len) {
        const unsigned char *hit = find(p, end, key, key_len);
        if (hit == NULL) return 0;
        const unsigned char *s = skip_spaces(hit + key_len, end), *q = s;
        while (q < end && is_decimal(*q)) q++;
        if (q > s) return decimal_value(s, q - s, value) < 0 ? -1 : 1;
        p = hit + 1;
    }
    return 0;
}

static int contains(const unsigned char *m, const unsigned char *end, const char *lit) {
    size_t len = strlen(lit);
    return find(m, end, lit, len) != NULL;
}

/* "status":\s*"timeout" anywhere. */
static int status_timeout(const unsigned char *m, const unsigned char *end) {
    const unsigned char *p = m;
    while ((size_t)(end - p) >= 9) {
        const unsigned char *hit = find(p, end, "\"status\":", 9);
        if (hit == NULL) return 0;
        const unsigned char *s = skip_spaces(hit + 9, end);
        if (HAS(s, end, "\"timeout\"")) return 1;
        p = hit + 1;
    }
    return 0;
}

static int json_report(const unsigned char *m, const unsigned char *end, Py_ssize_t row,
                       Out *o) {
    static const char *keys[5] = {"\"durationMs\":", "\"billedDurationMs\":",
                                  "\"memorySizeMB\":", "\"maxMemoryUsedMB\":",
                                  "\"initDurationMs\":"};
    double v[5];
    for (int k = 0; k < 5; k++) {
        v[k] = NAN;
        if (json_number(m, end, keys[k], &v[k]) < 0) return -1;
    }
    if (contains(m, end, "Runtime.OutOfMemory")) v[3] = fmax(v[3], v[2]);
    o->duration[row] = v[0];
    o->billed[row] = v[1];
    o->memory[row] = v[2];
    o->maxmem[row] = v[3];
    o->init[row] = v[4];
    if (status_timeout(m, end)) o->timed_out[row] = 1;
    return 0;
}

/* The first '"' in [p, end) followed by 'r' or 'f' (where "requestId" or
 * "function_request_id" may start), or NULL: the other quotes of a JSON line, often one
 * every few bytes, are passed sixteen bytes at a time. */
static const unsigned char *id_quote(const unsigned char *p, const unsigned char *end) {
#ifdef __SSE2__
    const __m128i quote = _mm_set1_epi8('"'), r = _mm_set1_epi8('r'), f = _mm_set1_epi8('f');
    while (end - p >= 17) { /* the second load ends at p + 16 < end */
        __m128i a = _mm_cmpeq_epi8(_mm_loadu_si128((const __m128i *)p), quote);
        __m128i n = _mm_loadu_si128((const __m128i *)(p + 1));
        __m128i b = _mm_or_si128(_mm_cmpeq_epi8(n, r), _mm_cmpeq_epi8(n, f));
        unsigned bits = (unsigned)_mm_movemask_epi8(_mm_and_si128(a, b));
        if (bits) return p + __builtin_ctz(bits);
        p += 16;
    }
#endif
    for (; end - p >= 2; p++) {
        if (*p == '"' && (p[1] == 'r' || p[1] == 'f')) return p;
    }
    return NULL;
}

/* Leftmost "(?:requestId|function_request_id)":\s*"([^"]+)" into the id column. */
static void json_request_id(const unsigned char *m, const unsigned char *end, Py_ssize_t row,
                            Out *o) {
    const unsigned char *p = m;
    while (p < end) {
        const unsigned char *q = id_quote(p, end);
        if (q == NULL) return;
        const unsigned char *after = NULL;
        if (HAS(q + 1, end, "requestId\":")) {
            after = q + 12;
        } else if (HAS(q + 1, end, "function_request_id\":")) {
            after = q + 22;
        }
        if (after != NULL) {
            const unsigned char *s = skip_spaces(after, end);
            if (s < end && *s == '"') {
                const unsigned char *v = s + 1;
                const unsigned char *close = memchr(v, '"', (size_t)(end - v));
                if (close != NULL && close > v) {
                    memcpy(o->rid + o->rid_pos, v, (size_t)(close - v));
                    o->rid_pos += close - v;
                    o->rid_valid[row] = 1;
                    return;
                }
            }
        }
        p = q + 1;
    }
}

/*
 * Leftmost match of parse._RECORD_TIME:
 *   (?:approximateArrivalTimestamp|ApproximateCreationDateTime)\\?["']\s*:\s*
 *       ([0-9]+(?:\.[0-9]+)?)                                  - epoch seconds
 *   | SentTimestamp\\?["']\s*:\s*\\?["']?([0-9]+)         - epoch milliseconds
 * (the arrival time of a Kinesis, DynamoDB Streams or SQS record in a logged event).
 * 1: found (*ms set), 0: none, -1: found but not a plain number (undecided).
 */
static int record_time(const unsigned char *m, const unsigned char *end, double *ms) {
    /* Every key has a "T" ("...Timestamp", "...DateTime"): memchr finds the few "T"s of a
     * line far faster than three substring searches would find the keys. Occurrences of
     * different keys cannot overlap, so trying them in the order of their "T" tries them
     * in the order of their start, as the expression does. */
    const unsigned char *from = m;
    while (from < end) {
        const unsigned char *t = memchr(from, 'T', (size_t)(end - from));
        if (t == NULL) return 0;
        from = t + 1;
        const unsigned char *key_end = NULL;
        int seconds = 1;
        if (t - m >= 23 && memcmp(t - 23, "ApproximateCreationDate", 23) == 0 &&
            HAS(t, end, "Time")) {
            key_end = t + 4;
        } else if (HAS(t, end, "Timestamp")) {
            if (t - m >= 18 && memcmp(t - 18, "approximateArrival", 18) == 0) {
                key_end = t + 9;
            } else if (t - m >= 4 && memcmp(t - 4, "Sent", 4) == 0) {
                key_end = t + 9;
                seconds = 0;
            }
        }
        if (key_end == NULL) continue;
        const unsigned char *p = key_end;
        if (p < end && *p == '\\') p++;
        if (!(p < end && (*p == '"' || *p == '\''))) continue;
        p = skip_spaces(p + 1, end);
        if (!(p < end && *p == ':')) continue;
        p = skip_spaces(p + 1, end);
        if (!seconds) {
            if (p < end && *p == '\\') p++;
            if (p < end && (*p == '"' || *p == '\'')) p++;
        }
        const unsigned char *q = p;
        while (q < end && is_digit(*q)) q++;
        if (q == p) continue;
        if (seconds && q + 1 < end && *q == '.' && is_digit(q[1])) {
            q++;
            while (q < end && is_digit(*q)) q++;
        }
        double value;
        if (decimal_value(p, q - p, &value) < 0) return -1;
        *ms = seconds ? value * 1000.0 : value;
        return 1;
    }
    return 0;
}

static const char *const LEVELS[6] = {"ERROR", "CRITICAL", "FATAL", "error", "critical", "fatal"};

/*
 * ^\[(?:ERROR|CRITICAL|FATAL)\]|\t(?:ERROR|FATAL)\t|
 * "level":\s*"(?:ERROR|CRITICAL|FATAL|error|critical|fatal)"
 */
static int error_level(const unsigned char *m, const unsigned char *end) {
    if (m < end && *m == '[') {
        for (int k = 0; k < 3; k++) {
            size_t len = strlen(LEVELS[k]);
            if (has(m + 1, end, LEVELS[k], len) && m + 1 + len < end && m[1 + len] == ']') {
                return 1;
            }
        }
    }
    const unsigned char *p = m;
    while (p < end) {
        const unsigned char *tab = memchr(p, '\t', (size_t)(end - p));
        if (tab == NULL) break;
        if ((HAS(tab + 1, end, "ERROR\t")) || (HAS(tab + 1, end, "FATAL\t"))) return 1;
        p = tab + 1;
    }
    p = m;
    while ((size_t)(end - p) >= 8) {
        const unsigned char *hit = find(p, end, "\"level\":", 8);
        if (hit == NULL) break;
        const unsigned char *s = skip_spaces(hit + 8, end);
        if (s < end && *s == '"') {
            for (int k = 0; k < 6; k++) {
                size_t len = strlen(LEVELS[k]);
                if (has(s + 1, end, LEVELS[k], len) && s + 1 + len < end && s[1 + len] == '"') {
                    return 1;
                }
            }
        }
        p = hit + 1;
    }
    return 0;
}

static void classify_row(const unsigned char *m, const unsigned char *end, Py_ssize_t row,
                         Out *o) {
    unsigned char head = m < end ? *m : 0;
    switch (head) {
        case 'S':
            if (HAS(m, end, "START RequestId: ")) o->kind[row] = K_START;
            break;
        case 'E':
            if (HAS(m, end, "END RequestId: ")) o->kind[row] = K_END;
            break;
        case 'I':
            if (HAS(m, end, "INIT_START ")) o->kind[row] = K_INIT;
            break;
        case 'R':
            if (HAS(m, end, "REPORT RequestId: ")) {
                text_report(m, end, row, o);
            } else {
                o->undecided[row] = 1; /* maybe a runtime exit: the expression decides */
            }
            break;
        case '{': {
            Py_ssize_t len = 0;
            const unsigned char *name = platform_name(m, end, &len);
            if (name != NULL) {
                if (len == 5 && memcmp(name, "start", 5) == 0) {
                    o->kind[row] = K_START;
                } else if (len == 11 && memcmp(name, "runtimeDone", 11) == 0) {
                    o->kind[row] = K_END;
                } else if (len == 9 && memcmp(name, "initStart", 9) == 0) {
                    o->kind[row] = K_INIT;
                } else if (len == 6 && memcmp(name, "report", 6) == 0) {
                    if (json_report(m, end, row, o) < 0) {
                        o->undecided[row] = 1;
                        return;
                    }
                    o->kind[row] = K_REPORT;
                }
            }
            json_request_id(m, end, row, o);
            break;
        }
        default:
            if (is_digit(head) && contains(m, end, "Task timed out after ")) {
                o->undecided[row] = 1; /* a timeout: the expression reads its seconds */
                return;
            }
    }
}

PyDoc_STRVAR(classify_doc,
             "classify(data, offsets, kind, undecided, error, timed_out, duration, billed,\n"
             "         memory, maxmem, init, record, rid, rid_offsets, rid_valid) -> None\n\n"
             "Classify the messages (``data`` bytes, ``offsets`` int32 of n + 1) into\n"
             "``kind`` (int8), fields (float64, NaN when absent), timeout status, request ids\n"
             "(``rid`` bytes with ``rid_offsets`` int32 of n + 1 and ``rid_valid`` uint8) and\n"
             "error-level candidates (``error``: rows matching parse._ERROR_LEVEL), and the\n"
             "record time (epoch ms, NaN if none) of decided application rows\n"
             "(parse._RECORD_TIME). Rows marked\n"
             "``undecided`` must be read by the RE2 expressions instead.");

static PyObject *classify(PyObject *self, PyObject *args) {
    (void)self;
    enum { ARGS = 15 };
    PyObject *obj[ARGS];
    if (!PyArg_ParseTuple(args, "OOOOOOOOOOOOOOO", &obj[0], &obj[1], &obj[2], &obj[3],
                          &obj[4], &obj[5], &obj[6], &obj[7], &obj[8], &obj[9], &obj[10],
                          &obj[11], &obj[12], &obj[13], &obj[14])) {
        return NULL;
    }
    Buf b[ARGS];
    memset(b, 0, sizeof b);
    if (get_buf(obj[0], &b[0], 0, 0, "data") < 0 || get_buf(obj[1], &b[1], 0, 4, "offsets") < 0) {
        release(b, ARGS);
        return NULL;
    }
    Py_ssize_t n = b[1].view.len / 4 - 1;
    static const char *names[ARGS] = {
        "data",   "offsets", "kind",   "undecided", "error", "timed_out",   "duration", "billed",
        "memory", "maxmem",  "init",   "record",    "rid",   "rid_offsets", "rid_valid"};
    Py_ssize_t sizes[ARGS] = {0,     0,     n,     n,     n,     n,
                              n * 8, n * 8, n * 8, n * 8, n * 8, n * 8,
                              b[0].view.len, (n + 1) * 4, n};
    for (int i = 2; i < ARGS; i++) {
        if (get_buf(obj[i], &b[i], 1, sizes[i], names[i]) < 0) {
            release(b, ARGS);
            return NULL;
        }
    }
    const unsigned char *data = b[0].view.buf;
    const int32_t *off = b[1].view.buf;
    for (Py_ssize_t i = 0; i < n; i++) {
        if (off[i] < 0 || off[i + 1] < off[i] || off[i + 1] > b[0].view.len) {
            release(b, ARGS);
            PyErr_SetString(PyExc_ValueError, "offsets do not match the data");
            return NULL;
        }
    }
    Out o = {
        .kind = b[2].view.buf,
        .undecided = b[3].view.buf,
        .error = b[4].view.buf,
        .timed_out = b[5].view.buf,
        .duration = b[6].view.buf,
        .billed = b[7].view.buf,
        .memory = b[8].view.buf,
        .maxmem = b[9].view.buf,
        .init = b[10].view.buf,
        .record = b[11].view.buf,
        .rid = b[12].view.buf,
        .rid_off = b[13].view.buf,
        .rid_valid = b[14].view.buf,
        .rid_pos = 0,
    };
    o.rid_off[0] = 0;
    for (Py_ssize_t i = 0; i < n; i++) {
        o.kind[i] = K_APP;
        o.undecided[i] = o.error[i] = o.timed_out[i] = o.rid_valid[i] = 0;
        o.duration[i] = o.billed[i] = o.memory[i] = o.maxmem[i] = o.init[i] = NAN;
        Py_ssize_t before = o.rid_pos;
        const unsigned char *m = data + off[i], *end = data + off[i + 1];
        classify_row(m, end, i, &o);
        if (o.undecided[i]) {
            /* Undecided rows keep no partial result: Python overwrites them whole. */
            o.rid_pos = before;
            o.rid_valid[i] = 0;
        }
        /* The error level is a property of the message alone; an undecided row may still
         * turn out to be an application line. */
        if ((o.undecided[i] || o.kind[i] == K_APP) && error_level(m, end)) o.error[i] = 1;
        /* Record times of application lines; undecided rows get theirs in Python. */
        o.record[i] = NAN;
        if (!o.undecided[i] && o.kind[i] == K_APP) {
            double ms;
            int found = record_time(m, end, &ms);
            if (found > 0) {
                o.record[i] = ms;
            } else if (found < 0) {
                o.undecided[i] = 1;
                o.rid_pos = before;
                o.rid_valid[i] = 0;
            }
        }
        o.rid_off[i + 1] = (int32_t)o.rid_pos;
    }
    release(b, ARGS);
    Py_RETURN_NONE;
}


PyDoc_STRVAR(objects_doc,
"objects(data, ends) -> (count, depth, digits)\n\n"
"Top-level JSON objects written one after another in data (only JSON whitespace between\n"
"them): writes the offset just past each closing brace into the int64 array ends (when it\n"
"has room) and returns their count and the deepest nesting of braces and brackets seen\n"
"outside strings, and the longest run of digits outside strings. count is -1 when data holds anything else at the top level or ends\n"
"inside an object. Only splits; the objects themselves are validated by their decoder.");

static PyObject *objects(PyObject *self, PyObject *args) {
    (void)self;
    Buf b[2];
    if (data_and_out(args, b, "ends") < 0) return NULL;
    const unsigned char *data = b[0].view.buf;
    Py_ssize_t len = b[0].view.len, room = b[1].view.len / 8, count = 0, depth = 0, deepest = 0;
    Py_ssize_t run = 0, longest = 0;
    int64_t *out = b[1].view.buf;
    int in_string = 0;
    for (Py_ssize_t i = 0; i < len; i++) {
        unsigned char c = data[i];
        if (in_string) {
            if (c == '\\') i++;
            else if (c == '"') in_string = 0;
            continue;
        }
        if (c >= '0' && c <= '9') {
            if (++run > longest) longest = run;
        } else {
            run = 0;
        }
        if (depth == 0) {
            if (c == ' ' || c == '\t' || c == '\n' || c == '\r') continue;
            if (c != '{') { count = -1; break; }
        }
        if (c == '"') in_string = 1;
        else if (c == '{' || c == '[') { if (++depth > deepest) deepest = depth; }
        else if (c == '}' || c == ']') {
            if (--depth == 0) {
                if (count < room) out[count] = i + 1;
                count++;
            }
        }
    }
    if (in_string || depth != 0) count = -1;
    release(b, 2);
    return Py_BuildValue("nnn", count, deepest, longest);
}

/* ------------------------------------------------------------------ marked_rows ------ */

PyDoc_STRVAR(marked_rows_doc,
             "marked_rows(data, offsets, table, out) -> int\n\n"
             "For each row ``data[offsets[i]:offsets[i + 1]]`` (``offsets`` int64 of n + 1),\n"
             "``out[i]`` (uint8) = 1 when the row holds a byte ``b`` with ``table[b]`` set\n"
             "(``table``: 256 bytes), else 0; returns how many rows hold one.");

static PyObject *marked_rows(PyObject *self, PyObject *args) {
    (void)self;
    PyObject *obj[4];
    if (!PyArg_ParseTuple(args, "OOOO", &obj[0], &obj[1], &obj[2], &obj[3])) return NULL;
    Buf b[4];
    memset(b, 0, sizeof b);
    if (get_buf(obj[0], &b[0], 0, 0, "data") < 0 || get_buf(obj[1], &b[1], 0, 8, "offsets") < 0 ||
        get_buf(obj[2], &b[2], 0, 256, "table") < 0) {
        release(b, 4);
        return NULL;
    }
    Py_ssize_t n = b[1].view.len / 8 - 1;
    if (n < 0 || b[2].view.len != 256 || get_buf(obj[3], &b[3], 1, n, "out") < 0) {
        if (!PyErr_Occurred()) PyErr_SetString(PyExc_ValueError, "bad offsets or table");
        release(b, 4);
        return NULL;
    }
    const unsigned char *data = b[0].view.buf, *table = b[2].view.buf;
    const int64_t *off = b[1].view.buf;
    unsigned char *out = b[3].view.buf;
    for (Py_ssize_t i = 0; i < n; i++) {
        if (off[i] < 0 || off[i + 1] < off[i] || off[i + 1] > b[0].view.len) {
            release(b, 4);
            PyErr_SetString(PyExc_ValueError, "offsets do not match the data");
            return NULL;
        }
    }
    Py_ssize_t count = 0;
    Py_BEGIN_ALLOW_THREADS
    for (Py_ssize_t i = 0; i < n; i++) {
        const unsigned char *p = data + off[i], *end = data + off[i + 1];
        unsigned char hit = 0;
        /* Eight bytes a step, OR-ed, so the loop has one branch per step. */
        while (end - p >= 8 && !hit) {
            hit = table[p[0]] | table[p[1]] | table[p[2]] | table[p[3]] | table[p[4]] |
                  table[p[5]] | table[p[6]] | table[p[7]];
            p += 8;
        }
        while (p < end && !hit) hit = table[*p++];
        out[i] = hit ? 1 : 0;
        count += out[i];
    }
    Py_END_ALLOW_THREADS
    release(b, 4);
    return PyLong_FromSsize_t(count);
}

static PyMethodDef methods[] = {
    {"objects", objects, METH_VARARGS, objects_doc},
    {"newlines", newlines, METH_VARARGS, newlines_doc},
    {"split", split, METH_VARARGS, split_doc},
    {"classify", classify, METH_VARARGS, classify_doc},
    {"marked_rows", marked_rows, METH_VARARGS, marked_rows_doc},
    {"envelopes", scan_envelopes, METH_VARARGS, scan_envelopes_doc},
    {"payload_events", scan_payload_events, METH_VARARGS, scan_payload_events_doc},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    .m_base = PyModuleDef_HEAD_INIT,
    .m_name = "_scan",
    .m_doc = "Native line splitting and classification (faasguard.logs.parse) and "
              "subscription payload extraction (faasguard.logs.payload_native).",
    .m_size = -1,
    .m_methods = methods,
};

PyMODINIT_FUNC PyInit__scan(void) { return PyModule_Create(&module); }
