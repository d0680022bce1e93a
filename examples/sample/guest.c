/*
 * Sample guest for the `example:sample/sample` world (wit/sample.wit).
 *
 * Hand-written Canonical ABI glue (no bindings generator): every import and
 * export below is declared with the exact core name and core signature that
 * `wasm-tools component new` expects for this world under the "legacy" name
 * mangling (`wasm-tools component embed --dummy-names legacy wit` prints them).
 * The behaviour of each export (and which host imports it calls) is listed in
 * README.md next to this file; keep both in sync.
 *
 * Built for wasm32 against wasi-libc, but only for malloc/realloc/free and
 * memcpy, none of which imports anything from WASI: the core module's only
 * imports are the world's own, so no WASI adapter is needed.
 *
 * Canonical ABI facts this file relies on (design/mvp/CanonicalABI.md):
 *   - string        = (ptr: i32, len: i32), UTF-8 bytes, align 4, size 8
 *   - list<T>       = (ptr: i32, len: i32), elements of elem_size(T)
 *   - bool          = i32 when flat, one byte (0/1) in memory; any non-zero
 *                     value lifts to true
 *   - variant/option/result = discriminant (u8 here: < 256 cases) followed by
 *                     the payload at the max alignment of the cases
 *   - params: more than MAX_FLAT_PARAMS (16) flat values are passed as ONE
 *                     pointer to a tuple in memory (`lots`: 17 strings = 34)
 *   - results: more than MAX_FLAT_RESULTS (1) flat value are returned
 *                     through memory: an export returns an i32 pointer to a
 *                     return area it owns; a lowered import takes a trailing
 *                     i32 out-pointer to a return area the caller owns
 *   - memory handed to an export (params) and returned by an import (results)
 *     is allocated with our `cabi_realloc` and becomes ours: we free it.
 *     Memory we return from an export stays valid until the host calls the
 *     matching `cabi_post_*` function, which frees it.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define EXPORT(name) __attribute__((export_name(name)))
#define IMPORT(module, name) \
  __attribute__((import_module(module), import_name(name)))

/* ------------------------------------------------------------------------ */
/* Canonical ABI memory layouts (wasm32: pointers and size_t are 32-bit)    */
/* ------------------------------------------------------------------------ */

/* string: also used for list<u8>-like byte buffers */
typedef struct {
  uint8_t *ptr;
  size_t len; /* in bytes (UTF-8 code units) */
} cabi_string_t;

/* list<string> */
typedef struct {
  cabi_string_t *ptr;
  size_t len;
} cabi_list_string_t;

/* lists.v = variant { b(bool), s(string) } */
enum { LISTS_V_B = 0, LISTS_V_S = 1 };
typedef struct {
  uint8_t tag;
  union {
    uint8_t b;
    cabi_string_t s;
  } val;
} lists_v_t;

/* list<lists.v> */
typedef struct {
  lists_v_t *ptr;
  size_t len;
} lists_list_v_t;

/* variants.v = variant { b(bool), u(u32) } */
enum { VARIANTS_V_B = 0, VARIANTS_V_U = 1 };
typedef struct {
  uint8_t tag;
  union {
    uint8_t b;
    uint32_t u;
  } val;
} variants_v_t;

/* tuple<string, bool> */
typedef struct {
  cabi_string_t f0;
  uint8_t f1;
} tuple_string_bool_t;

/* result<u32, string> */
enum { RESULT_OK = 0, RESULT_ERR = 1 };
typedef struct {
  uint8_t tag;
  union {
    uint32_t ok;
    cabi_string_t err;
  } val;
} result_u32_string_t;

/* option<u32> */
enum { OPTION_NONE = 0, OPTION_SOME = 1 };
typedef struct {
  uint8_t tag;
  uint32_t val;
} option_u32_t;

/* The 17 parameters of strings.lots, as the tuple stored in memory. */
#define LOTS_N 17
typedef struct {
  cabi_string_t p[LOTS_N];
} lots_params_t;

/* The C layouts above must equal the Canonical ABI ones (size, alignment,
 * field offsets); check the ones that are not obvious. */
