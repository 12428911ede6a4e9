/**
 * @file summary.h
 * @brief Transaction logs, per-customer purchase summaries (the semantics of
 *        lifetimes' `summary_data_from_transaction_data`) and the columnar
 *        customer frame that the CLV, segment and report modules consume.
 *
 * Three objects:
 *
 * - #patron_txlog: an append-only log of purchases (customer id, UTC time in
 *   seconds, amount in minor currency units, optional category and order id),
 *   filled through the API (one row or a batch of arrays) or from CSV text.
 * - patron_summarize() turns a log into a #patron_frame with one row per
 *   customer: `frequency`, `recency`, `T`, `monetary_value` (exactly as
 *   lifetimes computes them), first/last purchase time, order count, total
 *   spend and, for a calibration/holdout split, the holdout columns.
 * - #patron_frame: an immutable-size table of typed, named columns
 *   (int64, double, string) stored as contiguous arrays. Later modules add
 *   their own columns (predictions, segment labels) to the same frame.
 *
 * Units: time is `int64_t` seconds since 1970-01-01T00:00:00Z; amounts are
 * `int64_t` minor units (cents) with the number of decimals of the log
 * (#patron_txlog_options.decimals). As everywhere in libpatron, the mean
 * spends `monetary_value` and `monetary_value_holdout` are `double` in minor
 * units too (2234.5 for $22.345). Such columns are marked as money
 * (patron_frame_col_money()); the writers can print them in major units
 * (#patron_frame_write_options.major_units), which is what lifetimes shows
 * when given decimal amounts.
 *
 * Thread safety: every function is reentrant. A log or a frame may be read
 * by several threads at once (all `const` functions, including
 * patron_summarize()), but must not be modified while another thread uses it.
 */
#ifndef PATRON_SUMMARY_H
#define PATRON_SUMMARY_H

#include <stdio.h>

#include "common.h"

PATRON_BEGIN_DECLS

/* ------------------------------------------------------------------ */
/* Limits and time helpers                                             */
/* ------------------------------------------------------------------ */

/** Earliest supported timestamp: 0000-01-01T00:00:00Z. */
#define PATRON_TIME_MIN INT64_C(-62167219200)
/** Latest supported timestamp: 9999-12-31T23:59:59Z. */
#define PATRON_TIME_MAX INT64_C(253402300799)
/** "No time given" marker for optional time fields of option structs. */
#define PATRON_TIME_NONE INT64_MIN
/** Largest accepted transaction amount, in minor units (10^15). */
#define PATRON_AMOUNT_MAX INT64_C(1000000000000000)
/** Longest accepted customer id, category or order id, in bytes. */
#define PATRON_ID_MAX 255
/** Most distinct customers in a log, and most rows of a frame (2^32 - 2);
 *  more is #PATRON_ERANGE. */
#define PATRON_CUSTOMERS_MAX UINT32_C(4294967294)
/** Longest accepted CSV record (line), in bytes, line terminator included. */
#define PATRON_CSV_LINE_MAX 65536
/** Largest number of decimals a log may use for its minor unit. */
#define PATRON_DECIMALS_MAX 9

/** How a text timestamp is written. */
typedef enum patron_time_syntax {
    /** Decide per value: ISO-8601 when it contains '-', epoch seconds when it is all digits. */
    PATRON_TIME_AUTO = 0,
    /** ISO-8601: `YYYY-MM-DD`, optionally followed by `T` or a space and
     *  `hh:mm[:ss[.fff]]`, optionally followed by `Z` or `±hh:mm` / `±hhmm`.
     *  No offset means UTC; fractional seconds are truncated. */
    PATRON_TIME_ISO8601 = 1,
    /** Integer seconds since the epoch, optionally negative. */
    PATRON_TIME_EPOCH = 2,
    /** `YYYYMMDD` (as in the CDNOW files), midnight UTC. */
    PATRON_TIME_YYYYMMDD = 3
} patron_time_syntax;

/**
 * @brief Parse a timestamp.
 *
 * @param[out] out [value] Receives UTC seconds; untouched on failure.
 * @param text The characters (need not be NUL-terminated).
 * @param len Number of bytes of @p text.
 * @param format A #patron_time_syntax.
 * @return #PATRON_OK; #PATRON_EPARSE when the text is not a valid time of
 *         that format (including impossible dates such as 1997-02-30);
 *         #PATRON_ERANGE when it lies outside [#PATRON_TIME_MIN,
 *         #PATRON_TIME_MAX]; #PATRON_EINVAL for NULL arguments or an unknown
 *         format.
 * @par Thread safety
 * Reentrant; locale-independent.
 */
PATRON_API int patron_time_parse(int64_t *out, const char *text, size_t len, int format);

