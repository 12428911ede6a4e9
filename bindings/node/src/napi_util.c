/* Conversion helpers for the generated Node-API glue; see napi_util.h. */
#include "napi_util.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "patron.h"

typedef struct pn_handle {
    void *p;
    const char *type;
    pn_free_fn free_fn;
} pn_handle;

typedef struct pn_instance {
    napi_ref error_class;
} pn_instance;

static int pn_type_error(napi_env env, const char *what, const char *expected)
{
    char buf[256];
    snprintf(buf, sizeof buf, "%s: expected %s", what, expected);
    napi_throw_type_error(env, NULL, buf);
    return -1;
}

void *pn_arena_alloc(napi_env env, pn_arena *a, size_t n)
{
    if (a->n == a->cap) {
        size_t cap = a->cap ? a->cap * 2 : 8;
        void **items = realloc(a->items, cap * sizeof *items);
        if (!items) {
            napi_throw_error(env, NULL, "out of memory");
            return NULL;
        }
        a->items = items;
        a->cap = cap;
    }
    void *p = malloc(n ? n : 1);
    if (!p) {
        napi_throw_error(env, NULL, "out of memory");
        return NULL;
    }
    a->items[a->n++] = p;
    return p;
}

void pn_arena_free(pn_arena *a)
{
    for (size_t i = 0; i < a->n; i++)
        free(a->items[i]);
    free(a->items);
    a->items = NULL;
    a->n = a->cap = 0;
}

int pn_args(napi_env env, napi_callback_info info, size_t n, napi_value *argv)
{
    size_t argc = n;
    if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok)
        return -1;
    /* Missing trailing arguments are undefined (napi fills them). */
    return 0;
}

static napi_valuetype pn_typeof(napi_env env, napi_value v)
{
    napi_valuetype t = napi_undefined;
    napi_typeof(env, v, &t);
    return t;
}

static int pn_number(napi_env env, napi_value v, double *out, const char *what)
{
    napi_valuetype t = pn_typeof(env, v);
    if (t == napi_number)
        return napi_get_value_double(env, v, out) == napi_ok ? 0 : -1;
    if (t == napi_bigint) {
        int64_t i;
        bool lossless;
        if (napi_get_value_bigint_int64(env, v, &i, &lossless) != napi_ok)
            return -1;
        *out = (double)i;
        return 0;
    }
    if (t == napi_boolean) {
        bool b;
        napi_get_value_bool(env, v, &b);
        *out = b;
        return 0;
    }
    return pn_type_error(env, what, "a number");
}

static int pn_integer(napi_env env, napi_value v, double lo, double hi, double *out, const char *what)
{
    if (pn_number(env, v, out, what))
        return -1;
    if (!(*out == floor(*out)) || *out < lo || *out > hi) {
        char buf[256];
        snprintf(buf, sizeof buf, "%s: %.17g is not an integer in [%.17g, %.17g]", what, *out, lo, hi);
        napi_throw_range_error(env, NULL, buf);
        return -1;
    }
    return 0;
}

int pn_get_i32(napi_env env, napi_value v, int32_t *out, const char *what)
{
    double d;
    if (pn_integer(env, v, -2147483648.0, 2147483647.0, &d, what))
        return -1;
    *out = (int32_t)d;
    return 0;
}

int pn_get_u32(napi_env env, napi_value v, uint32_t *out, const char *what)
{
    double d;
    if (pn_integer(env, v, 0, 4294967295.0, &d, what))
        return -1;
    *out = (uint32_t)d;
    return 0;
}

int pn_get_i64(napi_env env, napi_value v, int64_t *out, const char *what)
{
    if (pn_typeof(env, v) == napi_bigint) {
        bool lossless;
        if (napi_get_value_bigint_int64(env, v, out, &lossless) != napi_ok)
            return -1;
        if (!lossless) {
            napi_throw_range_error(env, NULL, what);
            return -1;
        }
        return 0;
    }
    double d;
    /* Numbers beyond 2^53 are not exact: use a BigInt for those. */
    if (pn_integer(env, v, -9007199254740991.0, 9007199254740991.0, &d, what))
        return -1;
    *out = (int64_t)d;
    return 0;
}

int pn_get_u64(napi_env env, napi_value v, uint64_t *out, const char *what)
{
    if (pn_typeof(env, v) == napi_bigint) {
        bool lossless;
        if (napi_get_value_bigint_uint64(env, v, out, &lossless) != napi_ok)
            return -1;
        if (!lossless) {
            napi_throw_range_error(env, NULL, what);
            return -1;
        }
        return 0;
    }
    double d;
    if (pn_integer(env, v, 0, 9007199254740991.0, &d, what))
        return -1;
    *out = (uint64_t)d;
    return 0;
}