_Static_assert(sizeof(cabi_string_t) == 8 && _Alignof(cabi_string_t) == 4, "");
_Static_assert(sizeof(lists_v_t) == 12 && offsetof(lists_v_t, val) == 4, "");
_Static_assert(sizeof(variants_v_t) == 8 && offsetof(variants_v_t, val) == 4,
               "");
_Static_assert(sizeof(tuple_string_bool_t) == 12 &&
                   offsetof(tuple_string_bool_t, f1) == 8,
               "");
_Static_assert(sizeof(result_u32_string_t) == 12 &&
                   offsetof(result_u32_string_t, val) == 4,
               "");
_Static_assert(sizeof(option_u32_t) == 8 && offsetof(option_u32_t, val) == 4,
               "");
_Static_assert(sizeof(lots_params_t) == 136, "");

/* ------------------------------------------------------------------------ */
/* Allocation: cabi_realloc and ownership helpers                           */
/* ------------------------------------------------------------------------ */

/*
 * The host calls this to put strings/lists into our memory: params of our
 * exports, results of our imports, and the params tuple of `lots`.
 * Zero-sized requests get a non-null, suitably aligned dangling pointer
 * (the alignment itself) and no allocation; the free helpers below therefore
 * never free a buffer whose length is 0.
 */
EXPORT("cabi_realloc")
void *cabi_realloc(void *old_ptr, size_t old_size, size_t align,
                   size_t new_size) {
  /* malloc gives 16-byte alignment; the Canonical ABI never asks for > 8. */
  if (align > 16) abort();
  if (old_size == 0) old_ptr = NULL; /* a dangling zero-size pointer */
  if (new_size == 0) {
    free(old_ptr);
    return (void *)align;
  }
  void *p = realloc(old_ptr, new_size);
  if (p == NULL) abort();
  return p;
}

static void *xmalloc(size_t n) {
  void *p = malloc(n ? n : 1);
  if (p == NULL) abort();
  return p;
}

static void string_free(cabi_string_t *s) {
  if (s->len > 0) free(s->ptr);
  s->ptr = NULL;
  s->len = 0;
}

/* A string backed by a literal: only ever passed to imports (borrowed). */
static cabi_string_t string_lit(const char *lit) {
  cabi_string_t s = {(uint8_t *)lit, strlen(lit)};
  return s;
}

/* A freshly malloc'ed copy; the caller owns it. */
static cabi_string_t string_dup(const uint8_t *ptr, size_t len) {
  cabi_string_t s = {NULL, len};
  if (len > 0) {
    s.ptr = xmalloc(len);
    memcpy(s.ptr, ptr, len);
  }
  return s;
}

static void list_string_free(cabi_list_string_t *l) {
  for (size_t i = 0; i < l->len; i++) string_free(&l->ptr[i]);
  if (l->len > 0) free(l->ptr);
  l->ptr = NULL;
  l->len = 0;
}

static void list_v_free(lists_list_v_t *l) {
  for (size_t i = 0; i < l->len; i++)
    if (l->ptr[i].tag == LISTS_V_S) string_free(&l->ptr[i].val.s);
  if (l->len > 0) free(l->ptr);
  l->ptr = NULL;
  l->len = 0;
}

/* ------------------------------------------------------------------------ */
/* Imports (lowered host functions)                                         */
/* ------------------------------------------------------------------------ */

/* example:sample/logging: every function is (value, s: string) -> () */
IMPORT("example:sample/logging", "log-bool")
void imp_log_bool(uint32_t a, uint8_t *s_ptr, size_t s_len);
IMPORT("example:sample/logging", "log-u32")
void imp_log_u32(uint32_t a, uint8_t *s_ptr, size_t s_len);
IMPORT("example:sample/logging", "log-u64")
void imp_log_u64(uint64_t a, uint8_t *s_ptr, size_t s_len);
IMPORT("example:sample/logging", "log-f32")
void imp_log_f32(float a, uint8_t *s_ptr, size_t s_len);
IMPORT("example:sample/logging", "log-f64")
void imp_log_f64(double a, uint8_t *s_ptr, size_t s_len);
IMPORT("example:sample/logging", "log-str")
void imp_log_str(uint8_t *a_ptr, size_t a_len, uint8_t *s_ptr, size_t s_len);

/* World-level function imports live in the `$root` module. */
IMPORT("$root", "void-func") void imp_void_func(void);