/**
 * @brief Format a timestamp as ISO-8601 UTC (`1997-09-30T00:00:00Z`), or as a
 *        date only (`1997-09-30`) when it falls on a UTC midnight.
 *
 * @param[out] buf [buffer] Receives the NUL-terminated text (at most 20 characters + NUL).
 * @param cap Size of @p buf; 21 bytes always suffice.
 * @param t UTC seconds in [#PATRON_TIME_MIN, #PATRON_TIME_MAX].
 * @return #PATRON_OK; #PATRON_ERANGE when @p t is out of range or @p cap is
 *         too small (then @p buf is untouched); #PATRON_EINVAL for NULL @p buf.
 */
PATRON_API int patron_time_format(char *buf, size_t cap, int64_t t);

/* ------------------------------------------------------------------ */
/* Transaction log                                                     */
/* ------------------------------------------------------------------ */

/**
 * @brief An append-only log of purchases. Opaque; create with
 *        patron_txlog_new(), release with patron_txlog_free().
 *
 * Customer ids are either all integers or all strings: the first row added
 * fixes the kind (patron_txlog_add_id() and patron_txlog_add_batch() give
 * integer ids; patron_txlog_add(), patron_txlog_add_batch_str() and the CSV
 * loader give string ids, unless #patron_csv_options.integer_ids is set).
 * Adding the other kind afterwards fails with #PATRON_EINVAL.
 */
typedef struct patron_txlog patron_txlog;

/** Options of patron_txlog_new(). */
typedef struct patron_txlog_options {
    uint32_t size;    /**< `sizeof(patron_txlog_options)`; set by #PATRON_TXLOG_OPTIONS_INIT. */
    int32_t decimals; /**< Decimals of the minor unit (2 for cents, 0 for yen), 0..#PATRON_DECIMALS_MAX. Default 2. */
} patron_txlog_options;

/** Default #patron_txlog_options: 2 decimals. */
#define PATRON_TXLOG_OPTIONS_INIT { (uint32_t)sizeof(patron_txlog_options), 2 }

/**
 * @brief Create an empty transaction log.
 *
 * @param[out] out [handle] Receives the new log (untouched on failure). Free it with
 *             patron_txlog_free().
 * @param[in] opts [value] Options, or NULL for the defaults.
 * @return #PATRON_OK, #PATRON_EINVAL (NULL @p out, bad options),
 *         #PATRON_ENOMEM.
 */
PATRON_API int patron_txlog_new(patron_txlog **out, const patron_txlog_options *opts);

/**
 * @brief Release a log and everything it owns. NULL is a no-op.
 * @param log The log to release.
 */
PATRON_API void patron_txlog_free(patron_txlog *log);

/**
 * @brief Number of transactions in the log.
 * @param log The log (NULL gives 0).
 * @return The row count.
 */
PATRON_API size_t patron_txlog_count(const patron_txlog *log);

/**
 * @brief Number of distinct customers in the log.
 * @param log The log (NULL gives 0).
 * @return The customer count.
 */
PATRON_API size_t patron_txlog_customers(const patron_txlog *log);

/**
 * @brief Decimals of the log's minor unit (see #patron_txlog_options).
 * @param log The log (NULL gives 0).
 * @return 0..#PATRON_DECIMALS_MAX.
 */
PATRON_API int patron_txlog_decimals(const patron_txlog *log);

/**
 * @brief Bytes of memory the log currently holds (arrays, ids, hash table),
 *        for capacity planning and the benchmarks.
 * @param log The log (NULL gives 0).
 * @return The byte count.
 */
PATRON_API size_t patron_txlog_memory(const patron_txlog *log);

/**
 * @brief Append one purchase of a customer with a string id.
 *
 * @param log The log.
 * @param customer_id NUL-terminated id, 1..#PATRON_ID_MAX bytes. Copied.
 * @param time UTC seconds in [#PATRON_TIME_MIN, #PATRON_TIME_MAX].
 * @param amount Minor units, 0..#PATRON_AMOUNT_MAX (refunds are not purchases).
 * @param category Optional category (NULL or "" for none), at most
 *        #PATRON_ID_MAX bytes. Copied.
 * @param order_id Optional order id (NULL or "" for none), at most
 *        #PATRON_ID_MAX bytes. Copied.
 * @return #PATRON_OK; #PATRON_EINVAL (NULL/empty id, negative amount, the
 *         log has integer ids); #PATRON_ERANGE (time, amount or a length out
 *         of range); #PATRON_ENOMEM. On failure the log is unchanged.
 * @par Thread safety
 * The log must not be used by another thread during the call.
 */
PATRON_API int patron_txlog_add(patron_txlog *log, const char *customer_id, int64_t time,
                                int64_t amount, const char *category, const char *order_id);

/**
 * @brief Append one purchase of a customer with an integer id.
 *
 * @param log The log.
 * @param customer_id Any int64 value.
 * @param time UTC seconds in [#PATRON_TIME_MIN, #PATRON_TIME_MAX].
 * @param amount Minor units, 0..#PATRON_AMOUNT_MAX.
 * @return As patron_txlog_add() (#PATRON_EINVAL when the log has string ids).
 */
