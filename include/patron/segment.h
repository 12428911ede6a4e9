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
#include "patron/summary.h"
#include "patron/db.h"

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
 * @param[out] out [handle] Receives the new selection (caller frees it with
 *        patron_selection_free()); untouched on failure.
 * @param nrows Number of rows of the universe (may be 0).
 * @return #PATRON_OK, #PATRON_EINVAL (NULL @p out) or #PATRON_ENOMEM.
 */
PATRON_API int patron_selection_new(patron_selection **out, size_t nrows);

/**
 * @brief Create an independent copy of @p src.
 *
 * @param[out] out [handle] Receives the copy (free with patron_selection_free()).
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
 * @param[in,out] row [value] On entry the first row to consider; on success the
 *        first selected row `>=` that value.
 * @return 1 when a selected row was found (stored in @p row), 0 at the end
 *         (then @p row is untouched) or when an argument is NULL.
 */
PATRON_API int patron_selection_next(const patron_selection *sel, size_t *row);

/**
 * @brief Copy the selected row indices, in increasing order, into @p rows.
 *
 * @param sel A selection.
 * @param[out] rows [array: cap] Destination array of @p cap elements (may be NULL when @p cap is 0).
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

/**
 * @brief Options of a rule evaluation.
 */
typedef struct patron_rule_eval_options {
    uint32_t size; /**< `sizeof(patron_rule_eval_options)`; set by #PATRON_RULE_EVAL_OPTIONS_INIT. */
    int64_t now;   /**< The moment relative dates refer to (`now`, `days ago`, `within`), UTC seconds. The wall clock is never read: a rule that uses relative dates fails with #PATRON_EINVAL while this is #PATRON_TIME_NONE. */
} patron_rule_eval_options;

/** Initialiser for #patron_rule_eval_options: `now` unset. */
#define PATRON_RULE_EVAL_OPTIONS_INIT { (uint32_t)sizeof(patron_rule_eval_options), PATRON_TIME_NONE }

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
 * @param[out] out [handle] Receives the compiled rule (free with patron_rule_free());
 *        untouched on failure.
 * @param text The rule, NUL-terminated UTF-8 (only ASCII outside string
 *        literals and comments). Copied; the caller keeps ownership.
 * @param[in] opts [value] Limits, or NULL for the defaults.
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
 * @param[out] line [value] 1-based line (may be NULL).
 * @param[out] column [value] 1-based column, counted in characters (may be NULL).
 * @return 1 when the last failed rule call recorded a position (then the
 *         outputs are written), 0 otherwise (outputs untouched). A
 *         successful compilation or evaluation clears it.
 * @par Thread safety
 * Thread-local, like patron_errmsg().
 */
PATRON_API int patron_rule_error_position(uint32_t *line, uint32_t *column);

/* ---------------------------------------------------------------- frames */

/**
 * @brief Evaluate a compiled rule over every row of a customer frame.
 *
 * Frame columns become rule columns by name. Their rule types:
 * - double columns are numbers (NaN is a missing value);
 * - int64 columns are numbers, except: `first_purchase`, `last_purchase`,
 *   `joined` and names ending in `_at` or `_time` are times (UTC seconds;
 *   INT64_MIN is missing);
 * - int64 or double columns whose names start with `consent.`, `is_` or
 *   `has_` are conditions (non-zero is true; NaN is false);
 * - string columns are categories; the empty string is a missing value.
 *
 * Quantile references (`p80`) are computed over all rows of the frame
 * (missing values left out), so they do not depend on the rest of the rule.
 * Over a frame with no rows the result is an empty selection, except that a
 * quantile then fails (#PATRON_EINVAL: it is undefined).
 *
 * Cost: one pass over the referenced columns in blocks of 1024 rows, a few
 * nanoseconds per row and clause; O(rows) extra memory only for quantiles.
 *
 * @param[out] out [handle] Receives a new selection over patron_frame_rows() rows
 *        (free with patron_selection_free()); untouched on failure.
 * @param rule A compiled rule.
 * @param frame The frame (only read).
 * @param[in] opts [value] `now` for relative dates, or NULL.
 * @return #PATRON_OK; #PATRON_ENOTFOUND (unknown column, with the rule
 *         position and a "did you mean"); #PATRON_EINVAL (type mismatch,
 *         relative date without `now`, quantile of no values, NULL
 *         argument); #PATRON_ENOMEM. patron_rule_error_position() gives the
 *         position when there is one.
 * @par Thread safety
 * Reentrant; several threads may evaluate the same rule and frame at once.
 */
