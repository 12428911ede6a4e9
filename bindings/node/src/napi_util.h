/* Helpers shared by the generated Node-API glue (binding_gen.c) and the
 * addon's entry point. Conversions are zero-copy for TypedArrays; every
 * helper returns non-zero with a pending JavaScript exception on failure. */
#ifndef PATRON_NAPI_UTIL_H
#define PATRON_NAPI_UTIL_H

#ifndef NAPI_VERSION
#define NAPI_VERSION 8
#endif
#include <node_api.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#if defined(__GNUC__) || defined(__clang__)
#define PN_UNUSED __attribute__((unused))
#else
#define PN_UNUSED
#endif

/* Per-call scratch memory (converted strings), released after the C call. */
typedef struct pn_arena {
    void **items;
    size_t n, cap;
} pn_arena;
#define PN_ARENA_INIT { NULL, 0, 0 }
void *pn_arena_alloc(napi_env env, pn_arena *a, size_t n);
void pn_arena_free(pn_arena *a);

typedef void (*pn_free_fn)(void *);
typedef int (*pn_struct_conv)(napi_env env, napi_value v, pn_arena *a, void *out);

int pn_args(napi_env env, napi_callback_info info, size_t n, napi_value *argv);
int pn_get_i32(napi_env env, napi_value v, int32_t *out, const char *what);
int pn_get_u32(napi_env env, napi_value v, uint32_t *out, const char *what);
int pn_get_i64(napi_env env, napi_value v, int64_t *out, const char *what);
int pn_get_u64(napi_env env, napi_value v, uint64_t *out, const char *what);
int pn_get_f64(napi_env env, napi_value v, double *out, const char *what);
int pn_get_bool(napi_env env, napi_value v, bool *out, const char *what);
int pn_get_str(napi_env env, napi_value v, pn_arena *a, const char **out, const char *what);
int pn_get_strv(napi_env env, napi_value v, pn_arena *a, void **out, const char *what);
int pn_get_typed(napi_env env, napi_value v, napi_typedarray_type type, void **out, size_t *len,
                 const char *what);
int pn_get_bytes(napi_env env, napi_value v, void **out, size_t *len, const char *what);
int pn_get_handle(napi_env env, napi_value v, const char *type, void **out, const char *what);
int pn_take_handle(napi_env env, napi_value v, const char *type, void **out, const char *what);
/* An array of structs (`const T *items` annotated [array: LEN]): null/undefined
 * gives NULL and *count 0; anything but an array is a TypeError. */
int pn_struct_array_arg(napi_env env, napi_value v, void *ptr_out, size_t *count, size_t size, pn_arena *a,
                        pn_struct_conv conv, const char *what);
/* RangeError unless an array argument holds `need` elements (when present):
 * the C function would read or write past its end. */
int pn_check_length(napi_env env, int present, size_t have, size_t need, const char *what, const char *length);
int pn_struct_arg(napi_env env, napi_value v, void *ptr_out, void *storage, size_t size, pn_arena *a,
                  pn_struct_conv conv);
int pn_get_chars(napi_env env, napi_value v, char *buf, size_t cap, const char *what);
int pn_typeof_undefined(napi_env env, napi_value v);
napi_value pn_new_chars(napi_env env, const char *buf, size_t cap);
int pn_check_object(napi_env env, napi_value v, const char *what);
int pn_field(napi_env env, napi_value obj, const char *name, napi_value *out, bool *has);
int pn_set(napi_env env, napi_value obj, const char *name, napi_value v);

napi_value pn_new_i32(napi_env env, int32_t v);
napi_value pn_new_u32(napi_env env, uint32_t v);
napi_value pn_new_i64(napi_env env, int64_t v);
napi_value pn_new_u64(napi_env env, uint64_t v);
napi_value pn_new_f64(napi_env env, double v);
napi_value pn_new_bool(napi_env env, bool v);
napi_value pn_new_str(napi_env env, const char *s);
napi_value pn_take_str(napi_env env, char *s, int free_it);
napi_value pn_new_ptr(napi_env env, const void *p);
napi_value pn_new_handle(napi_env env, void *p, const char *type, pn_free_fn free_fn);
napi_value pn_undefined(napi_env env);
napi_value pn_null(napi_env env);

napi_value pn_throw_status(napi_env env, int rc);
napi_value pn_throw_unsupported(napi_env env, const char *msg);

/* Defined in binding_gen.c. */
napi_value pn_generated_init(napi_env env, napi_value exports);

#endif