PATRON_API int patron_txlog_add_id(patron_txlog *log, int64_t customer_id, int64_t time,
                                   int64_t amount);

/**
 * @brief Append @p n purchases from parallel arrays, all or nothing.
 *
 * The fast path for simulators and bindings (numpy arrays pass straight
 * through). Every row is validated as in patron_txlog_add_id(); if any row is
 * invalid nothing is added and patron_errmsg() names the first bad row
 * ("row 17: amount -5 is negative").
 *
 * @param log The log.
 * @param customer Customer ids (@p n values). Only read during the call.
 * @param time UTC seconds (@p n values).
 * @param amount Minor units (@p n values).
 * @param n Number of rows (0 is a no-op).
 * @return #PATRON_OK, #PATRON_EINVAL, #PATRON_ERANGE, #PATRON_ENOMEM.
 */
PATRON_API int patron_txlog_add_batch(patron_txlog *log, const int64_t *customer,
                                      const int64_t *time, const int64_t *amount, size_t n);

/**
 * @brief Append @p n purchases of customers with string ids, all or nothing.
 *
 * @param log The log.
 * @param[in] customer [strings] @p n NUL-terminated ids (each 1..#PATRON_ID_MAX bytes).
 * @param time UTC seconds (@p n values).
 * @param amount Minor units (@p n values).
 * @param n Number of rows.
 * @return As patron_txlog_add_batch().
 */
PATRON_API int patron_txlog_add_batch_str(patron_txlog *log, const char *const *customer,
                                          const int64_t *time, const int64_t *amount,
                                          size_t n);

/* ------------------------------------------------------------------ */
/* CSV loading                                                         */
/* ------------------------------------------------------------------ */

/** How decimal amounts with more decimals than the log's are treated. */
typedef enum patron_rounding {
    PATRON_ROUND_EXACT = 0,     /**< Error unless the extra digits are all zero (default). */
    PATRON_ROUND_HALF_EVEN = 1, /**< Round half to even (banker's rounding). */
    PATRON_ROUND_HALF_UP = 2,   /**< Round half away from zero. */
    PATRON_ROUND_TRUNCATE = 3   /**< Drop the extra digits. */
} patron_rounding;

/**
 * @brief Options of the CSV loaders.
 *
 * Columns are found by name in the header row, or by 0-based index when the
 * `*_index` member is >= 0 (required when `has_header` is 0). Fields follow
 * RFC 4180: fields may be quoted with `"`, a quote inside is doubled, quoted
 * fields may contain delimiters and line breaks. Lines end with LF or CRLF;
 * empty lines are skipped; a UTF-8 byte-order mark is ignored. Parsing is
 * locale-independent.
 */
typedef struct patron_csv_options {
    uint32_t size;              /**< `sizeof(patron_csv_options)`; set by #PATRON_CSV_OPTIONS_INIT. */
    const char *customer_col;   /**< Header name of the customer id column. Default "customer_id". */
    const char *time_col;       /**< Header name of the time column. Default "date". */
    const char *amount_col;     /**< Header name of the amount column. Default "amount". */
    const char *category_col;   /**< Header name of an optional category column, or NULL (default) for none. */
    const char *order_col;      /**< Header name of an optional order id column, or NULL (default) for none. */
    int32_t customer_index;     /**< 0-based index of the customer column, or -1 (default) to use the name. */
    int32_t time_index;         /**< 0-based index of the time column, or -1 (default). */
    int32_t amount_index;       /**< 0-based index of the amount column, or -1 (default). */
    int32_t category_index;     /**< 0-based index of the category column, or -1 (default). */
    int32_t order_index;        /**< 0-based index of the order id column, or -1 (default). */
    int32_t has_header;         /**< 1 (default): the first record names the columns; 0: data starts at once. */
    int32_t delimiter;          /**< Field separator character, default ','. The value ' ' means "runs of spaces and tabs", leading blanks ignored (whitespace-separated files such as CDNOW_sample.txt). */
    int32_t time_format;        /**< A #patron_time_syntax; default #PATRON_TIME_AUTO. */
    int32_t rounding;           /**< A #patron_rounding; default #PATRON_ROUND_EXACT. */
    int32_t skip_invalid;       /**< 0 (default): any bad row fails the whole load, nothing is kept. 1: bad rows are skipped and counted in the report. */
    int32_t integer_ids;        /**< 0 (default): ids are strings, kept byte for byte. 1: ids are parsed as int64 ("00042" is 42). */
    int64_t extra_fields;       /**< 0 (default): a record with more fields than the header has (without a header: than the first record has) is bad, its error naming the row and the first extra field, such as `3,2024-03-01,12,5` with an unquoted decimal comma. 1: extra fields are ignored. Since 0.2; `int64_t` so that it starts past the tail padding of the 0.1 struct, which a 0.1 caller's size covers but need not have zeroed. */
    void (*progress)(void *user_data, uint64_t done, uint64_t total); /**< Optional (NULL, default): called in the calling thread while the input is read, with the bytes read so far and the input's size (0 when unknown, such as a pipe), at most about every 1 MiB or 1%, and once at the end with done == total. It must not call libpatron on this log. For a program's progress display; since 0.2. */
    void *progress_data;        /**< Passed to `progress` as its first argument. */
} patron_csv_options;

