/**
 * @file segment.h
 * @brief Segments: a small rule language over customer columns, selections
 *        (bitmaps over customers) and their set operations.
 *
 * A rule such as
 *
 *     purchases_90d >= 2 and avg_basket >= p75 and consent.sms
 *
 * is compiled once with patron_rule_compile() and then evaluated over a set
 * of columns into a #patron_selection, a bitmap with one bit per customer
 * row. Selections combine with and / or / minus / not. The language is
 * described in the "Segments" guide page; in short:
 *
 * - values: numbers (`12`, `0.5`, `1e3`), strings in double or single
 *   quotes, `true`, `false`, column names (`frequency`, dotted
 *   `consent.sms`), `now`, `N days ago` (also `hours`, `weeks`), quantiles
 *   `p80` (of the column on the other side of the comparison) or
 *   `p80(column)`;
 * - arithmetic (plus, minus, times, divide) and unary minus on numbers and
 *   times;
 * - the six comparisons (`==` may be written `=`, and `!=` as the SQL
 *   form), `x between a and b` (inclusive), `x [not] in [v1, v2, ...]`,
 *   `t within N days` (between now minus N days and now, inclusive),
 *   `t before T`, `t after T` (strictly earlier / later);
 * - `not`, `and`, `or` (in that precedence), parentheses; `#` starts a
 *   comment that runs to the end of the line. Keywords are case-insensitive,
 *   column names are not.
 *
 * Missing values (NaN numbers, unset times, missing categories) make every
 * comparison false, including `!=` and `not in`; `not` is plain negation.
 * Division by a literal zero is a compile error; division by a zero that
 * comes from the data gives a missing value (so the comparison is false).
 *
 * Thread safety: a compiled #patron_rule is immutable and may be evaluated
 * from several threads at once. A #patron_selection may be read from several
 * threads; modify it from one thread only. All functions are reentrant.
 */
#ifndef PATRON_SEGMENT_H
#define PATRON_SEGMENT_H

#include <stddef.h>
#include <stdint.h>

#include "patron/common.h"

PATRON_BEGIN_DECLS

/* ---------------------------------------------------------------- selections */

/**
 * @brief A set of customer rows: a bitmap over the rows `0 .. size-1` of the
 *        frame it was evaluated on. Opaque; create with
 *        patron_selection_new() or a rule evaluation, free with
 *        patron_selection_free().
 */
typedef struct patron_selection patron_selection;

/**
 * @brief Create an empty selection over @p nrows rows.
 *
 * @param[out] out Receives the new selection (caller frees it with
 *        patron_selection_free()); untouched on failure.
 * @param nrows Number of rows of the universe (may be 0).
 * @return #PATRON_OK, #PATRON_EINVAL (NULL @p out) or #PATRON_ENOMEM.
 */
PATRON_API int patron_selection_new(patron_selection **out, size_t nrows);

/**
 * @brief Create an independent copy of @p src.
 *
 * @param[out] out Receives the copy (free with patron_selection_free()).
 * @param src The selection to copy.
 * @return #PATRON_OK, #PATRON_EINVAL (NULL argument) or #PATRON_ENOMEM.
 */
PATRON_API int patron_selection_copy(patron_selection **out, const patron_selection *src);

/**
 * @brief Release a selection. NULL is a no-op.
 * @param sel The selection to release.
 */
PATRON_API void patron_selection_free(patron_selection *sel);

/**
 * @brief Number of rows of the universe (the frame's row count).
 * @param sel A selection (NULL gives 0).
 * @return The universe size.
 */
PATRON_API size_t patron_selection_size(const patron_selection *sel);

/**
 * @brief Number of selected rows.
 * @param sel A selection (NULL gives 0).
 * @return The population count, computed in O(size / 64).
 */
PATRON_API size_t patron_selection_count(const patron_selection *sel);

/**
 * @brief Is @p row selected?
 * @param sel A selection.
 * @param row A row index.
 * @return 1 when selected, 0 when not selected, out of range or @p sel is NULL.
 */
