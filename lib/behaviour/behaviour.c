/* Behaviour events (patron/behaviour.h): checked, fingerprinted and recorded
 * idempotently per member; the card's summary of them. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "behaviour_int.h"
#include "internal/behaviour.h"
#include "internal/civil.h"
#include "internal/error.h"
#include "internal/member.h"
#include "internal/options.h"
#include "internal/store.h"
#include "internal/text.h"
#include "patron/behaviour.h"

static const char *const kind_names[] = {NULL,     "visit",  "cart_add", "sent",      "opened",
                                         "clicked", "answer", "nps",      "preference"};
#define N_KINDS ((int32_t)(sizeof kind_names / sizeof kind_names[0]))

const char *patron_behaviour_kind_name(int32_t kind)
{
    return kind > 0 && kind < N_KINDS ? kind_names[kind] : NULL;
}

int patron_behaviour_kind_from_name(int32_t *kind, const char *name)
{
    if (!kind || !name)
        return patron__fail(PATRON_EINVAL, "patron_behaviour_kind_from_name: NULL argument");
    for (int32_t k = 1; k < N_KINDS; k++)
        if (!strcmp(kind_names[k], name)) {
            *kind = k;
            return PATRON_OK;
        }
    char q[128];
    return patron__fail(PATRON_EINVAL,
                        "kind %s is not visit, cart_add, sent, opened, clicked, answer, nps or preference",
                        patron__text_quote(q, sizeof q, name));
}

static int check_event(const char *func, const patron_behaviour_event *e)
{
    int rc;
    if ((rc = patron__key_check(func, "key", e->key, 200)) || (rc = patron__time_check(func, "at", e->at)))
        return rc;
    if (!patron_behaviour_kind_name(e->kind))
        return patron__fail(PATRON_EINVAL, "%s: kind %d is not a patron_behaviour_kind", func, (int)e->kind);
    if ((rc = patron__name_check(func, "source", e->source, 64, "web, app, pos, email, sms")))
        return rc;
    int needs_campaign = e->kind == PATRON_BEHAVIOUR_SENT || e->kind == PATRON_BEHAVIOUR_OPENED ||
                         e->kind == PATRON_BEHAVIOUR_CLICKED;
    if (needs_campaign && (!e->campaign || !e->campaign[0]))
        return patron__fail(PATRON_EINVAL, "%s: a %s event needs its campaign", func, kind_names[e->kind]);
    if ((e->campaign && (rc = patron__key_check(func, "campaign", e->campaign, 200))) ||
        (rc = patron__text_check(func, "subject", e->subject, 200)) ||
        (rc = patron__text_check(func, "value", e->value, 1000)))
        return rc;
    if (e->kind == PATRON_BEHAVIOUR_NPS && (e->score < 0 || e->score > 10))
        return patron__fail(PATRON_EINVAL, "%s: nps score %" PRId64 " is not 0..10", func, e->score);
    if (e->kind == PATRON_BEHAVIOUR_CART_ADD && (e->score < 0 || e->score > INT64_C(1000000000000000)))
        return patron__fail(PATRON_EINVAL, "%s: cart_add amount %" PRId64 " is out of range", func, e->score);
    if (e->kind != PATRON_BEHAVIOUR_NPS && e->kind != PATRON_BEHAVIOUR_CART_ADD && e->score)
        return patron__fail(PATRON_EINVAL, "%s: score %" PRId64 " given for a %s event (only nps and cart_add)",
                            func, e->score, kind_names[e->kind]);
    return PATRON_OK;
}

static int64_t event_fp(const patron_behaviour_event *e)
{
    uint64_t h = PATRON__FNV_INIT;
    h = patron__fnv1a(h, &e->at, sizeof e->at);
    h = patron__fnv1a(h, &e->kind, sizeof e->kind);
    h = patron__fnv1a(h, &e->score, sizeof e->score);
    const char *s[] = {e->source, e->campaign, e->subject, e->value};
    for (int i = 0; i < 4; i++)
        h = s[i] ? patron__fnv1a(h, s[i], strlen(s[i]) + 1) : patron__fnv1a(h, "\xff", 1);
    return (int64_t)(h & INT64_MAX);
}

int patron__behaviour_record_in_tx(patron_db *db, int *replayed, const patron_behaviour_event *e, const char *func)
{
    int rc = check_event(func, e);
    if (rc)
        return rc;
    int64_t member;
    if ((rc = patron__member_resolve(db, &member, e->member_id, 1)))
        return rc;
    int64_t fp = event_fp(e), old = 0;
    rc = patron__sql_int(db, &old, -1, "SELECT fp FROM behaviour_events WHERE member_id = ? AND key = ?", "it", member,
                         e->key);
    if (rc == PATRON_OK) {
        if (old != fp)
            return patron__fail(PATRON_ECONFLICT, "%s: key '%s' of member %" PRId64
                                                  " was recorded with other content", func, e->key, member);
        if (replayed)
            *replayed = 1;
        return PATRON_OK;
    }
    if (rc != PATRON_ENOTFOUND)
        return rc;
    if (replayed)
        *replayed = 0;
    return patron__sql_run(db,
                           "INSERT INTO behaviour_events(member_id, key, fp, at, kind, source, campaign, subject, "
                           "value, score) VALUES(?,?,?,?,?,?,?,?,?,?)",
                           "itiiitttti", member, e->key, fp, e->at, (int64_t)e->kind,
                           e->source, e->campaign, e->subject, e->value, e->score);
}

int patron_behaviour_record(patron_db *db, int *replayed, const patron_behaviour_event *event)
{
    static const char func[] = "patron_behaviour_record";
    int rc = patron__db_check(db, func);
    if (rc)
        return rc;
    if (!event)
        return patron__fail(PATRON_EINVAL, "%s: event is NULL", func);
    patron_behaviour_event e = PATRON_BEHAVIOUR_EVENT_INIT;
    if ((rc = patron__options_copy(&e, sizeof e, event, sizeof e, "patron_behaviour_event")))
        return rc;
    if ((rc = patron__tx_begin(db)))
        return rc;
    int rep = 0;
    rc = patron__behaviour_record_in_tx(db, &rep, &e, func);
    rc = patron__tx_end(db, rc);
    if (rc == PATRON_OK && replayed)
        *replayed = rep;
    return rc;
}

/* ---- the card --------------------------------------------------------- */

