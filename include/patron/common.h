/**
 * @file common.h
 * @brief Status codes, error detail, allocator hooks and the conventions every
 *        libpatron module shares.
 *
 * Conventions (see the "Conventions" guide page for the full text):
 *
 * - Every fallible function returns an `int` status: #PATRON_OK (0) on
 *   success or a negative `PATRON_E*` code. Output goes through
 *   out-parameters that come first in the argument list.
 * - On failure, patron_errmsg() returns a human-readable detail of the last
 *   failure *in the calling thread* ("row 17, column 'amount': '12,5' is not
 *   a decimal number"). Outputs are left untouched and no state changes.
 * - Money is `int64_t` minor currency units; points are `int64_t`; time is
 *   `int64_t` UTC seconds since 1970-01-01T00:00:00Z.
 * - Options structs begin with `uint32_t size`; initialise them with the
 *   module's `*_OPTIONS_INIT` macro so that new fields can be appended in
 *   later releases without breaking compiled callers.
 * - The library never prints, exits or aborts.
 *
 * Thread safety: everything in this header is thread-safe except
 * patron_set_allocator(), which must be called before any other libpatron
 * function (or while no other thread uses the library).
 */
#ifndef PATRON_COMMON_H
#define PATRON_COMMON_H

#include <stddef.h>
#include <stdint.h>

/** @cond PATRON_INTERNAL */
#if defined(PATRON_BINDGEN)
#define PATRON_API
#elif defined(_WIN32)
#if defined(PATRON_BUILDING)
#define PATRON_API __declspec(dllexport)
#else
#define PATRON_API
#endif
#elif defined(__GNUC__) || defined(__clang__)
#define PATRON_API __attribute__((visibility("default")))
#else
#define PATRON_API
#endif

#if defined(PATRON_BINDGEN)
#define PATRON_DEPRECATED(since, msg)
#elif defined(__GNUC__) || defined(__clang__)
#define PATRON_DEPRECATED(since, msg) __attribute__((deprecated("since " since ": " msg)))
#else
#define PATRON_DEPRECATED(since, msg)
#endif

#ifdef __cplusplus
#define PATRON_BEGIN_DECLS extern "C" {
#define PATRON_END_DECLS }
#else
#define PATRON_BEGIN_DECLS
#define PATRON_END_DECLS
#endif
/** @endcond */

PATRON_BEGIN_DECLS

/**
 * @brief Status codes returned by every fallible libpatron function.
 *
 * Zero is success; failures are negative so that `if (rc < 0)` works.
 * New codes may be added in later minor releases; treat unknown negative
 * values as generic failures and print patron_strerror() for them.
 */
typedef enum patron_status {
    PATRON_OK = 0,              /**< Success. */
    PATRON_EINVAL = -1,         /**< An argument or input value is invalid. */
    PATRON_ENOMEM = -2,         /**< A memory allocation failed. */
    PATRON_EPARSE = -3,         /**< Text input (CSV, date, rule, JSON) could not be parsed. */
    PATRON_ENOTFOUND = -4,      /**< The requested object does not exist. */
    PATRON_ECONFLICT = -5,      /**< The operation conflicts with existing state (duplicate key, replayed request with other content). */
    PATRON_EBALANCE = -6,       /**< Insufficient points balance for the operation. */
    PATRON_EIO = -7,            /**< An operating-system or storage I/O call failed. */
    PATRON_ECORRUPT = -8,       /**< Stored data is corrupt or inconsistent. */
    PATRON_ECONVERGE = -9,      /**< A numerical method did not converge or ran off to a boundary. */
    PATRON_EUNSUPPORTED = -10,  /**< The request is valid but not supported by this build or version. */
    PATRON_ERANGE = -11,        /**< A value or size is outside the supported range or a documented limit. */
    PATRON_EBUSY = -12,         /**< The resource is locked or in use. */
    PATRON_EINTERNAL = -13      /**< An internal invariant failed: a bug in libpatron; please report it. */
} patron_status;

/**
 * @brief Static, English description of a status code.
 *
 * @param code A value of #patron_status (or any int).
 * @return A string with static storage duration; never NULL. Unknown codes
 *         give "unknown error".
 * @par Thread safety
 * Reentrant.
 */
PATRON_API const char *patron_strerror(int code);

/**
 * @brief Detail of the last failure in the calling thread.
 *
 * Each failing call replaces the message; successful calls leave it as it
 * was (so check the status code first, then read the message).
 *
 * @return A NUL-terminated string owned by the library, valid until the next
 *         libpatron call in the same thread. Empty (never NULL) when no
 *         failure has been recorded.
 * @par Thread safety
 * Thread-local: each thread sees its own last failure.
 */
PATRON_API const char *patron_errmsg(void);

/**
 * @brief Forget the last failure recorded in the calling thread, so that
 *        patron_errmsg() returns "".
 */
PATRON_API void patron_errclear(void);

/**
 * @brief Memory allocator hooks for embedders (point-of-sale firmware,
 *        game engines, fault-injection tests).
 *
 * All three functions must be set. They receive `user_data` as their
 * first argument. `realloc_fn(ud, NULL, n)` must behave like `malloc`;
 * `free_fn(ud, NULL)` must be a no-op. Returning NULL from `malloc_fn` or
 * `realloc_fn` makes the calling libpatron function fail cleanly with
 * #PATRON_ENOMEM.
 */
typedef struct patron_allocator {
    uint32_t size;                                          /**< `sizeof(patron_allocator)`; set by #PATRON_ALLOCATOR_INIT. */
    void *(*malloc_fn)(void *user_data, size_t n);          /**< Allocate @p n bytes (n > 0). */
    void *(*realloc_fn)(void *user_data, void *p, size_t n); /**< Resize @p p to @p n bytes (n > 0). */
    void (*free_fn)(void *user_data, void *p);              /**< Release @p p (may be NULL). */
    void *user_data;                                        /**< Passed through to the hooks. */
} patron_allocator;

/** Initialiser for #patron_allocator: sets `size`, leaves hooks NULL. */
#define PATRON_ALLOCATOR_INIT { (uint32_t)sizeof(patron_allocator), NULL, NULL, NULL, NULL }

/**
 * @brief Route every allocation libpatron makes through @p alloc.
 *
 * @param[in] alloc [value] The hooks to use (copied), or NULL to restore the C
 *        library's malloc/realloc/free.
 * @return #PATRON_OK, or #PATRON_EINVAL when @p alloc has a bad `size` or a
 *         NULL hook.
 * @par Thread safety
 * Not thread-safe. Call it before any other libpatron function, and never
 * while objects allocated with the previous allocator are still alive.
 */
PATRON_API int patron_set_allocator(const patron_allocator *alloc);

/**
 * @brief Release memory that a libpatron function returned to the caller
 *        (strings, arrays) and documented as "free with patron_free()".
 *
 * @param[in] p [bytes] Pointer to release; NULL is a no-op.
 */
PATRON_API void patron_free(void *p);

PATRON_END_DECLS

#endif /* PATRON_COMMON_H */