PATRON_API int patron_rule_eval(patron_selection **out, const patron_rule *rule,
                                const patron_frame *frame, const patron_rule_eval_options *opts);

/**
 * @brief Compile @p text and evaluate it over @p frame in one call.
 *
 * @param[out] out [handle] Receives the selection (free with patron_selection_free()).
 * @param frame The frame.
 * @param text The rule text.
 * @param[in] opts [value] `now` for relative dates, or NULL.
 * @return As patron_rule_compile() and patron_rule_eval().
 */
PATRON_API int patron_rule_select(patron_selection **out, const patron_frame *frame,
                                  const char *text, const patron_rule_eval_options *opts);

/**
 * @brief Copy the selected rows of a frame, every column, into a new frame
 *        (for writing a segment out with patron_frame_write()).
 *
 * @param[out] out [handle] Receives the new frame (free with patron_frame_free());
 *        untouched on failure.
 * @param frame The source frame (only read).
 * @param sel A selection over the rows of @p frame.
 * @return #PATRON_OK; #PATRON_EINVAL (NULL argument, or the selection
 *         covers another number of rows); #PATRON_ENOMEM.
 * @par Thread safety
 * Reentrant.
 */
PATRON_API int patron_frame_select(patron_frame **out, const patron_frame *frame,
                                   const patron_selection *sel);

/* ---------------------------------------------------------------- activity columns */

/**
 * @brief Options of patron_frame_add_activity().
 */
typedef struct patron_activity_options {
    uint32_t size;              /**< `sizeof(patron_activity_options)`; set by #PATRON_ACTIVITY_OPTIONS_INIT. */
    int64_t now;                /**< The moment the columns are computed at (UTC seconds); required. Transactions after it are ignored. */
    uint32_t max_share_columns; /**< Add `share.<category>` columns only when the log has at most this many categories (default 16; 0 = never). */
} patron_activity_options;

/** Initialiser for #patron_activity_options: `now` unset, up to 16 share columns. */
#define PATRON_ACTIVITY_OPTIONS_INIT { (uint32_t)sizeof(patron_activity_options), PATRON_TIME_NONE, 16u }

/**
 * @brief Append per-customer activity columns, computed from the
 *        transaction log at an explicit moment, to a customer frame.
 *
 * Rows are matched to the log's customers by `customer_id` (integer ids
 * written as text match too). Transactions after `now` are left out. The
 * columns (money in minor units, windows are `now - N days < t <= now`):
 *
 * | column | type | meaning |
 * |---|---|---|
 * | `days_since_first`, `days_since_last` | double | days from the first / last purchase to now (NaN without purchases) |
 * | `purchases`, `purchases_30d`, `_60d`, `_90d`, `_365d` | int64 | transactions, in all and in the last N days |
 * | `distinct_orders`, `orders_30d`, `_60d`, `_90d`, `_365d` | int64 | distinct order ids (a transaction without one is its own order); an order is in a window when its latest transaction is |
 * | `spend`, `spend_30d`, `spend_90d`, `spend_365d` | int64 | their total amount |
 * | `avg_basket` | double | spend / distinct orders (NaN without purchases) |
 * | `avg_interpurchase_days` | double | mean days between distinct purchase times (NaN below two) |
 * | `last_interpurchase_days` | double | days between the last two distinct purchase times |
 * | `favourite_category` | string | category with the most spend (ties: the smaller name; "" if none) |
 * | `share.<category>` | double | share of spend per category (when the log has at most `max_share_columns` categories) |
 *
 * Cost: linear in the transactions, plus sorting the customer ids.
 *
 * @param frame The frame to extend (rows without transactions get zero
 *        counts and NaN averages).
 * @param log The transaction log (only read).
 * @param[in] opts [value] Options; `now` is required.
 * @return #PATRON_OK; #PATRON_EINVAL (NULL argument, `now` unset, a category
 *         that cannot name a column); #PATRON_ERANGE (`now` out of range);
 *         #PATRON_ECONFLICT (a column exists; nothing is added);
 *         #PATRON_ENOMEM (then some columns may have been added).
 * @par Thread safety
 * The frame must not be used by another thread during the call; the log
 * may be read by others.
 */