int patron__behaviour_card(patron_db *db, patron__sbuf *b, int64_t member, int64_t at)
{
    static const char count_sql[] =
        "SELECT count(*) FROM behaviour_events WHERE member_id = ? AND kind = ? AND at > ? AND at <= ?";
    static const char last_sql[] =
        "SELECT at, score FROM behaviour_events WHERE member_id = ? AND kind = ? AND at <= ? ORDER BY at DESC, id DESC";
    static const char camp_sql[] = "SELECT at, kind, campaign, source FROM behaviour_events WHERE member_id = ? "
                                   "AND kind IN (3, 4, 5) AND at <= ? ORDER BY at DESC, id DESC";
    int64_t visits = 0, carts = 0, last_visit = INT64_MIN, nps_at = INT64_MIN, nps = 0;
    int rc = PATRON_OK;
    for (int64_t m = member; rc == PATRON_OK && m;) {
        int64_t n = 0;
        if ((rc = patron__sql_int(db, &n, 0, count_sql, "iiii", m, (int64_t)PATRON_BEHAVIOUR_VISIT, at - 30 * 86400,
                                  at)) == PATRON_OK)
            visits += n;
        if (rc == PATRON_OK && (rc = patron__sql_int(db, &n, 0, count_sql, "iiii", m, (int64_t)PATRON_BEHAVIOUR_CART_ADD,
                                                     at - 30 * 86400, at)) == PATRON_OK)
            carts += n;
        for (int which = 0; which < 2 && rc == PATRON_OK; which++) {
            patron__stmt *st;
            int32_t kind = which ? PATRON_BEHAVIOUR_NPS : PATRON_BEHAVIOUR_VISIT;
            if ((rc = patron__sql_bind(db, &st, last_sql, "iii", m, (int64_t)kind, at)))
                break;
            if ((rc = patron__sql_step(db, st)) == PATRON__ROW) {
                int64_t t = patron__sql_col_int(db, st, 0);
                if (which && t > nps_at) {
                    nps_at = t;
                    nps = patron__sql_col_int(db, st, 1);
                } else if (!which && t > last_visit) {
                    last_visit = t;
                }
                rc = PATRON_OK;
            }
            patron__sql_done(db, st);
        }
        if (rc == PATRON_OK)
            rc = patron__member_group_next(db, member, m, &m);
    }
    if (rc)
        return rc;
    patron__sb_puts(b, ",\n  \"behaviour\": {\"last_visit_at\": ");
    if (last_visit != INT64_MIN)
        patron__sb_printf(b, "%" PRId64, last_visit);
    else
        patron__sb_puts(b, "null");
    patron__sb_printf(b, ", \"visits_30d\": %" PRId64 ", \"cart_adds_30d\": %" PRId64 ", \"nps\": ", visits, carts);
    if (nps_at != INT64_MIN)
        patron__sb_printf(b, "{\"score\": %" PRId64 ", \"at\": %" PRId64 "}", nps, nps_at);
    else
        patron__sb_puts(b, "null");
    /* campaign responses of the member itself (merged members' are older) */
    patron__sb_puts(b, ", \"campaigns\": [");
    patron__stmt *st;
    if ((rc = patron__sql_bind(db, &st, camp_sql, "ii", member, at)))
        return rc;
    int n = 0;
    while (n < 10 && (rc = patron__sql_step(db, st)) == PATRON__ROW) {
        patron__sb_printf(b, "%s{\"at\": %" PRId64 ", \"kind\": \"%s\", \"campaign\": ", n++ ? ", " : "",
                          patron__sql_col_int(db, st, 0),
                          patron_behaviour_kind_name((int32_t)patron__sql_col_int(db, st, 1)));
        patron__sb_json_str(b, patron__sql_col_text(db, st, 2));
        patron__sb_puts(b, ", \"source\": ");
        patron__sb_json_str(b, patron__sql_col_text(db, st, 3));
        patron__sb_puts(b, "}");
    }
    patron__sql_done(db, st);
    patron__sb_puts(b, "]}");
    return rc < 0 ? rc : PATRON_OK;
}