/** Default #patron_csv_options (header with columns customer_id, date, amount). */
#define PATRON_CSV_OPTIONS_INIT                                                              \
    { (uint32_t)sizeof(patron_csv_options), "customer_id", "date", "amount", NULL, NULL, -1, \
      -1, -1, -1, -1, 1, ',', PATRON_TIME_AUTO, PATRON_ROUND_EXACT, 0, 0, 0, NULL, NULL }

/** Number of errors kept in a #patron_csv_report. */
#define PATRON_CSV_REPORT_ERRORS 8

/** One rejected row, as recorded in a #patron_csv_report. */
typedef struct patron_csv_error {
    uint64_t line;        /**< 1-based line of the file where the record starts. */
    uint64_t row;         /**< 1-based data row (the header is not counted). */
    int32_t column;       /**< 1-based column of the bad field, 0 when the whole record is bad. */
    int32_t code;         /**< The #patron_status of the problem. */
    char message[232];    /**< NUL-terminated detail, same text as patron_errmsg() would give. */
} patron_csv_error;

/** What a CSV load did (filled on success only). */
typedef struct patron_csv_report {
    uint32_t size;             /**< `sizeof(patron_csv_report)`; set by #PATRON_CSV_REPORT_INIT. */
    uint64_t rows_read;        /**< Data rows seen (header and empty lines not counted). */
    uint64_t rows_loaded;      /**< Rows added to the log. */
    uint64_t rows_skipped;     /**< Rows rejected (only with `skip_invalid`). */
    uint32_t errors_kept;      /**< Entries filled in @ref errors (at most #PATRON_CSV_REPORT_ERRORS). */
    patron_csv_error errors[PATRON_CSV_REPORT_ERRORS]; /**< The first rejected rows. */
} patron_csv_report;

/** Initialiser for #patron_csv_report. */
#define PATRON_CSV_REPORT_INIT { (uint32_t)sizeof(patron_csv_report), 0, 0, 0, 0, { { 0, 0, 0, 0, { 0 } } } }

/**
 * @brief Append the purchases of a CSV file to @p log.
 *
 * Amounts are decimals ("12.5", "+3", "0.99") converted exactly to minor
 * units with the log's decimals ("12.5" with 2 decimals is 1250); more
 * decimals than that is an error unless #patron_csv_options.rounding says
 * otherwise; negative, non-numeric and exponent forms are errors. Errors
 * name the line, row, column and value: `line 7 (row 6), column 3 'amount':
 * value '12,5' is not a decimal number`.
 *
 * @param log The log to append to.
 * @param path File to read (streamed in blocks; the whole file is never held).
 * @param[in] opts [value] Options, or NULL for the defaults.
 * @param[out] report [value] Optional; on success receives counts and, with
 *             `skip_invalid`, the first errors. Its `size` must be set.
 * @return #PATRON_OK; #PATRON_EIO (cannot open/read); #PATRON_EPARSE
 *         (malformed record, bad date or amount); #PATRON_EINVAL (empty id,
 *         negative amount, missing column, bad options, id kind mismatch);
 *         #PATRON_ERANGE (a record longer than #PATRON_CSV_LINE_MAX, an id
 *         longer than #PATRON_ID_MAX, a time or amount out of range);
 *         #PATRON_ENOMEM. On failure the log is exactly as before the call.
 * @par Thread safety
 * The log must not be used by another thread during the call.
 */
PATRON_API int patron_txlog_load_csv(patron_txlog *log, const char *path,
                                     const patron_csv_options *opts, patron_csv_report *report);

/**
 * @brief As patron_txlog_load_csv(), reading @p len bytes of memory.
 *
 * @param log The log to append to.
 * @param data The CSV text (need not be NUL-terminated); only read.
 * @param len Its length in bytes.
 * @param[in] opts [value] Options, or NULL for the defaults.
 * @param[out] report [value] Optional report (see patron_txlog_load_csv()).
 * @return As patron_txlog_load_csv(), except #PATRON_EIO.
 */
PATRON_API int patron_txlog_load_csv_buffer(patron_txlog *log, const char *data, size_t len,
                                            const patron_csv_options *opts,
                                            patron_csv_report *report);

/* ------------------------------------------------------------------ */
/* Customer frame                                                      */
/* ------------------------------------------------------------------ */

/**
 * @brief A table of typed, named columns with one row per customer.
 *        Opaque; release with patron_frame_free().
 *
 * The row count is fixed at creation; columns can be added later
 * (patron_frame_add_double() and friends), so modules extend a summary with
 * predictions or labels. Column 0 is always `customer_id` (int64 or string).
 * Column data are contiguous arrays owned by the frame; pointers returned
 * by the accessors stay valid until the frame is freed (adding columns does
 * not move existing ones).
 */