int pn_get_f64(napi_env env, napi_value v, double *out, const char *what)
{
    return pn_number(env, v, out, what);
}

int pn_get_bool(napi_env env, napi_value v, bool *out, const char *what)
{
    napi_valuetype t = pn_typeof(env, v);
    if (t == napi_boolean)
        return napi_get_value_bool(env, v, out) == napi_ok ? 0 : -1;
    if (t == napi_number) {
        double d;
        napi_get_value_double(env, v, &d);
        *out = d != 0;
        return 0;
    }
    return pn_type_error(env, what, "a boolean");
}

int pn_get_str(napi_env env, napi_value v, pn_arena *a, const char **out, const char *what)
{
    napi_valuetype t = pn_typeof(env, v);
    if (t == napi_null || t == napi_undefined) {
        *out = NULL;
        return 0;
    }
    if (t != napi_string)
        return pn_type_error(env, what, "a string");
    size_t len;
    if (napi_get_value_string_utf8(env, v, NULL, 0, &len) != napi_ok)
        return -1;
    char *s = pn_arena_alloc(env, a, len + 1);
    if (!s)
        return -1;
    if (napi_get_value_string_utf8(env, v, s, len + 1, &len) != napi_ok)
        return -1;
    if (strlen(s) != len) {
        napi_throw_type_error(env, NULL, "string contains a NUL character");
        return -1;
    }
    *out = s;
    return 0;
}

int pn_get_strv(napi_env env, napi_value v, pn_arena *a, void **out, const char *what)
{
    napi_valuetype t = pn_typeof(env, v);
    if (t == napi_null || t == napi_undefined) {
        *out = NULL;
        return 0;
    }
    bool is_array = false;
    napi_is_array(env, v, &is_array);
    if (!is_array)
        return pn_type_error(env, what, "an array of strings");
    uint32_t n;
    napi_get_array_length(env, v, &n);
    const char **vec = pn_arena_alloc(env, a, (n + 1) * sizeof *vec);
    if (!vec)
        return -1;
    for (uint32_t i = 0; i < n; i++) {
        napi_value e;
        if (napi_get_element(env, v, i, &e) != napi_ok || pn_get_str(env, e, a, &vec[i], what))
            return -1;
    }
    vec[n] = NULL;
    *out = (void *)vec;
    return 0;
}

static const char *typed_name(napi_typedarray_type t)
{
    switch (t) {
    case napi_int8_array: return "an Int8Array";
    case napi_uint8_array: return "a Uint8Array";
    case napi_uint8_clamped_array: return "a Uint8ClampedArray";
    case napi_int16_array: return "an Int16Array";
    case napi_uint16_array: return "a Uint16Array";
    case napi_int32_array: return "an Int32Array";
    case napi_uint32_array: return "a Uint32Array";
    case napi_float32_array: return "a Float32Array";
    case napi_float64_array: return "a Float64Array";
    case napi_bigint64_array: return "a BigInt64Array";
    case napi_biguint64_array: return "a BigUint64Array";
    }
    return "a TypedArray";
}

int pn_get_typed(napi_env env, napi_value v, napi_typedarray_type type, void **out, size_t *len,
                 const char *what)
{
    napi_valuetype t = pn_typeof(env, v);
    if (t == napi_null || t == napi_undefined) {
        *out = NULL;
        *len = 0;
        return 0;
    }
    bool is_typed = false;
    napi_is_typedarray(env, v, &is_typed);
    if (is_typed) {
        napi_typedarray_type got;
        size_t n;
        void *data;
        if (napi_get_typedarray_info(env, v, &got, &n, &data, NULL, NULL) != napi_ok)
            return -1;
        if (got == type || (type == napi_uint8_array && got == napi_uint8_clamped_array)) {
            *out = data;
            *len = n;
            return 0;
        }
    }
    return pn_type_error(env, what, typed_name(type));
}