PATRON_API int patron_frame_add_activity(patron_frame *frame, const patron_txlog *log,
                                         const patron_activity_options *opts);

/**
 * @brief Options of patron_frame_add_member_columns().
 */
typedef struct patron_member_columns_options {
    uint32_t size;         /**< `sizeof(patron_member_columns_options)`; set by #PATRON_MEMBER_COLUMNS_OPTIONS_INIT. */
    int64_t now;           /**< The moment consent, balance and tier are read at (UTC seconds); required. */
    const char *channels;  /**< Comma-separated consent channels to add as `consent.<channel>` columns; default "sms,email,push"; "" for none. At most 16. */
} patron_member_columns_options;

/** Initialiser for #patron_member_columns_options: `now` unset, channels sms, email, push. */
#define PATRON_MEMBER_COLUMNS_OPTIONS_INIT { (uint32_t)sizeof(patron_member_columns_options), PATRON_TIME_NONE, "sms,email,push" }

/**
 * @brief Append the store's view of each customer: int64 `member_id` (0 when
 *        the customer is not a member), time `joined` (the profile's join
 *        date; missing for non-members), int64 `points_balance` and
 *        `points_pending` (the ledger at `now`), string `tier` ("" when none)
 *        and one int64 `consent.<channel>` per channel (1 when consent was
 *        granted and not withdrawn at `now`).
 *
 * Each row's `customer_id` is looked up with patron_profile_find(): integer
 * ids (and all-digit strings) as member ids (`#N`; a merged member's id
 * gives the member it joined), other strings as an e-mail address or phone
 * number. An erased member is no member any more (`member_id` 0). Rules can
 * then respect consent: `at_risk_rule and consent.sms`, `joined within 30
 * days`.
 *
 * Cost: one read snapshot of the store; for a frame of 256 rows or more
 * with integer ids, one scan of the members and one of the consents, then
 * a balance and a tier lookup per row; for a smaller frame a few queries
 * per row and channel.
 *
 * @param frame The frame to extend.
 * @param db An open store, read only.
 * @param[in] opts [value] Options; `now` is required.
 * @return #PATRON_OK; #PATRON_EINVAL (NULL argument, `now` unset, bad
 *         channel list); #PATRON_ECONFLICT (a column exists; nothing added);
 *         store errors (the message names the row); #PATRON_ENOMEM.
 * @par Thread safety
 * The frame and the store handle must not be used by another thread
 * during the call.
 */
PATRON_API int patron_frame_add_member_columns(patron_frame *frame, patron_db *db,
                                               const patron_member_columns_options *opts);

/* ---------------------------------------------------------------- named segments */

/**
 * @brief A named segment: a name and the rule that defines it.
 */
typedef struct patron_segment_def {
    const char *name; /**< Segment name, e.g. "at_risk". */
    const char *rule; /**< Its rule text. */
} patron_segment_def;

/**
 * @brief The built-in segments and their default rules, over the columns
 *        of a summary frame:
 *
 * | name | rule | meaning |
 * |---|---|---|
 * | `new` | `first_purchase within 30 days` | joined (first purchase) 0-30 days ago |
 * | `returning` | `orders >= 2` | 2 or more purchases |
 * | `at_risk` | `last_purchase before 60 days ago` | no purchase in the last 60 days |
 * | `stars` | `frequency >= p80 and monetary_value >= p80` | top quintile of both purchase frequency and basket value |
 *
 * Each can be overridden (see #patron_segment_options).
 *
 * @param[out] count [value] Receives the number of entries (may be NULL).
 * @return A static array of built-in definitions; never NULL.
 * @par Thread safety
 * Reentrant.
 */