typedef struct patron_frame patron_frame;

/** Type of a frame column. */
typedef enum patron_coltype {
    PATRON_COL_ANY = 0,    /**< Any type (only as a lookup filter in patron_frame_find()). */
    PATRON_COL_INT64 = 1,  /**< `int64_t` values. */
    PATRON_COL_DOUBLE = 2, /**< `double` values. */
    PATRON_COL_STRING = 3  /**< NUL-terminated strings (`const char *` per row, never NULL). */
} patron_coltype;

/** Longest accepted column name, in bytes. */
#define PATRON_COLNAME_MAX 63

/**
 * @brief Create a frame of @p rows rows with only a `customer_id` column.
 *
 * @param[out] out [handle] Receives the frame; untouched on failure.
 * @param rows Row count (may be 0).
 * @param int_ids @p rows integer ids (copied), or NULL. Ignored when
 *        @p str_ids is given.
 * @param[in] str_ids [strings] @p rows NUL-terminated string ids (copied), or NULL. When
 *        both are NULL the ids are the integers 0..rows-1.
 * @return #PATRON_OK, #PATRON_EINVAL (NULL @p out, NULL string),
 *         #PATRON_ERANGE (more than #PATRON_CUSTOMERS_MAX rows), #PATRON_ENOMEM.
 */
PATRON_API int patron_frame_new(patron_frame **out, size_t rows, const int64_t *int_ids,
                                const char *const *str_ids);

/**
 * @brief Build a summary frame from arrays an analyst already has.
 *
 * Gives the columns `customer_id` (int64: @p ids or 0..n-1), `frequency`,
 * `recency`, `T` and, when @p monetary is not NULL, `monetary_value`, so
 * the frame can be fed to the models directly. Values are checked:
 * finite, frequency >= 0, 0 <= recency <= T, monetary >= 0.
 *
 * @param[out] out [handle] Receives the frame; untouched on failure.
 * @param n Row count.
 * @param ids Customer ids, or NULL.
 * @param frequency Repeat-purchase counts (@p n values).
 * @param recency Periods from first to last purchase (@p n values).
 * @param T Periods from first purchase to observation end (@p n values).
 * @param monetary Mean repeat spend, or NULL.
 * @return #PATRON_OK; #PATRON_EINVAL naming the first bad row
 *         ("row 3: recency 12 > T 10"); #PATRON_ENOMEM.
 */
PATRON_API int patron_frame_from_arrays(patron_frame **out, size_t n, const int64_t *ids,
                                        const double *frequency, const double *recency,
                                        const double *T, const double *monetary);

/**
 * @brief Release a frame and its columns. NULL is a no-op.
 * @param frame The frame.
 */
PATRON_API void patron_frame_free(patron_frame *frame);

/**
 * @brief Number of rows.
 * @param frame The frame (NULL gives 0).
 * @return The row count.
 */
PATRON_API size_t patron_frame_rows(const patron_frame *frame);

/**
 * @brief Number of columns (at least 1: `customer_id`).
 * @param frame The frame (NULL gives 0).
 * @return The column count.
 */
PATRON_API size_t patron_frame_cols(const patron_frame *frame);

/**
 * @brief Name of column @p col.
 * @param frame The frame.
 * @param col 0-based column index.
 * @return The name (owned by the frame), or NULL when @p col is out of range.
 */
PATRON_API const char *patron_frame_col_name(const patron_frame *frame, size_t col);

/**
 * @brief Type of column @p col.
 * @param frame The frame.
 * @param col 0-based column index.
 * @return A #patron_coltype, or #PATRON_COL_ANY (0) when @p col is out of range.
 */
PATRON_API int patron_frame_col_type(const patron_frame *frame, size_t col);

/**
 * @brief Whether column @p col holds money in minor units (`monetary_value`,
 *        `monetary_value_holdout`, `total_spend` of a summary).
 * @param frame The frame.
 * @param col 0-based column index.
 * @return 1 for a money column, 0 otherwise (also when @p col is out of range).
 */
PATRON_API int patron_frame_col_money(const patron_frame *frame, size_t col);

/**
 * @brief Decimals of the minor unit of the frame's money columns (the log's
 *        #patron_txlog_options.decimals for a summary; 0 for frames built
 *        from arrays).
 * @param frame The frame (NULL gives 0).
 * @return 0..#PATRON_DECIMALS_MAX.
 */
PATRON_API int patron_frame_decimals(const patron_frame *frame);

/**
 * @brief Find a column by name (and type).
 *
 * @param[out] col [value] Receives the 0-based index; untouched on failure.
 * @param frame The frame.
 * @param name Column name (exact, case-sensitive).
 * @param type Required #patron_coltype, or #PATRON_COL_ANY.
 * @return #PATRON_OK; #PATRON_ENOTFOUND when no column has that name;
 *         #PATRON_EINVAL when it exists with another type (the message says
 *         which) or an argument is NULL.
 */