int pn_get_bytes(napi_env env, napi_value v, void **out, size_t *len, const char *what)
{
    napi_valuetype t = pn_typeof(env, v);
    size_t n = 0;
    *out = NULL;
    if (t == napi_null || t == napi_undefined)
        goto done;
    bool flag = false;
    if (napi_is_typedarray(env, v, &flag) == napi_ok && flag) {
        napi_typedarray_type tt;
        size_t count;
        napi_value ab;
        size_t off;
        if (napi_get_typedarray_info(env, v, &tt, &count, out, &ab, &off) != napi_ok)
            return -1;
        size_t el = 1;
        switch (tt) {
        case napi_int16_array: case napi_uint16_array: el = 2; break;
        case napi_int32_array: case napi_uint32_array: case napi_float32_array: el = 4; break;
        case napi_float64_array: case napi_bigint64_array: case napi_biguint64_array: el = 8; break;
        default: break;
        }
        n = count * el;
        goto done;
    }
    if (napi_is_dataview(env, v, &flag) == napi_ok && flag) {
        if (napi_get_dataview_info(env, v, &n, out, NULL, NULL) != napi_ok)
            return -1;
        goto done;
    }
    if (napi_is_arraybuffer(env, v, &flag) == napi_ok && flag) {
        if (napi_get_arraybuffer_info(env, v, out, &n) != napi_ok)
            return -1;
        goto done;
    }
    return pn_type_error(env, what, "a TypedArray, DataView or ArrayBuffer");
done:
    if (len)
        *len = n;
    return 0;
}

static int pn_unwrap(napi_env env, napi_value v, const char *type, pn_handle **out, const char *what)
{
    napi_valuetype t = pn_typeof(env, v);
    *out = NULL;
    if (t == napi_null || t == napi_undefined)
        return 0;
    if (t == napi_object) { /* a wrapper object with a `handle` property (index.js classes) */
        napi_value inner;
        bool has = false;
        if (napi_has_named_property(env, v, "handle", &has) == napi_ok && has &&
            napi_get_named_property(env, v, "handle", &inner) == napi_ok)
            return pn_unwrap(env, inner, type, out, what);
    }
    if (t != napi_external) {
        char buf[128];
        snprintf(buf, sizeof buf, "a %s handle", type);
        return pn_type_error(env, what, buf);
    }
    pn_handle *h;
    if (napi_get_value_external(env, v, (void **)&h) != napi_ok)
        return -1;
    if (strcmp(h->type, type) != 0) {
        char buf[128];
        snprintf(buf, sizeof buf, "a %s handle, not %s", type, h->type);
        return pn_type_error(env, what, buf);
    }
    *out = h;
    return 0;
}

int pn_get_handle(napi_env env, napi_value v, const char *type, void **out, const char *what)
{
    pn_handle *h;
    if (pn_unwrap(env, v, type, &h, what))
        return -1;
    if (h && !h->p) {
        char buf[256];
        snprintf(buf, sizeof buf, "%s: the %s was closed", what, type);
        napi_throw_error(env, "ERR_PATRON_CLOSED", buf);
        return -1;
    }
    *out = h ? h->p : NULL;
    return 0;
}

int pn_take_handle(napi_env env, napi_value v, const char *type, void **out, const char *what)
{
    pn_handle *h;
    if (pn_unwrap(env, v, type, &h, what))
        return -1;
    *out = h ? h->p : NULL; /* NULL when already closed: the C free is a no-op */
    if (h)
        h->p = NULL;
    return 0;
}

int pn_struct_arg(napi_env env, napi_value v, void *ptr_out, void *storage, size_t size, pn_arena *a,
                  pn_struct_conv conv)
{
    napi_valuetype t = pn_typeof(env, v);
    if (t == napi_null || t == napi_undefined) {
        *(void **)ptr_out = NULL;
        return 0;
    }
    bool is_array = false;
    napi_is_array(env, v, &is_array);
    if (is_array) { /* an array of structs (`const T *items, size_t n`) */
        uint32_t n;
        napi_get_array_length(env, v, &n);
        unsigned char *items = pn_arena_alloc(env, a, (size_t)(n ? n : 1) * size);
        if (!items)
            return -1;
        for (uint32_t i = 0; i < n; i++) {
            napi_value e;
            if (napi_get_element(env, v, i, &e) != napi_ok || conv(env, e, a, items + (size_t)i * size))
                return -1;
        }
        *(void **)ptr_out = items;
        return 0;
    }
    if (conv(env, v, a, storage))
        return -1;
    *(void **)ptr_out = storage;
    return 0;
}

