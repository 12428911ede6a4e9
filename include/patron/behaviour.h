/**
 * @file behaviour.h
 * @brief What members do besides buying: visits, cart additions, campaign
 *        messages sent, opened and clicked, answers to profile questions,
 *        one-question feedback (NPS) and preference answers — recorded per
 *        member with time and source, one by one or in bulk from CSV.
 *
 * Each event carries an idempotency key, unique per member: recording it
 * again with the same content changes nothing (a retried upload is safe),
 * with other content it is #PATRON_ECONFLICT. The store keeps the events in
 * `behaviour_events`; the customer card (patron_member_card()) summarises
 * them. Times are UTC seconds and must be times a store accepts.
 */
#ifndef PATRON_BEHAVIOUR_H
#define PATRON_BEHAVIOUR_H

#include "common.h"
#include "db.h"
#include "summary.h"

PATRON_BEGIN_DECLS

/** @brief Kinds of behaviour events (names for CSV and the CLI in brackets). */
typedef enum patron_behaviour_kind {
    PATRON_BEHAVIOUR_VISIT = 1,      /**< A visit to the web shop or app ("visit"); `subject`: the page. */
    PATRON_BEHAVIOUR_CART_ADD = 2,   /**< A product added to the cart ("cart_add"); `subject`: the product, `score`: its amount (minor units). */
    PATRON_BEHAVIOUR_SENT = 3,       /**< A campaign message sent ("sent"); `campaign` required, `source`: the channel. */
    PATRON_BEHAVIOUR_OPENED = 4,     /**< A campaign message opened ("opened"); `campaign` required. */
    PATRON_BEHAVIOUR_CLICKED = 5,    /**< A campaign message clicked ("clicked"); `campaign` required. */
    PATRON_BEHAVIOUR_ANSWER = 6,     /**< An answer to a profile question ("answer"); `subject`: the question, `value`: the answer. */
    PATRON_BEHAVIOUR_NPS = 7,        /**< One-question feedback ("nps"); `score`: 0..10. */
    PATRON_BEHAVIOUR_PREFERENCE = 8  /**< A stated preference ("preference"); `subject`: what, `value`: the choice. */
} patron_behaviour_kind;

/** @brief One behaviour event; initialise with #PATRON_BEHAVIOUR_EVENT_INIT. Strings are copied. */
typedef struct patron_behaviour_event {
    uint32_t size;        /**< `sizeof(patron_behaviour_event)`; set by #PATRON_BEHAVIOUR_EVENT_INIT. */
    const char *key;      /**< Idempotency key, 1..200 bytes, unique per member (required). */
    int64_t member_id;    /**< Member (a merged id is recorded for the member it joined). */
    int64_t at;           /**< When it happened (UTC seconds). */
    int32_t kind;         /**< A #patron_behaviour_kind. */
    const char *source;   /**< Where: "web", "app", "pos", "email", "sms", "social", ... (1..64 bytes of [a-z0-9_-]), or NULL. */
    const char *campaign; /**< Campaign id (1..200 bytes): required for sent, opened and clicked; else optional. */
    const char *subject;  /**< Page, product, question or preference (at most 200 bytes), or NULL. */
    const char *value;    /**< Answer or choice (at most 1000 bytes), or NULL. */
    int64_t score;        /**< NPS: 0..10; cart_add: amount in minor units (>= 0); else 0. */
} patron_behaviour_event;

/** @brief Initialiser for #patron_behaviour_event. */
#define PATRON_BEHAVIOUR_EVENT_INIT { (uint32_t)sizeof(patron_behaviour_event), NULL, 0, 0, 0, NULL, NULL, NULL, NULL, 0 }

/**
 * @brief The kind with a name ("visit", "cart_add", "sent", "opened",
 *        "clicked", "answer", "nps", "preference").
 * @param[out] kind [value] Receives the kind.
 * @param name The name.
 * @return #PATRON_OK, #PATRON_EINVAL (NULL or an unknown name, listed in the message).
 */
PATRON_API int patron_behaviour_kind_from_name(int32_t *kind, const char *name);

/**
 * @brief The name of a kind, or NULL for an unknown value.
 * @param kind A #patron_behaviour_kind.
 * @return A static string, or NULL.
 */
PATRON_API const char *patron_behaviour_kind_name(int32_t kind);

/**
 * @brief Record one event (one transaction; idempotent by member and key).
 * @param db Open store.
 * @param[out] replayed [value] Receives 1 when the key was recorded already with the same content (may be NULL).
 * @param[in] event [value] The event.
 * @return #PATRON_OK; #PATRON_EINVAL (a field out of its range, named with its value);
 *         #PATRON_ENOTFOUND (no such member, or erased); #PATRON_ECONFLICT (the key was recorded
 *         with other content); store errors. On failure nothing is recorded.
 */
PATRON_API int patron_behaviour_record(patron_db *db, int *replayed, const patron_behaviour_event *event);

/**
 * @brief Record the events of a CSV file (history), all or nothing.
 *
 * A header row names the columns; `member`, `at`, `kind` and `key` are
 * required, `source`, `campaign`, `subject`, `value` and `score` optional.
 * `member` is any identifier patron_profile_find() takes (`#17`, an e-mail
 * address, a phone number); `at` is epoch seconds or ISO-8601; `kind` a name
 * as in patron_behaviour_kind_from_name(). Rows already recorded with the
 * same content are replays. The first bad row fails the import with
 * "line L: field: ..." and nothing of the file is recorded.
 *
 * @param db Open store.
 * @param path The CSV file.
 * @param[out] recorded [value] Receives the number of events newly recorded (may be NULL).
 * @return #PATRON_OK; #PATRON_EPARSE and #PATRON_EINVAL naming line and field;
 *         #PATRON_ENOTFOUND (a member not found, with its line); #PATRON_EIO;
 *         #PATRON_ECONFLICT; store errors.
 */
PATRON_API int patron_behaviour_import_csv(patron_db *db, int64_t *recorded, const char *path);

PATRON_END_DECLS

#endif