PATRON_API int patron_frame_find(size_t *col, const patron_frame *frame, const char *name,
                                 int type);

/**
 * @brief The values of a double column.
 * @param frame The frame.
 * @param col 0-based column index.
 * @return `rows` contiguous values owned by the frame, or NULL when @p col
 *         is out of range or not #PATRON_COL_DOUBLE (or the frame has 0 rows).
 */
PATRON_API const double *patron_frame_double(const patron_frame *frame, size_t col);

/**
 * @brief The values of an int64 column.
 * @param frame The frame.
 * @param col 0-based column index.
 * @return `rows` contiguous values, or NULL (see patron_frame_double()).
 */
PATRON_API const int64_t *patron_frame_int64(const patron_frame *frame, size_t col);

/**
 * @brief The values of a string column.
 * @param frame The frame.
 * @param col 0-based column index.
 * @return `rows` pointers to NUL-terminated strings owned by the frame, or
 *         NULL (see patron_frame_double()).
 */
PATRON_API const char *const *patron_frame_string(const patron_frame *frame, size_t col);

/**
 * @brief Shorthand: the values of the double column called @p name.
 * @param frame The frame.
 * @param name Column name.
 * @return The values, or NULL when there is no double column of that name.
 */
PATRON_API const double *patron_frame_double_by_name(const patron_frame *frame,
                                                     const char *name);

/**
 * @brief Shorthand: the values of the int64 column called @p name.
 * @param frame The frame.
 * @param name Column name.
 * @return The values, or NULL when there is no int64 column of that name.
 */
PATRON_API const int64_t *patron_frame_int64_by_name(const patron_frame *frame,
                                                     const char *name);

/**
 * @brief The customer id of row @p row as text (integer ids are formatted
 *        in decimal into @p buf).
 *
 * @param frame The frame.
 * @param row 0-based row.
 * @param[out] buf [buffer] Scratch of at least 21 bytes for integer ids (may be NULL for
 *        string ids).
 * @param cap Size of @p buf.
 * @return The id (owned by the frame or written to @p buf), or NULL when
 *         @p row is out of range or @p buf is needed and too small.
 */
PATRON_API const char *patron_frame_id(const patron_frame *frame, size_t row, char *buf,
                                       size_t cap);

/**
 * @brief Append a double column.
 *
 * @param frame The frame.
 * @param name New column name, 1..#PATRON_COLNAME_MAX bytes of letters,
 *        digits, '_' or '.'. Copied.
 * @param values `rows` values to copy, or NULL for zeros.
 * @return #PATRON_OK; #PATRON_ECONFLICT when the name exists;
 *         #PATRON_EINVAL for a bad name; #PATRON_ENOMEM. Existing column
 *         pointers stay valid.
 */
PATRON_API int patron_frame_add_double(patron_frame *frame, const char *name,
                                       const double *values);

/**
 * @brief Append an int64 column (see patron_frame_add_double()).
 * @param frame The frame.
 * @param name New column name.
 * @param values `rows` values to copy, or NULL for zeros.
 * @return As patron_frame_add_double().
 */
PATRON_API int patron_frame_add_int64(patron_frame *frame, const char *name,
                                      const int64_t *values);

/**
 * @brief Append a string column (see patron_frame_add_double()).
 * @param frame The frame.
 * @param name New column name.
 * @param[in] values [strings] `rows` NUL-terminated strings to copy (NULL entries become
 *        ""), or NULL for all "".
 * @return As patron_frame_add_double().
 */
PATRON_API int patron_frame_add_string(patron_frame *frame, const char *name,
                                       const char *const *values);

/**
 * @brief Writable access to a double column, to fill a column added with
 *        NULL values in place.
 * @param frame The frame.
 * @param col 0-based column index.
 * @return The values, or NULL when @p col is not a double column.
 */
PATRON_API double *patron_frame_double_mut(patron_frame *frame, size_t col);

/**
 * @brief Writable access to an int64 column (see patron_frame_double_mut()).
 * @param frame The frame.
 * @param col 0-based column index.
 * @return The values, or NULL when @p col is not an int64 column.
 */
PATRON_API int64_t *patron_frame_int64_mut(patron_frame *frame, size_t col);

/* ------------------------------------------------------------------ */
/* Summaries                                                           */
/* ------------------------------------------------------------------ */

/** Length of the period in which repeat purchases are counted. */
typedef enum patron_period {
    /** UTC calendar days (boundaries at 00:00:00Z). The default. */
    PATRON_PERIOD_DAY = 0,
    /** Calendar weeks Monday 00:00Z .. Sunday 23:59:59Z (pandas "W", i.e. "W-SUN",
     *  the weeks lifetimes uses with `freq="W"`). */
    PATRON_PERIOD_WEEK = 1,
    /** Periods of #patron_summary_options.period_seconds seconds, aligned on the epoch. */
    PATRON_PERIOD_SECONDS = 2
} patron_period;