int pn_struct_array_arg(napi_env env, napi_value v, void *ptr_out, size_t *count, size_t size, pn_arena *a,
                        pn_struct_conv conv, const char *what)
{
    napi_valuetype t = pn_typeof(env, v);
    *count = 0;
    if (t == napi_null || t == napi_undefined) {
        *(void **)ptr_out = NULL;
        return 0;
    }
    bool is_array = false;
    napi_is_array(env, v, &is_array);
    if (!is_array)
        return pn_type_error(env, what, "an array of objects");
    uint32_t n;
    if (napi_get_array_length(env, v, &n) != napi_ok)
        return -1;
    unsigned char *items = pn_arena_alloc(env, a, (size_t)(n ? n : 1) * size);
    if (!items)
        return -1;
    for (uint32_t i = 0; i < n; i++) {
        napi_value e;
        if (napi_get_element(env, v, i, &e) != napi_ok || conv(env, e, a, items + (size_t)i * size))
            return -1;
    }
    *(void **)ptr_out = items;
    *count = n;
    return 0;
}

int pn_check_length(napi_env env, int present, size_t have, size_t need, const char *what, const char *length)
{
    if (!present || have >= need)
        return 0;
    char msg[320];
    snprintf(msg, sizeof msg, "%s: has %zu elements; %s = %zu are needed", what, have, length, need);
    napi_throw_range_error(env, NULL, msg);
    return -1;
}

int pn_get_chars(napi_env env, napi_value v, char *buf, size_t cap, const char *what)
{
    size_t len;
    if (pn_typeof(env, v) != napi_string)
        return pn_type_error(env, what, "a string");
    if (napi_get_value_string_utf8(env, v, NULL, 0, &len) != napi_ok)
        return -1;
    if (len >= cap) {
        char msg[256];
        snprintf(msg, sizeof msg, "%s: string of %zu bytes does not fit in %zu", what, len, cap - 1);
        napi_throw_range_error(env, NULL, msg);
        return -1;
    }
    return napi_get_value_string_utf8(env, v, buf, cap, &len) == napi_ok ? 0 : -1;
}

int pn_typeof_undefined(napi_env env, napi_value v)
{
    return pn_typeof(env, v) == napi_undefined;
}

napi_value pn_new_chars(napi_env env, const char *buf, size_t cap)
{
    napi_value r = NULL;
    napi_create_string_utf8(env, buf, strnlen(buf, cap), &r);
    return r;
}

int pn_check_object(napi_env env, napi_value v, const char *what)
{
    if (pn_typeof(env, v) != napi_object)
        return pn_type_error(env, what, "an object");
    return 0;
}

int pn_field(napi_env env, napi_value obj, const char *name, napi_value *out, bool *has)
{
    *has = false;
    if (napi_has_named_property(env, obj, name, has) != napi_ok)
        return -1;
    if (!*has)
        return 0;
    if (napi_get_named_property(env, obj, name, out) != napi_ok)
        return -1;
    if (pn_typeof(env, *out) == napi_undefined)
        *has = false;
    return 0;
}

int pn_set(napi_env env, napi_value obj, const char *name, napi_value v)
{
    if (!v)
        return -1;
    return napi_set_named_property(env, obj, name, v) == napi_ok ? 0 : -1;
}

napi_value pn_new_i32(napi_env env, int32_t v)
{
    napi_value r = NULL;
    napi_create_int32(env, v, &r);
    return r;
}

napi_value pn_new_u32(napi_env env, uint32_t v)
{
    napi_value r = NULL;
    napi_create_uint32(env, v, &r);
    return r;
}

/* 64-bit integers come back as Numbers while exact (|v| <= 2^53 - 1, which
 * covers money in minor units and timestamps), else as BigInt. */
napi_value pn_new_i64(napi_env env, int64_t v)
{
    napi_value r = NULL;
    if (v >= -9007199254740991LL && v <= 9007199254740991LL)
        napi_create_int64(env, v, &r);
    else
        napi_create_bigint_int64(env, v, &r);
    return r;
}

napi_value pn_new_u64(napi_env env, uint64_t v)
{
    napi_value r = NULL;
    if (v <= 9007199254740991ULL)
        napi_create_double(env, (double)v, &r);
    else
        napi_create_bigint_uint64(env, v, &r);
    return r;
}

napi_value pn_new_f64(napi_env env, double v)
{
    napi_value r = NULL;
    napi_create_double(env, v, &r);
    return r;
}

napi_value pn_new_bool(napi_env env, bool v)
{
    napi_value r = NULL;
    napi_get_boolean(env, v, &r);
    return r;
}

napi_value pn_new_str(napi_env env, const char *s)
{
    napi_value r = NULL;
    if (!s)
        napi_get_null(env, &r);
    else
        napi_create_string_utf8(env, s, NAPI_AUTO_LENGTH, &r);
    return r;
}