PATRON_API int patron_selection_contains(const patron_selection *sel, size_t row);

/**
 * @brief Select or deselect one row.
 * @param sel The selection to modify.
 * @param row Row index, `< patron_selection_size(sel)`.
 * @param selected Non-zero to select, zero to deselect.
 * @return #PATRON_OK, or #PATRON_EINVAL (NULL @p sel) / #PATRON_ERANGE
 *         (row out of range) with the selection unchanged.
 */
PATRON_API int patron_selection_set(patron_selection *sel, size_t row, int selected);

/**
 * @brief Iterate over the selected rows in increasing order.
 *
 * Typical loop: `for (size_t r = 0; patron_selection_next(sel, &r); r++) use(r);`
 *
 * @param sel A selection.
 * @param[in,out] row On entry the first row to consider; on success the
 *        first selected row `>=` that value.
 * @return 1 when a selected row was found (stored in @p row), 0 at the end
 *         (then @p row is untouched) or when an argument is NULL.
 */
PATRON_API int patron_selection_next(const patron_selection *sel, size_t *row);

/**
 * @brief Copy the selected row indices, in increasing order, into @p rows.
 *
 * @param sel A selection.
 * @param rows Destination array of @p cap elements (may be NULL when @p cap is 0).
 * @param cap Capacity of @p rows.
 * @return The number of selected rows (which may exceed @p cap: then only the
 *         first @p cap were written). 0 when @p sel is NULL.
 */
PATRON_API size_t patron_selection_rows(const patron_selection *sel, size_t *rows, size_t cap);

/**
 * @brief `dst = dst AND src` (intersection), in place.
 * @param dst Selection modified in place.
 * @param src Selection over the same number of rows.
 * @return #PATRON_OK, or #PATRON_EINVAL (NULL argument or different sizes:
 *         the message gives both) with @p dst unchanged.
 */
PATRON_API int patron_selection_and(patron_selection *dst, const patron_selection *src);

/**
 * @brief `dst = dst OR src` (union), in place.
 * @param dst Selection modified in place.
 * @param src Selection over the same number of rows.
 * @return #PATRON_OK, or #PATRON_EINVAL with @p dst unchanged.
 */
PATRON_API int patron_selection_or(patron_selection *dst, const patron_selection *src);

/**
 * @brief `dst = dst AND NOT src` (difference), in place.
 * @param dst Selection modified in place.
 * @param src Selection over the same number of rows.
 * @return #PATRON_OK, or #PATRON_EINVAL with @p dst unchanged.
 */
PATRON_API int patron_selection_minus(patron_selection *dst, const patron_selection *src);

/**
 * @brief `sel = NOT sel` (complement within the universe), in place.
 * @param sel Selection modified in place.
 * @return #PATRON_OK, or #PATRON_EINVAL (NULL).
 */
PATRON_API int patron_selection_not(patron_selection *sel);

/* ---------------------------------------------------------------- rules */

/** Default limit on the length of a rule text, in bytes. */
#define PATRON_RULE_DEFAULT_MAX_LENGTH 65536u
/** Largest accepted value of patron_rule_options::max_length (1 MiB). */
#define PATRON_RULE_MAX_LENGTH_LIMIT 1048576u
/** Default limit on the nesting depth of a rule. */
#define PATRON_RULE_DEFAULT_MAX_DEPTH 64u
/** Largest accepted value of patron_rule_options::max_depth. */
#define PATRON_RULE_MAX_DEPTH_LIMIT 256u

/**
 * @brief A compiled rule. Opaque and immutable; create with
 *        patron_rule_compile(), free with patron_rule_free().
 */
typedef struct patron_rule patron_rule;

/**
 * @brief Options of patron_rule_compile().
 */