/** What to do with purchases after the observation end. */
typedef enum patron_after_end {
    PATRON_AFTER_END_IGNORE = 0, /**< Leave them out, as lifetimes does (default). */
    PATRON_AFTER_END_REJECT = 1  /**< Fail with #PATRON_EINVAL naming the first such purchase. */
} patron_after_end;

/** Order of the frame's rows. */
typedef enum patron_row_order {
    PATRON_ORDER_ID = 0,        /**< Ascending id: numeric for int ids, bytewise for strings (as lifetimes' output). Default. */
    PATRON_ORDER_FIRST_SEEN = 1 /**< Order in which customers first appear in the log (fastest). */
} patron_row_order;

/**
 * @brief Options of patron_summarize().
 *
 * Period arithmetic is on integers: a time t falls in period
 * floor(t / 86400) for days, floor((floor(t / 86400) + 3) / 7) for weeks,
 * floor(t / period_seconds) otherwise; recency and T are differences of
 * period numbers (whole periods), exactly as lifetimes computes them.
 */
typedef struct patron_summary_options {
    uint32_t size;            /**< `sizeof(patron_summary_options)`; set by #PATRON_SUMMARY_OPTIONS_INIT. */
    int32_t period;           /**< A #patron_period; default #PATRON_PERIOD_DAY. */
    int64_t period_seconds;   /**< Period length for #PATRON_PERIOD_SECONDS (> 0). */
    int64_t observation_end;  /**< End of observation (UTC seconds), or #PATRON_TIME_NONE (default) for the latest purchase in the log. Purchases in a later period are after the end. */
    int64_t calibration_end;  /**< #PATRON_TIME_NONE (default) for a plain summary; otherwise the calibration/holdout split point (see patron_summarize()). */
    int32_t after_end;        /**< A #patron_after_end; default #PATRON_AFTER_END_IGNORE. */
    int32_t order;            /**< A #patron_row_order; default #PATRON_ORDER_ID. */
} patron_summary_options;

/** Default #patron_summary_options: days, observation end = last purchase, no holdout. */
#define PATRON_SUMMARY_OPTIONS_INIT                                                          \
    { (uint32_t)sizeof(patron_summary_options), PATRON_PERIOD_DAY, 0, PATRON_TIME_NONE, \
      PATRON_TIME_NONE, PATRON_AFTER_END_IGNORE, PATRON_ORDER_ID }

/**
 * @brief Summarise a transaction log per customer.
 *
 * Plain summary (no `calibration_end`): purchases whose period is after the
 * period of `observation_end` are left out (or rejected). Per customer,
 * with P the distinct periods holding a purchase and p0 the first:
 * - `frequency` = |P| - 1 (several purchases in one period count once);
 * - `recency` = last period - p0; `T` = period(observation_end) - p0;
 * - `monetary_value` = mean over the repeat periods (P without p0) of the
 *   period's total spend, in minor units; 0 when frequency is 0;
 * - `first_purchase`, `last_purchase` (UTC seconds), `orders` (number of
 *   transactions), `total_spend` (minor units) over the included purchases.
 * Customers without an included purchase have no row.
 *
 * Calibration/holdout split (`calibration_end` set; `observation_end`
 * defaults to the last purchase and must be later): as lifetimes'
 * `calibration_and_holdout_data`, the calibration purchases are those with
 * time <= calibration_end (an instant: pass the end of the day to include
 * the whole day when times have a time of day), summarised as above with
 * calibration_end as their observation end; the holdout purchases have
 * calibration_end < time <= observation_end. Extra columns:
 * `frequency_holdout` (distinct holdout periods), `monetary_value_holdout`
 * (mean holdout *transaction* amount, minor units, 0 if none) and
 * `duration_holdout` (period(observation_end) - period(calibration_end)).
 * Customers whose first purchase is after calibration_end are excluded.
 * The order of the columns is: customer_id, frequency, recency, T,
 * monetary_value, [frequency_holdout, monetary_value_holdout,
 * duration_holdout], first_purchase, last_purchase, orders, total_spend.
 *
 * Speed and memory: a log whose rows come in time order for each customer
 * (the usual case: exports and simulations in time order, or logs grouped by
 * customer) is summarised in one pass with 64 bytes of state per customer
 * (88 with a calibration/holdout split). Otherwise the rows are regrouped
 * through a scratch of about 8 bytes per transaction plus about 24 bytes per
 * customer.
 *
 * @param[out] out [handle] Receives the frame (free with patron_frame_free());
 *             untouched on failure.
 * @param log The log (only read).
 * @param[in] opts [value] Options, or NULL for the defaults.
 * @return #PATRON_OK; #PATRON_EINVAL (bad options, a purchase after the end
 *         with #PATRON_AFTER_END_REJECT, calibration_end not before
 *         observation_end); #PATRON_ERANGE (a customer's total spend
 *         overflows int64); #PATRON_ENOMEM.
 * @par Thread safety
 * Reentrant; the log may be summarised by several threads at once.
 */