PATRON_API const patron_segment_def *patron_segment_builtins(size_t *count);

/**
 * @brief Options of patron_segment_select() and patron_segment_worth_saving().
 */
typedef struct patron_segment_options {
    uint32_t size;                   /**< `sizeof(patron_segment_options)`; set by #PATRON_SEGMENT_OPTIONS_INIT. */
    int64_t now;                     /**< The moment relative dates refer to (UTC seconds), or #PATRON_TIME_NONE. */
    const patron_segment_def *defs;  /**< Extra or overriding definitions, searched before the built-ins (may be NULL). */
    size_t ndefs;                    /**< Number of entries in `defs`. */
} patron_segment_options;

/** Initialiser for #patron_segment_options: no `now`, built-ins only. */
#define PATRON_SEGMENT_OPTIONS_INIT { (uint32_t)sizeof(patron_segment_options), PATRON_TIME_NONE, NULL, 0 }

/**
 * @brief Select the customers of a named segment.
 *
 * @param[out] out [handle] Receives the selection (free with patron_selection_free()).
 * @param frame The frame.
 * @param name A name from @p opts->defs or the built-ins.
 * @param[in] opts [value] `now` and overrides, or NULL.
 * @return #PATRON_OK; #PATRON_ENOTFOUND when the name is not defined (the
 *         message lists the known names); otherwise as patron_rule_select(),
 *         with the message prefixed by "segment 'NAME': ".
 * @par Thread safety
 * Reentrant.
 */
PATRON_API int patron_segment_select(patron_selection **out, const patron_frame *frame,
                                     const char *name, const patron_segment_options *opts);

/* ---------------------------------------------------------------- scores */

/**
 * @brief Score values into @p bins equal-count bins, 1 (worst) .. @p bins (best).
 *
 * With n non-missing values and L the number of values strictly worse than
 * a given value, its score is `1 + floor(bins * L / n)`. Equal values
 * therefore always share a score (ties never split, whatever the row order),
 * and a bin may be empty when a tie spans its boundary. Missing values (NaN)
 * get score 0. Computed with selection in O(n * bins), no full sort.
 *
 * @param[out] scores [array: n] @p n scores (written only on success).
 * @param values @p n values.
 * @param n Number of values (0 is fine).
 * @param bins Number of bins, 2..100 (5 for quintiles, 10 for deciles).
 * @param higher_is_better Non-zero: larger values score higher; zero:
 *        smaller values score higher (recency).
 * @return #PATRON_OK; #PATRON_EINVAL (NULL pointer with n > 0, bins out of
 *         range); #PATRON_ENOMEM.
 * @par Thread safety
 * Reentrant.
 */
PATRON_API int patron_ntile_scores(uint8_t *scores, const double *values, size_t n, int bins,
                                   int higher_is_better);

/**
 * @brief Options of patron_rfm_score().
 */
typedef struct patron_rfm_options {
    uint32_t size;              /**< `sizeof(patron_rfm_options)`; set by #PATRON_RFM_OPTIONS_INIT. */
    const char *recency_col;    /**< Numeric column of time since the last purchase (smaller is better), or NULL (default) for `T - recency` (periods from the last purchase to the end of observation). */
    const char *frequency_col;  /**< Numeric column of purchase frequency; default "frequency". */
    const char *monetary_col;   /**< Numeric column of spend; default "monetary_value". */
} patron_rfm_options;

/** Initialiser for #patron_rfm_options: summary-frame defaults. */
#define PATRON_RFM_OPTIONS_INIT { (uint32_t)sizeof(patron_rfm_options), NULL, NULL, NULL }

/**
 * @brief RFM quintile scores of every customer, 1..5 each (5 is best: most
 *        recent, most frequent, highest spend), scored by
 *        patron_ntile_scores() with 5 bins (ties share a score; a missing
 *        value scores 0).
 *
 * @param[out] r [array: rows(frame)] Recency scores, patron_frame_rows() entries.
 * @param[out] f [array: rows(frame)] Frequency scores.
 * @param[out] m [array: rows(frame)] Monetary scores.
 * @param frame The frame (int64 or double columns).
 * @param[in] opts [value] Column choices, or NULL for the defaults.
 * @return #PATRON_OK; #PATRON_ENOTFOUND (a column is missing);
 *         #PATRON_EINVAL (a column is not numeric, NULL argument, empty
 *         frame); #PATRON_ENOMEM. Outputs are written only on success.
 * @par Thread safety
 * Reentrant.
 */
