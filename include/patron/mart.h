/**
 * @file mart.h
 * @brief The store as the data mart: analytics inputs read straight from a
 *        store, with no CSV export in between.
 *
 * The earning module records every scored purchase (patron_earn_purchase():
 * member, time, amount, key, and when it was returned). This module turns
 * those records into the objects the analytics take:
 *
 * - patron_txlog_from_db(): a #patron_txlog of every member's purchases as of
 *   a moment, ready for patron_summarize(), the CLV fits, the segments and
 *   the weekly report. Customer ids are member ids (integers).
 *
 * Rules, so the log is the same on every backend and at every later time:
 * - A purchase counts when its time is in (`from`, `as_of`]. A purchase
 *   returned (patron_earn_return()) at or before `as_of` is left out; one
 *   returned later still counts, because at `as_of` it had not been returned.
 *   Returns recorded by libraries before schema version 6 have no time of
 *   their own: the purchase time stands in.
 * - A purchase of a member later merged into another counts for the member it
 *   was merged into (the person), whatever the merge time: the log describes
 *   people as the store knows them now.
 * - Purchases of erased members are left out unless
 *   #patron_store_log_options.with_erased is set (their ids are then kept,
 *   with nothing that names the person).
 *
 * Thread safety: as every call on a #patron_db handle (one thread at a time
 * per handle); the returned log belongs to the caller.
 */
#ifndef PATRON_MART_H
#define PATRON_MART_H

#include "common.h"
#include "db.h"
#include "summary.h"

PATRON_BEGIN_DECLS

/** @brief Options of patron_txlog_from_db(); initialise with #PATRON_STORE_LOG_OPTIONS_INIT. */
typedef struct patron_store_log_options {
    uint32_t size;      /**< `sizeof(patron_store_log_options)`; set by #PATRON_STORE_LOG_OPTIONS_INIT. */
    int64_t as_of;      /**< The moment the log describes (UTC seconds, required): purchases at or before it. */
    int64_t from;       /**< Only purchases after this time (exclusive); 0 (default) = from the first. */
    int32_t decimals;   /**< Decimals of the store's minor unit, given to the log (default 2). */
    int32_t with_returned; /**< 1: keep purchases returned by `as_of` too (default 0: left out). */
    int32_t with_erased;   /**< 1: keep erased members' purchases under their member id (default 0). */
} patron_store_log_options;

/** @brief Default #patron_store_log_options (as_of still to be set). */
#define PATRON_STORE_LOG_OPTIONS_INIT { (uint32_t)sizeof(patron_store_log_options), 0, 0, 2, 0, 0 }

/**
 * @brief The store's purchases as a transaction log, as of a moment.
 *
 * Reads the purchases patron_earn_purchase() recorded (the rules are in the
 * file description: returns up to `as_of` taken out, merged members under
 * the member they were merged into, erased members left out), in member id
 * then time order, into a new log with integer customer ids.
 *
 * @param db Open store.
 * @param[out] out [handle] Receives the new log (untouched on failure); free it
 *             with patron_txlog_free().
 * @param[in] opts [value] Options; `as_of` is required.
 * @return #PATRON_OK; #PATRON_EINVAL (NULL argument, `as_of` missing or not a
 *         time a store accepts, `from` after `as_of`, bad decimals);
 *         #PATRON_EIO and the other store errors; #PATRON_ENOMEM.
 */
PATRON_API int patron_txlog_from_db(patron_db *db, patron_txlog **out, const patron_store_log_options *opts);

PATRON_END_DECLS

#endif
