/**
 * @file events.h
 * @brief The events outbox: every change of a member's state, appended in
 *        the same transaction as the change, read by consumers from a
 *        cursor and acknowledged.
 *
 * Recording. Once patron_events_enable() has switched the outbox on for a
 * store, every change of a member's state appends one event in the very
 * transaction that makes the change: a member enrolled, merged or erased;
 * points earned, redeemed, expired, adjusted, reversed, transferred out or
 * in; a tier changed. A call that fails, or a batch that rolls back, leaves
 * no event; a replayed posting (same idempotency key) appends none. The
 * outbox is off in a new store (it costs one row per change: see the guide's
 * figures); events are recorded from the commit that switches it on.
 * patron_events_notify() is a job that appends the time-driven events:
 * pending points that matured and points that will expire within N days.
 *
 * Kinds and payloads (each payload a small JSON object; docs/guide/events.md
 * lists every field): `member.enrolled`, `member.merged`, `member.erased`,
 * `points.earned`, `points.redeemed`, `points.expired`, `points.adjusted`,
 * `points.reversed`, `points.transferred_out`, `points.transferred_in`,
 * `points.matured`, `points.expiring`, `tier.changed`.
 *
 * Delivery. An event's *position* is its id, which grows with every event
 * appended. A consumer reads the events after a cursor (its own stored
 * one, for a named consumer), handles them and acknowledges the last
 * position it handled; a consumer that stops before acknowledging reads the
 * same events again (at least once). Guarantees, on SQLite and on
 * PostgreSQL with any number of writers: (1) no committed event is ever
 * skipped: readers see events only up to a mark that a reader raises while
 * no writer is in flight, so an event committed late never appears below a
 * position a reader was already given; (2) the events of one member are
 * delivered in the order of their changes; (3) an event whose transaction
 * committed before another's began comes first.
 *
 * Thread safety: as for the #patron_db handle.
 */
#ifndef PATRON_EVENTS_H
#define PATRON_EVENTS_H

#include <stddef.h>
#include <stdint.h>

#include "patron/common.h"
#include "patron/db.h"

PATRON_BEGIN_DECLS

/** @brief Largest number of events one read returns. */
#define PATRON_EVENTS_READ_MAX 10000

/** @brief One event of the outbox. Strings are owned by the list it came from. */
typedef struct patron_event {
    int64_t position;  /**< Delivery position (increasing in delivery order; equal to `id` in this release); acknowledge this. */
    int64_t id;        /**< Id given when the event was appended. */
    int64_t member_id; /**< The member whose state changed. */
    const char *kind;  /**< Event kind, e.g. "points.earned". */
    int64_t at;        /**< When the change happened (UTC seconds, the time of the call that made it). */
    const char *payload; /**< The kind's JSON object (see the guide). */
} patron_event;

/** @brief Events read by one call (opaque); from patron_events_read() or patron_events_fetch(). */
typedef struct patron_event_list patron_event_list;

/**
 * @brief Switch the outbox on or off for this store (an audited administrative change).
 * @param db Open store.
 * @param on Non-zero: record events from this commit on; 0: stop recording
 *        (what is recorded stays readable).
 * @return #PATRON_OK, #PATRON_EINVAL (read-only store), store errors.
 */
PATRON_API int patron_events_enable(patron_db *db, int on);

/**
 * @brief Whether the outbox is on.
 * @param db Open store.
 * @param[out] on [value] Receives 1 or 0.
 * @return #PATRON_OK, #PATRON_EINVAL, store errors.
 */
PATRON_API int patron_events_enabled(patron_db *db, int *on);

/**
 * @brief Read up to @p max events after position @p after, in delivery order.
 *
 * When events were appended since the last read, a read-write handle first
 * makes them readable (a short write transaction that waits for the
 * writers in flight); a read-only handle reads the events already made
 * readable. Not allowed inside a batch (its own events are not committed
 * yet).
 * @param db Open store.
 * @param[out] out [handle] Receives the list (possibly empty); release with patron_event_list_free().
 * @param after Cursor: 0 for the start, else a position from an earlier read.
 * @param max 1..#PATRON_EVENTS_READ_MAX.
 * @return #PATRON_OK; #PATRON_EINVAL (NULL, @p after < 0, @p max out of
 *         range, inside a batch); #PATRON_ENOMEM; store errors.
 */
PATRON_API int patron_events_read(patron_db *db, patron_event_list **out, int64_t after, size_t max);

/**
 * @brief Read up to @p max events after the stored cursor of consumer @p consumer.
 *
 * The same as patron_events_read() from the position the consumer last
 * acknowledged (0 for a consumer never seen). Nothing is stored: call
 * patron_events_ack() once the events are handled.
 * @param db Open store.
 * @param[out] out [handle] Receives the list; release with patron_event_list_free().
 * @param consumer Consumer name, 1..100 bytes.
 * @param max 1..#PATRON_EVENTS_READ_MAX.
 * @return As patron_events_read().
 */
PATRON_API int patron_events_fetch(patron_db *db, patron_event_list **out, const char *consumer, size_t max);

/**
 * @brief Acknowledge: store @p position as consumer @p consumer's cursor.
 *
 * A cursor only moves forward: acknowledging a position at or below the
 * stored one changes nothing (a retried acknowledgement is harmless).
 * @param db Open store.
 * @param consumer Consumer name, 1..100 bytes (created on first use).
 * @param position A position from a read (the last event handled).
 * @return #PATRON_OK; #PATRON_EINVAL (bad name, position < 0 or beyond
 *         every position given so far); store errors.
 */
PATRON_API int patron_events_ack(patron_db *db, const char *consumer, int64_t position);

/**
 * @brief Consumer @p consumer's stored cursor.
 * @param db Open store.
 * @param[out] position [value] Receives the cursor (0 for an unknown consumer).
 * @param consumer Consumer name, 1..100 bytes.
 * @return #PATRON_OK, #PATRON_EINVAL, store errors.
 */
PATRON_API int patron_events_cursor(patron_db *db, int64_t *position, const char *consumer);

/**
 * @brief Job: append the time-driven events up to @p at.
 *
 * `points.matured` for every lot of pending points whose maturity lies in
 * (the previous call's @p at, @p at]; `points.expiring` for every lot with
 * points left whose expiry lies in (the previous call's horizon, @p at +
 * @p days days]. Each lot is announced once per kind when calls come with
 * increasing times (run it daily); a call with an earlier time than a
 * previous one announces nothing new. Writes nothing when the outbox is off.
 * @param db Open store.
 * @param[out] appended [value] Receives the number of events appended (may be NULL).
 * @param at Now (UTC seconds).
 * @param days The warning horizon, 1..3660 days.
 * @return #PATRON_OK, #PATRON_EINVAL, store errors.
 */
PATRON_API int patron_events_notify(patron_db *db, int64_t *appended, int64_t at, int days);

/** @brief Number of events in a list (0 for NULL). */
PATRON_API size_t patron_event_list_count(const patron_event_list *list);

/**
 * @brief The i-th event of a list.
 * @return Pointer owned by @p list (valid until patron_event_list_free()), or NULL when @p i is out of range.
 */
PATRON_API const patron_event *patron_event_list_get(const patron_event_list *list, size_t i);

/** @brief The position to acknowledge or to read after next: the last event's, or the read's cursor when empty. */
PATRON_API int64_t patron_event_list_last(const patron_event_list *list);

/** @brief Release a list (NULL is a no-op). */
PATRON_API void patron_event_list_free(patron_event_list *list);

PATRON_END_DECLS

#endif /* PATRON_EVENTS_H */