/* bool and f64 results are one flat value: returned directly. */
IMPORT("example:sample/booleans", "and")
uint32_t imp_booleans_and(uint32_t a, uint32_t b);
IMPORT("example:sample/floats", "add") double imp_floats_add(double a, double b);

/* A string result is two flat values: the host writes (ptr, len) to `ret`,
 * and the bytes are allocated with our cabi_realloc (we own them). */
IMPORT("example:sample/strings", "reverse")
void imp_strings_reverse(uint8_t *a_ptr, size_t a_len, cabi_string_t *ret);

/* 34 flat params > 16: one pointer to the 17-string tuple, which we own and
 * keep (the host only reads it). */
IMPORT("example:sample/strings", "lots")
uint32_t imp_strings_lots(const lots_params_t *params);

/* list<string> result: host writes (ptr, len) to `ret`; array and every
 * string in it are allocated with our cabi_realloc. */
IMPORT("example:sample/lists", "filter-bool")
void imp_lists_filter_bool(lists_v_t *a_ptr, size_t a_len,
                           cabi_list_string_t *ret);

/* Small wrappers so call sites read like the WIT. `s` is always the name of
 * the export doing the logging. */
static void log_bool(bool a, const char *s) {
  cabi_string_t m = string_lit(s);
  imp_log_bool(a ? 1 : 0, m.ptr, m.len);
}
static void log_u32(uint32_t a, const char *s) {
  cabi_string_t m = string_lit(s);
  imp_log_u32(a, m.ptr, m.len);
}
static void log_u64(uint64_t a, const char *s) {
  cabi_string_t m = string_lit(s);
  imp_log_u64(a, m.ptr, m.len);
}
static void log_f32(float a, const char *s) {
  cabi_string_t m = string_lit(s);
  imp_log_f32(a, m.ptr, m.len);
}
static void log_f64(double a, const char *s) {
  cabi_string_t m = string_lit(s);
  imp_log_f64(a, m.ptr, m.len);
}
static void log_str(cabi_string_t a, const char *s) {
  cabi_string_t m = string_lit(s);
  imp_log_str(a.ptr, a.len, m.ptr, m.len);
}

/* ------------------------------------------------------------------------ */
/* Pure helpers                                                             */
/* ------------------------------------------------------------------------ */

/* Reverse by Unicode scalar values (not bytes) so the result stays valid
 * UTF-8; the host guarantees the input is valid UTF-8. */
static cabi_string_t utf8_reverse(const uint8_t *src, size_t len) {
  cabi_string_t out = {NULL, len};
  if (len == 0) return out;
  out.ptr = xmalloc(len);
  size_t i = 0;
  while (i < len) {
    size_t n = 1; /* length of the UTF-8 sequence starting at i */
    while (i + n < len && (src[i + n] & 0xC0) == 0x80) n++;
    memcpy(out.ptr + (len - i - n), src + i, n);
    i += n;
  }
  return out;
}

/* a ++ b, both borrowed; result owned by the caller. */
static cabi_string_t string_concat(cabi_string_t a, cabi_string_t b) {
  cabi_string_t out = {NULL, a.len + b.len};
  if (out.len == 0) return out;
  out.ptr = xmalloc(out.len);
  if (a.len) memcpy(out.ptr, a.ptr, a.len);
  if (b.len) memcpy(out.ptr + a.len, b.ptr, b.len);
  return out;
}

/* ------------------------------------------------------------------------ */
/* World-level exports                                                      */
/* ------------------------------------------------------------------------ */

/* void-func: () -> (); calls the imported void-func once. */
EXPORT("void-func")
void exp_void_func(void) {
  log_str(string_lit(""), "void-func");
  imp_void_func();
}

/* result<u32, string> is 3 flat values -> returned via our return area. */
static result_u32_string_t ok_func_ret;

/* ok-func: ok(a + b), wrapping at 2^32. */
EXPORT("ok-func")
result_u32_string_t *exp_ok_func(uint32_t a, uint32_t b) {
  uint32_t sum = a + b;
  log_u32(sum, "ok-func");
  ok_func_ret.tag = RESULT_OK;
  ok_func_ret.val.ok = sum;
  return &ok_func_ret;
}