PATRON_API int patron_rfm_score(uint8_t *r, uint8_t *f, uint8_t *m, const patron_frame *frame,
                                const patron_rfm_options *opts);

/**
 * @brief The named RFM segment of a score triple.
 *
 * Rules are tried in this order and the first that matches names the
 * segment, so every triple of scores 1..5 has exactly one name:
 *
 * | segment | rule |
 * |---|---|
 * | Champions | r >= 4, f >= 4, m >= 4 |
 * | Loyal | r >= 3, f >= 3, m >= 3 |
 * | Can't lose them | r <= 2, f >= 4, m >= 4 |
 * | At risk | r <= 2, f >= 3, m >= 3 |
 * | New | r = 5, f = 1 |
 * | Potential loyalist | r >= 4, f >= 2 |
 * | Promising | r >= 4 (f = 1) |
 * | Need attention | r = 3, f >= 2 |
 * | About to sleep | r = 3 (f = 1), or r = 2 and f <= 2 |
 * | Hibernating | r = 2, or r = 1 and f >= 2 |
 * | Lost | r = 1, f = 1 |
 *
 * @param r Recency score 1..5.
 * @param f Frequency score 1..5.
 * @param m Monetary score 1..5.
 * @return A static string ("Champions", ...); "" when a score is outside 1..5.
 * @par Thread safety
 * Reentrant.
 */
PATRON_API const char *patron_rfm_segment_name(int r, int f, int m);

/**
 * @brief Add RFM columns to a frame: int64 `rfm_r`, `rfm_f`, `rfm_m`,
 *        `rfm_score` (100 r + 10 f + m) and string `rfm_segment`.
 *
 * Rules can then use them (`rfm_segment == "At risk" and consent.sms`).
 *
 * @param frame The frame to extend.
 * @param[in] opts [value] Column choices, or NULL for the defaults.
 * @return As patron_rfm_score(), plus #PATRON_ECONFLICT when one of the
 *         columns already exists. On failure no column is added.
 * @par Thread safety
 * The frame must not be used by another thread during the call.
 */
PATRON_API int patron_rfm_add_columns(patron_frame *frame, const patron_rfm_options *opts);

/**
 * @brief Value deciles of a CLV column: 10 for the top tenth, 1 for the
 *        bottom, by patron_ntile_scores() with 10 bins (0 for missing).
 *
 * @param[out] deciles [array: rows(frame)] patron_frame_rows() entries.
 * @param frame The frame.
 * @param value_col Numeric column of customer value (e.g. "clv").
 * @return #PATRON_OK; #PATRON_ENOTFOUND; #PATRON_EINVAL (not numeric, NULL
 *         argument, empty frame); #PATRON_ENOMEM.
 */
PATRON_API int patron_value_deciles(uint8_t *deciles, const patron_frame *frame,
                                    const char *value_col);

/**
 * @brief "Worth saving": customers of the at-risk segment whose expected
 *        remaining value exceeds the cost of retaining them.
 *
 * Selects `at_risk` (the built-in rule or an override in @p opts) and
 * `value_col > retention_cost`.
 *
 * @param[out] out [handle] Receives the selection (free with patron_selection_free()).
 * @param frame The frame.
 * @param value_col Numeric column of expected remaining value (e.g. "clv"),
 *        in the same unit as @p retention_cost.
 * @param retention_cost Cost of a retention action per customer.
 * @param[in] opts [value] `now` (required by the built-in at_risk rule) and overrides.
 * @return As patron_segment_select(); #PATRON_EINVAL for a non-finite cost.
 */
PATRON_API int patron_segment_worth_saving(patron_selection **out, const patron_frame *frame,
                                           const char *value_col, double retention_cost,
                                           const patron_segment_options *opts);

PATRON_END_DECLS

#endif /* PATRON_SEGMENT_H */
