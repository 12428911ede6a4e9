/* Internal: a read-only, typed view of named columns of equal length.
 *
 * The rule engine (lib/segment) evaluates over this view, not over a concrete
 * frame type, so that its unit tests can feed in-test arrays and so that any
 * columnar source (the customer frame, a caller's arrays) can be adapted. The
 * view never owns the data it points to. */
#ifndef PATRON_INTERNAL_COLUMNS_H
#define PATRON_INTERNAL_COLUMNS_H

#include <stddef.h>
#include <stdint.h>

typedef enum patron__coltype {
    PATRON__COL_F64 = 1,  /* const double *, NaN = missing */
    PATRON__COL_I64 = 2,  /* const int64_t *, never missing */
    PATRON__COL_TIME = 3, /* const int64_t *, UTC seconds; INT64_MIN = missing */
    PATRON__COL_BOOL = 4, /* const uint8_t *, 0 = false, anything else = true */
    PATRON__COL_CAT = 5,  /* const int32_t * codes into levels[]; < 0 or >= nlevels = missing */
    PATRON__COL_STR = 6,  /* const char *const * one string per row; NULL or "" = missing */
    PATRON__COL_BOOL_I64 = 7, /* const int64_t *, 0 = false, anything else = true */
    PATRON__COL_BOOL_F64 = 8  /* const double *, 0 or NaN = false, anything else = true */
} patron__coltype;

typedef struct patron__column {
    const char *name;          /* NUL-terminated, e.g. "consent.sms" */
    patron__coltype type;
    const void *data;          /* nrows values of the type above */
    const char *const *levels; /* PATRON__COL_CAT: level names */
    size_t nlevels;            /* PATRON__COL_CAT: number of levels */
} patron__column;

typedef struct patron__colset {
    const patron__column *cols;
    size_t ncols;
    size_t nrows;
} patron__colset;

/* The column named exactly name[0..len), or NULL. */
const patron__column *patron__colset_find(const patron__colset *cs, const char *name, size_t len);

/* Human-readable type name ("number", "time", "boolean", "category", "text"). */
const char *patron__coltype_name(patron__coltype t);

#endif