/* Frees the error string if the result was an err. */
EXPORT("cabi_post_ok-func")
void exp_post_ok_func(result_u32_string_t *ret) {
  if (ret->tag == RESULT_ERR) string_free(&ret->val.err);
}

static result_u32_string_t err_func_ret;

/* err-func: always err("error"); the string is heap-allocated so that the
 * post-return function has something real to free. */
EXPORT("err-func")
result_u32_string_t *exp_err_func(uint32_t a, uint32_t b) {
  (void)a;
  (void)b;
  cabi_string_t msg = string_lit("error");
  log_str(msg, "err-func");
  err_func_ret.tag = RESULT_ERR;
  err_func_ret.val.err = string_dup(msg.ptr, msg.len);
  return &err_func_ret;
}

EXPORT("cabi_post_err-func")
void exp_post_err_func(result_u32_string_t *ret) {
  if (ret->tag == RESULT_ERR) string_free(&ret->val.err);
}

/* option<u32> is 2 flat values (discriminant, payload) both ways. */
static option_u32_t option_func_ret;

/* option-func: identity. Owns no memory, so no post-return. */
EXPORT("option-func")
option_u32_t *exp_option_func(uint32_t is_some, uint32_t val) {
  log_bool(is_some != 0, "option-func");
  option_func_ret.tag = is_some ? OPTION_SOME : OPTION_NONE;
  option_func_ret.val = is_some ? val : 0;
  return &option_func_ret;
}

/* ------------------------------------------------------------------------ */
/* example:sample/booleans, floats                                          */
/* ------------------------------------------------------------------------ */

/* and(a, b) = host-and(a, b) && (a && b). bool in, bool out: all flat. */
EXPORT("example:sample/booleans#and")
uint32_t exp_booleans_and(uint32_t a, uint32_t b) {
  bool host = imp_booleans_and(a != 0, b != 0) != 0;
  bool result = host && (a != 0) && (b != 0);
  log_bool(result, "booleans.and");
  return result ? 1 : 0;
}

/* add(a, b) = host-add(a, b) + (a + b). */
EXPORT("example:sample/floats#add")
double exp_floats_add(double a, double b) {
  double result = imp_floats_add(a, b) + (a + b);
  log_f32((float)result, "floats.add");
  log_f64(result, "floats.add");
  return result;
}

/* ------------------------------------------------------------------------ */
/* example:sample/strings                                                   */
/* ------------------------------------------------------------------------ */

static cabi_string_t strings_reverse_ret;

/* reverse(a) = reverse(a) ++ host-reverse(a). `a` was allocated by the host
 * with cabi_realloc and is ours to free. */
EXPORT("example:sample/strings#reverse")
cabi_string_t *exp_strings_reverse(uint8_t *a_ptr, size_t a_len) {
  cabi_string_t a = {a_ptr, a_len};
  cabi_string_t mine = utf8_reverse(a.ptr, a.len);
  cabi_string_t host;
  imp_strings_reverse(a.ptr, a.len, &host);
  strings_reverse_ret = string_concat(mine, host);
  string_free(&mine);
  string_free(&host);
  string_free(&a);
  log_str(strings_reverse_ret, "strings.reverse");
  return &strings_reverse_ret;
}

EXPORT("cabi_post_example:sample/strings#reverse")
void exp_post_strings_reverse(cabi_string_t *ret) { string_free(ret); }

/* lots(p1..p17) = sum of the byte lengths. 34 flat params > 16, so the host
 * stored the 17 strings as a tuple in memory it got from cabi_realloc and
 * passes its address. We hand the same tuple to the imported `lots`
 * (which takes its params the same way), log the host's answer, then free
 * the strings and the tuple. */
EXPORT("example:sample/strings#lots")
uint32_t exp_strings_lots(lots_params_t *params) {
  uint32_t sum = 0;
  for (int i = 0; i < LOTS_N; i++) sum += (uint32_t)params->p[i].len;
  uint32_t host = imp_strings_lots(params);
  log_u32(host, "strings.lots");
  for (int i = 0; i < LOTS_N; i++) string_free(&params->p[i]);
  free(params);
  return sum;
}

/* ------------------------------------------------------------------------ */
/* example:sample/tuples                                                    */
/* ------------------------------------------------------------------------ */