napi_value pn_take_str(napi_env env, char *s, int free_it)
{
    napi_value r = pn_new_str(env, s);
    if (free_it)
        patron_free(s);
    return r;
}

napi_value pn_new_ptr(napi_env env, const void *p)
{
    napi_value r = NULL;
    if (!p)
        napi_get_null(env, &r);
    else
        napi_create_bigint_uint64(env, (uint64_t)(uintptr_t)p, &r);
    return r;
}

static void pn_handle_finalize(napi_env env, void *data, void *hint)
{
    (void)env;
    (void)hint;
    pn_handle *h = data;
    if (h->p && h->free_fn)
        h->free_fn(h->p);
    free(h);
}

napi_value pn_new_handle(napi_env env, void *p, const char *type, pn_free_fn free_fn)
{
    napi_value r = NULL;
    if (!p) {
        napi_get_null(env, &r);
        return r;
    }
    pn_handle *h = malloc(sizeof *h);
    if (!h) {
        if (free_fn)
            free_fn(p);
        napi_throw_error(env, NULL, "out of memory");
        return NULL;
    }
    h->p = p;
    h->type = type;
    h->free_fn = free_fn;
    if (napi_create_external(env, h, pn_handle_finalize, NULL, &r) != napi_ok) {
        if (free_fn)
            free_fn(p);
        free(h);
        return NULL;
    }
    return r;
}

napi_value pn_undefined(napi_env env)
{
    napi_value r = NULL;
    napi_get_undefined(env, &r);
    return r;
}

napi_value pn_null(napi_env env)
{
    napi_value r = NULL;
    napi_get_null(env, &r);
    return r;
}

napi_value pn_throw_status(napi_env env, int rc)
{
    const char *detail = patron_errmsg();
    const char *msg = detail && *detail ? detail : patron_strerror(rc);
    pn_instance *inst = NULL;
    napi_value ctor = NULL;
    if (napi_get_instance_data(env, (void **)&inst) == napi_ok && inst && inst->error_class &&
        napi_get_reference_value(env, inst->error_class, &ctor) == napi_ok && ctor) {
        napi_value args[2], err;
        napi_create_string_utf8(env, msg, NAPI_AUTO_LENGTH, &args[0]);
        napi_create_int32(env, rc, &args[1]);
        if (napi_new_instance(env, ctor, 2, args, &err) == napi_ok) {
            napi_throw(env, err);
            return NULL;
        }
    }
    napi_throw_error(env, patron_strerror(rc), msg);
    return NULL;
}

napi_value pn_throw_unsupported(napi_env env, const char *msg)
{
    napi_throw_error(env, "ERR_PATRON_UNSUPPORTED", msg);
    return NULL;
}

static void pn_instance_free(napi_env env, void *data, void *hint)
{
    (void)hint;
    pn_instance *inst = data;
    if (inst->error_class)
        napi_delete_reference(env, inst->error_class);
    free(inst);
}

/* setErrorClass(PatronError): the class the addon throws for failed calls. */
static napi_value pn_set_error_class(napi_env env, napi_callback_info info)
{
    napi_value argv[1];
    size_t argc = 1;
    if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok)
        return NULL;
    if (argc < 1 || pn_typeof(env, argv[0]) != napi_function) {
        napi_throw_type_error(env, NULL, "setErrorClass: expected a constructor");
        return NULL;
    }
    pn_instance *inst = NULL;
    napi_get_instance_data(env, (void **)&inst);
    if (inst->error_class)
        napi_delete_reference(env, inst->error_class);
    if (napi_create_reference(env, argv[0], 1, &inst->error_class) != napi_ok)
        return NULL;
    return pn_undefined(env);
}

static napi_value pn_init(napi_env env, napi_value exports)
{
    pn_instance *inst = calloc(1, sizeof *inst);
    if (!inst || napi_set_instance_data(env, inst, pn_instance_free, NULL) != napi_ok) {
        free(inst);
        napi_throw_error(env, NULL, "patron: cannot initialise the addon");
        return NULL;
    }
    napi_value fn;
    if (napi_create_function(env, "setErrorClass", NAPI_AUTO_LENGTH, pn_set_error_class, NULL, &fn) != napi_ok ||
        pn_set(env, exports, "setErrorClass", fn))
        return NULL;
    return pn_generated_init(env, exports);
}

NAPI_MODULE_INIT()
{
    return pn_init(env, exports);
}