typedef struct patron_rule_options {
    uint32_t size;       /**< `sizeof(patron_rule_options)`; set by #PATRON_RULE_OPTIONS_INIT. */
    uint32_t max_length; /**< Longest accepted text in bytes; 0 = #PATRON_RULE_DEFAULT_MAX_LENGTH, at most #PATRON_RULE_MAX_LENGTH_LIMIT. */
    uint32_t max_depth;  /**< Deepest accepted nesting (each parenthesis, `not` and unary minus is one level); 0 = #PATRON_RULE_DEFAULT_MAX_DEPTH, at most #PATRON_RULE_MAX_DEPTH_LIMIT. */
} patron_rule_options;

/** Initialiser for #patron_rule_options: default limits. */
#define PATRON_RULE_OPTIONS_INIT { (uint32_t)sizeof(patron_rule_options), 0u, 0u }

/** Value of patron_rule_eval_options::now meaning "not given". */
#define PATRON_TIME_UNSET INT64_MIN

/**
 * @brief Options of a rule evaluation.
 */
typedef struct patron_rule_eval_options {
    uint32_t size; /**< `sizeof(patron_rule_eval_options)`; set by #PATRON_RULE_EVAL_OPTIONS_INIT. */
    int64_t now;   /**< The moment relative dates refer to (`now`, `days ago`, `within`), UTC seconds. The wall clock is never read: a rule that uses relative dates fails with #PATRON_EINVAL while this is #PATRON_TIME_UNSET. */
} patron_rule_eval_options;

/** Initialiser for #patron_rule_eval_options: `now` unset. */
#define PATRON_RULE_EVAL_OPTIONS_INIT { (uint32_t)sizeof(patron_rule_eval_options), PATRON_TIME_UNSET }

/**
 * @brief Parse and check a rule once, for any number of evaluations.
 *
 * Syntax errors, literal type errors (`"a" > 5`), literal division by zero
 * and limit violations are reported here. Column names are resolved, and
 * their types checked, when the rule is evaluated.
 *
 * On failure patron_errmsg() reads, for example,
 *
 *     line 1, column 18: expected a column name after 'and', found the end of the rule
 *       frequency > 2 and
 *                        ^
 *
 * and patron_rule_error_position() gives the line and column.
 *
 * @param[out] out Receives the compiled rule (free with patron_rule_free());
 *        untouched on failure.
 * @param text The rule, NUL-terminated UTF-8 (only ASCII outside string
 *        literals and comments). Copied; the caller keeps ownership.
 * @param opts Limits, or NULL for the defaults.
 * @return #PATRON_OK; #PATRON_EPARSE (syntax), #PATRON_EINVAL (NULL
 *         argument, type error, division by zero, bad option),
 *         #PATRON_ERANGE (text longer than max_length, nesting deeper than
 *         max_depth, number literal out of range) or #PATRON_ENOMEM.
 * @par Thread safety
 * Reentrant.
 */
PATRON_API int patron_rule_compile(patron_rule **out, const char *text,
                                   const patron_rule_options *opts);

/**
 * @brief Release a compiled rule. NULL is a no-op.
 * @param rule The rule to release.
 */
PATRON_API void patron_rule_free(patron_rule *rule);

/**
 * @brief The text the rule was compiled from.
 * @param rule A compiled rule.
 * @return A string owned by @p rule, valid until patron_rule_free(); "" for NULL.
 */
PATRON_API const char *patron_rule_text(const patron_rule *rule);

/**
 * @brief Position in the rule text of the last rule failure in the calling
 *        thread (compilation, or evaluation errors such as an unknown column).
 *
 * @param[out] line 1-based line (may be NULL).
 * @param[out] column 1-based column, counted in characters (may be NULL).
 * @return 1 when the last failed rule call recorded a position (then the
 *         outputs are written), 0 otherwise (outputs untouched). A
 *         successful compilation or evaluation clears it.
 * @par Thread safety
 * Thread-local, like patron_errmsg().
 */
PATRON_API int patron_rule_error_position(uint32_t *line, uint32_t *column);

PATRON_END_DECLS

#endif /* PATRON_SEGMENT_H */