static tuple_string_bool_t tuples_reverse_ret;

/* reverse((b, s)) = (s, b). tuple<bool, string> flattens to 3 params; the
 * string's ownership moves from the param into the return area and is
 * freed by the post-return function. */
EXPORT("example:sample/tuples#reverse")
tuple_string_bool_t *exp_tuples_reverse(uint32_t a0, uint8_t *a1_ptr,
                                        size_t a1_len) {
  cabi_string_t s = {a1_ptr, a1_len};
  log_str(s, "tuples.reverse");
  tuples_reverse_ret.f0 = s;
  tuples_reverse_ret.f1 = a0 != 0;
  return &tuples_reverse_ret;
}

EXPORT("cabi_post_example:sample/tuples#reverse")
void exp_post_tuples_reverse(tuple_string_bool_t *ret) {
  string_free(&ret->f0);
}

/* ------------------------------------------------------------------------ */
/* example:sample/lists                                                     */
/* ------------------------------------------------------------------------ */

static cabi_list_string_t lists_filter_bool_ret;

/* filter-bool(l) = [s for s(..) in l] ++ host-filter-bool(l).
 * The input list (and its strings) is ours; we lend it to the import, copy
 * the strings we keep, then free it. The import's result list is ours too;
 * its strings are moved into our result. */
EXPORT("example:sample/lists#filter-bool")
cabi_list_string_t *exp_lists_filter_bool(lists_v_t *a_ptr, size_t a_len) {
  lists_list_v_t a = {a_ptr, a_len};

  cabi_list_string_t host;
  imp_lists_filter_bool(a.ptr, a.len, &host);

  size_t mine = 0;
  for (size_t i = 0; i < a.len; i++)
    if (a.ptr[i].tag == LISTS_V_S) mine++;

  cabi_list_string_t out = {NULL, mine + host.len};
  out.ptr = xmalloc(out.len * sizeof(cabi_string_t));
  size_t k = 0;
  for (size_t i = 0; i < a.len; i++)
    if (a.ptr[i].tag == LISTS_V_S)
      out.ptr[k++] = string_dup(a.ptr[i].val.s.ptr, a.ptr[i].val.s.len);
  for (size_t i = 0; i < host.len; i++) out.ptr[k++] = host.ptr[i]; /* move */

  if (host.len > 0) free(host.ptr); /* strings moved, free only the array */
  list_v_free(&a);
  if (out.len == 0) { /* keep the "len 0 => nothing to free" invariant */
    free(out.ptr);
    out.ptr = NULL;
  }

  log_u32((uint32_t)out.len, "lists.filter-bool");
  lists_filter_bool_ret = out;
  return &lists_filter_bool_ret;
}

EXPORT("cabi_post_example:sample/lists#filter-bool")
void exp_post_lists_filter_bool(cabi_list_string_t *ret) {
  list_string_free(ret);
}

/* ------------------------------------------------------------------------ */
/* example:sample/variants, enums                                           */
/* ------------------------------------------------------------------------ */

static variants_v_t variant_func_ret;

/* variant-func: b(x) -> b(!x); u(n) -> u(n * 2), wrapping at 2^32.
 * Flat params: discriminant, then the payload joined to one i32 (both
 * cases' payloads are i32). Logs b with log-bool(!x) and u with
 * log-u64(n * 2 computed in 64 bits, i.e. before wrapping). */
EXPORT("example:sample/variants#variant-func")
variants_v_t *exp_variant_func(uint32_t tag, uint32_t payload) {
  if (tag == VARIANTS_V_B) {
    bool x = payload != 0;
    log_bool(!x, "variants.variant-func");
    variant_func_ret.tag = VARIANTS_V_B;
    variant_func_ret.val.b = !x;
  } else {
    log_u64((uint64_t)payload * 2, "variants.variant-func");
    variant_func_ret.tag = VARIANTS_V_U;
    variant_func_ret.val.u = payload * 2;
  }
  return &variant_func_ret;
}

/* enum-func: identity. An enum is its case index, one flat i32. */
EXPORT("example:sample/enums#enum-func")
uint32_t exp_enum_func(uint32_t e) {
  log_u32(e, "enums.enum-func");
  return e;
}
