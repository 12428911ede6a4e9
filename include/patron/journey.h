/**
 * @file journey.h
 * @brief Journeys: which members are due for which message step at a given
 *        moment (welcome, post-purchase, win-back), respecting consent and
 *        channel preference, never sending the same step twice.
 *
 * A journey reads a customer frame that carries the store's member columns
 * (patron_frame_add_member_columns(): `member_id`, `joined`,
 * `consent.<channel>`) and `last_purchase` (a summary frame), and the
 * journey state kept in the store. The state of a step is a member
 * attribute `journey_<name>_<step>` holding the time of the event the step
 * was sent for (the join time, or the purchase time), so:
 *
 * - patron_journey_due() only reads: calling it twice gives the same list;
 * - patron_journey_mark_sent() records a step; marking it again, or for an
 *   older event than the one recorded, is a no-op (a step counts as sent
 *   for the recorded event and every older one);
 * - a step is due once per event: a new purchase starts the post-purchase
 *   journey again, a member joins only once.
 *
 * Rows with the same `member_id` (customers merged in the store) are one
 * member, evaluated once on the row with the latest `last_purchase`.
 *
 * Steps are sent in order (step 2 waits for step 1 of the same event) and
 * only within `max_delay_days` of their scheduled day, so a journey switched
 * on today does not send week-old welcomes.
 *
 * Thread safety: a #patron_db handle is used by one thread at a time; the
 * frame is only read.
 */
#ifndef PATRON_JOURNEY_H
#define PATRON_JOURNEY_H

#include <stddef.h>
#include <stdint.h>

#include "patron/common.h"
#include "patron/db.h"
#include "patron/summary.h"

PATRON_BEGIN_DECLS

/** The journeys. */
typedef enum patron_journey_kind {
    PATRON_JOURNEY_WELCOME = 0,       /**< After joining: 1 thanks and benefits, 2 one preference question, 3 a small value. */
    PATRON_JOURNEY_POST_PURCHASE = 1, /**< After the last purchase: 1 thank-you, 2 a complementary suggestion, 3 a one-question feedback request. */
    PATRON_JOURNEY_WIN_BACK = 2       /**< One step, between `win_back_min_days` and `win_back_max_days` without a purchase. */
} patron_journey_kind;

/** One message due: who, which journey step, on which channel. */
typedef struct patron_journey_due_item {
    int64_t member_id;   /**< The member. */
    uint64_t row;        /**< Row of the frame. */
    int32_t journey;     /**< A #patron_journey_kind. */
    int32_t step;        /**< Step, 1-based. */
    int64_t anchor;      /**< The event the step belongs to: join time or last purchase time (UTC seconds). */
    int64_t scheduled;   /**< When the step was due (anchor + its day offset). */
    char channel[32];    /**< The channel to use: the first of the preference list the member consented to. */
    char tag[72];        /**< Win-back: the offer tag (the value of `tag_column`); "" otherwise. */
} patron_journey_due_item;

/** Options of patron_journey_due(). */
typedef struct patron_journey_options {
    uint32_t size;                  /**< `sizeof(patron_journey_options)`; set by #PATRON_JOURNEY_OPTIONS_INIT. */
    int64_t now;                    /**< The moment to evaluate (UTC seconds); required. */
    const char *channels;           /**< Channel preference order, comma-separated; each needs a `consent.<channel>` frame column. Default "email,sms,push". */
    int32_t welcome_days[3];        /**< Day offsets of the welcome steps after joining; default 0, 3, 7. */
    int32_t post_purchase_days[3];  /**< Day offsets of the post-purchase steps after the last purchase; default 0, 3, 14. */
    int32_t win_back_min_days;      /**< Win-back window start, days without purchase; default 45. */
    int32_t win_back_max_days;      /**< Win-back window end (inclusive: the whole of that day); default 60. */
    int32_t max_delay_days;         /**< A welcome or post-purchase step more than this many days past its day is skipped; default 7. */
    const char *tag_column;         /**< String column giving the win-back offer tag (e.g. "rfm_segment"), or NULL (default) for none. */
} patron_journey_options;

/** Default #patron_journey_options. */
#define PATRON_JOURNEY_OPTIONS_INIT                                                              \
    { (uint32_t)sizeof(patron_journey_options), PATRON_TIME_NONE, "email,sms,push", { 0, 3, 7 }, \
      { 0, 3, 14 }, 45, 60, 7, NULL }

/**
 * @brief The journey steps due at `opts->now`, in frame row order (welcome,
 *        then post-purchase, then win-back for each member, members in the
 *        order of their first row).
 *
 * @param[out] out [list: n, owned] Receives an array of *n items (free with patron_free());
 *        NULL when nothing is due. Untouched on failure.
 * @param[out] n [value] Receives the number of items.
 * @param db The store holding the journey state (only read).
 * @param frame A frame with `member_id`, `joined`, `last_purchase` and the
 *        `consent.<channel>` columns of the preference list.
 * @param[in] opts [value] Options; `now` is required.
 * @return #PATRON_OK; #PATRON_EINVAL (NULL argument, `now` unset, bad day
 *         offsets or channel list, a column of the wrong type);
 *         #PATRON_ENOTFOUND (a required column is missing); store errors;
 *         #PATRON_ENOMEM.
 */
PATRON_API int patron_journey_due(patron_journey_due_item **out, size_t *n, patron_db *db,
                                  const patron_frame *frame, const patron_journey_options *opts);

/**
 * @brief Record that a due step was sent (in the store, as the member
 *        attribute `journey_<name>_<step>` = the event time). Idempotent:
 *        marking the same step for the same event again changes
 *        nothing.
 *
 * @param db The store.
 * @param[in] item [value] A step returned by patron_journey_due().
 * @return #PATRON_OK; #PATRON_EINVAL (NULL, bad journey or step);
 *         #PATRON_ENOTFOUND (member); store errors.
 */
PATRON_API int patron_journey_mark_sent(patron_db *db, const patron_journey_due_item *item);

PATRON_END_DECLS

#endif /* PATRON_JOURNEY_H */