PATRON_API int patron_summarize(patron_frame **out, const patron_txlog *log,
                                const patron_summary_options *opts);

/* ------------------------------------------------------------------ */
/* Writing and reading frames                                          */
/* ------------------------------------------------------------------ */

/** Text format of a written frame. */
typedef enum patron_frame_format {
    PATRON_FORMAT_CSV = 0, /**< RFC 4180 CSV, header of column names, LF line ends. */
    PATRON_FORMAT_JSON = 1 /**< A JSON array of one object per row (pandas "records"). */
} patron_frame_format;

/** Options of the frame writers. */
typedef struct patron_frame_write_options {
    uint32_t size;       /**< `sizeof(patron_frame_write_options)`; set by #PATRON_FRAME_WRITE_OPTIONS_INIT. */
    int32_t format;      /**< A #patron_frame_format; default CSV. */
    int32_t major_units; /**< 0 (default): money columns as stored (minor units). 1: divided by 10^decimals (patron_frame_decimals()); int64 money is then written exactly ("74.02"). */
    int32_t string_ids;  /**< JSON only. 0 (default): the id column (the first) as its type, a number for integer ids. 1: always a JSON string ("42"), so that ids have one type whatever the input (the CLI's JSON convention). Since 0.2. */
} patron_frame_write_options;

/** Default #patron_frame_write_options: CSV, money in minor units. */
#define PATRON_FRAME_WRITE_OPTIONS_INIT \
    { (uint32_t)sizeof(patron_frame_write_options), PATRON_FORMAT_CSV, 0, 0 }

/**
 * @brief Write a frame as text: every column in order, doubles with the
 *        shortest representation that reads back to the same value ('.'
 *        decimal point whatever the locale; NaN as empty CSV field / JSON null).
 *
 * @param frame The frame.
 * @param[in] fp [stream] An open stdio stream (not closed).
 * @param[in] opts [value] Options, or NULL for CSV.
 * @return #PATRON_OK, #PATRON_EINVAL, #PATRON_EIO (a write failed; part of
 *         the text may have been written), #PATRON_ENOMEM.
 */
PATRON_API int patron_frame_write(const patron_frame *frame, FILE *fp,
                                  const patron_frame_write_options *opts);

/**
 * @brief Write a frame as text into a caller buffer.
 *
 * @param frame The frame.
 * @param[out] buf [buffer] Destination, or NULL with @p cap 0 to ask for the size.
 * @param cap Size of @p buf.
 * @param[out] len [value] Receives the text length in bytes, without the NUL
 *             terminator (also on #PATRON_ERANGE).
 * @param[in] opts [value] Options, or NULL for CSV.
 * @return #PATRON_OK (text and NUL in @p buf); #PATRON_ERANGE when
 *         @p cap < *len + 1 (@p buf untouched); #PATRON_EINVAL; #PATRON_ENOMEM.
 */
PATRON_API int patron_frame_write_buffer(const patron_frame *frame, char *buf, size_t cap,
                                         size_t *len, const patron_frame_write_options *opts);

/**
 * @brief Read a frame back from CSV text written by patron_frame_write() or
 *        by lifetimes (`summary.to_csv()`).
 *
 * The first column is the customer id (kept as a string). Columns named
 * `orders` or `total_spend` are int64 (a value that is not an integer is an
 * error), except that `total_spend` is double when it holds decimal
 * numbers, as a frame written with #patron_frame_write_options.major_units
 * has it. Time columns — named `first_purchase`, `last_purchase`, `joined`,
 * or ending in `_at` or `_time` — are int64 UTC seconds when every value is
 * epoch seconds, an ISO-8601 time (see #PATRON_TIME_ISO8601) or empty
 * (#PATRON_TIME_NONE, missing); otherwise they are read like any other
 * column. Any other column is double when every value is a number (empty
 * fields read as NaN) and string otherwise.
 *
 * @param[out] out [handle] Receives the frame; untouched on failure.
 * @param data CSV text; only read.
 * @param len Its length.
 * @return #PATRON_OK; #PATRON_EPARSE naming line and column; #PATRON_EINVAL
 *         (no header, duplicate column names); #PATRON_ERANGE (line too long);
 *         #PATRON_ENOMEM.
 */
PATRON_API int patron_frame_read_csv_buffer(patron_frame **out, const char *data, size_t len);

/**
 * @brief As patron_frame_read_csv_buffer(), from a file.
 * @param[out] out [handle] Receives the frame; untouched on failure.
 * @param path File to read.
 * @return As patron_frame_read_csv_buffer(), plus #PATRON_EIO.
 */
PATRON_API int patron_frame_read_csv(patron_frame **out, const char *path);

PATRON_END_DECLS

#endif /* PATRON_SUMMARY_H */
