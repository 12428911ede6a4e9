/* The events outbox: the switch, appending, the job's watermarks and the
 * named consumers' cursors. Reading (and the sequencing that gives events
 * their positions) is in outbox_read.c.
 *
 * The switch is the store setting "events" ("on"/"off"); the handle keeps
 * what it read in its slot while write_epoch is unchanged (as the ledger
 * keeps its policy), so on SQLite a posting reads it once per handle, not
 * once per posting. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "internal/alloc.h"
#include "internal/audit.h"
#include "internal/civil.h"
#include "internal/error.h"
#include "internal/events.h"
#include "internal/store.h"
#include "events_int.h"
#include "patron/events.h"

typedef struct events_state {
    int loaded;
    uint64_t epoch;
    int on;
} events_state;

static const patron__slot_type events_slot = {"events", sizeof(events_state), NULL};

int patron__events_on(patron_db *db, int *on)
{
    events_state *es = patron__slot(db, &events_slot);
    patron__db_refresh(db);
    if (es && es->loaded && es->epoch == db->write_epoch) {
        *on = es->on;
        return PATRON_OK;
    }
    char *v = NULL;
    int rc = patron__setting_get(db, "events", &v);
    if (rc)
        return rc;
    int flag = v && !strcmp(v, "on");
    patron__free(v);
    if (es) {
        es->loaded = 1;
        es->epoch = db->write_epoch;
        es->on = flag;
    }
    *on = flag;
    return PATRON_OK;
}

int patron__event_append(patron_db *db, int64_t member, const char *kind, int64_t at, const char *payload)
{
    int on = 0;
    int rc = patron__events_on(db, &on);
    if (rc || !on)
        return rc;
    return patron__sql_run(db, "INSERT INTO events(member_id, kind, at, payload) VALUES(?,?,?,?)", "itit", member,
                           kind, at, payload);
}

int patron_events_enable(patron_db *db, int on)
{
    int rc = patron__db_check(db, "patron_events_enable");
    if (rc || (rc = patron__tx_begin(db)))
        return rc;
    int was = 0;
    rc = patron__events_on(db, &was);
    if (rc == PATRON_OK)
        rc = patron__setting_set(db, "events", on ? "on" : "off");
    if (rc == PATRON_OK) {
        char detail[64];
        snprintf(detail, sizeof detail, "{\"from\":%s,\"to\":%s}", was ? "true" : "false", on ? "true" : "false");
        rc = patron__audit(db, "events.enable", 0, NULL, detail);
    }
    rc = patron__tx_end(db, rc);
    events_state *es = patron__slot(db, &events_slot);
    if (es)
        es->loaded = 0; /* read again: committed or not */
    return rc;
}

int patron_events_enabled(patron_db *db, int *on)
{
    int rc = patron__db_check(db, "patron_events_enabled");
    if (rc)
        return rc;
    if (!on)
        return patron__fail(PATRON_EINVAL, "patron_events_enabled: on is NULL");
    return patron__events_on(db, on);
}

/* ---- the job's watermarks ------------------------------------------------ */

int patron__events_marks(patron_db *db, int64_t *matured_until, int64_t *expiring_until)
{
    char *v = NULL;
    int rc = patron__setting_get(db, "events_marks", &v);
    if (rc)
        return rc;
    long long m = 0, e = 0;
    if (v && sscanf(v, "%lld %lld", &m, &e) != 2) {
        patron__free(v);
        return patron__fail(PATRON_ECORRUPT, "stored events job watermarks are unreadable");
    }
    patron__free(v);
    *matured_until = m;
    *expiring_until = e;
    return PATRON_OK;
}

int patron__events_set_marks(patron_db *db, int64_t matured_until, int64_t expiring_until)
{
    char v[64];
    snprintf(v, sizeof v, "%" PRId64 " %" PRId64, matured_until, expiring_until);
    return patron__setting_set(db, "events_marks", v);
}

/* ---- consumers ----------------------------------------------------------- */

int patron__events_check_consumer(const char *func, const char *consumer)
{
    if (!consumer || !consumer[0] || strlen(consumer) > 100)
        return patron__fail(PATRON_EINVAL, "%s: consumer name must be 1..100 bytes", func);
    return PATRON_OK;
}

int patron__events_consumer_position(patron_db *db, const char *consumer, int64_t *position)
{
    int rc = patron__sql_int(db, position, 0, "SELECT position FROM event_consumers WHERE name = ?", "t", consumer);
    if (rc == PATRON_ENOTFOUND) {
        *position = 0;
        rc = PATRON_OK;
    }
    return rc;
}

int patron_events_cursor(patron_db *db, int64_t *position, const char *consumer)
{
    int rc = patron__db_check(db, "patron_events_cursor");
    if (rc || (rc = patron__events_check_consumer("patron_events_cursor", consumer)))
        return rc;
    if (!position)
        return patron__fail(PATRON_EINVAL, "patron_events_cursor: position is NULL");
    int64_t p = 0;
    if ((rc = patron__events_consumer_position(db, consumer, &p)))
        return rc;
    *position = p;
    return PATRON_OK;
}

int patron_events_ack(patron_db *db, const char *consumer, int64_t position)
{
    int rc = patron__db_check(db, "patron_events_ack");
    if (rc || (rc = patron__events_check_consumer("patron_events_ack", consumer)))
        return rc;
    if (position < 0)
        return patron__fail(PATRON_EINVAL, "patron_events_ack: consumer '%s': position %" PRId64 " is negative",
                            consumer, position);
    if ((rc = patron__tx_begin(db)))
        return rc;
    int64_t last = 0;
    rc = patron__events_mark(db, &last);
    if (rc == PATRON_OK && position > last)
        rc = patron__fail(PATRON_EINVAL,
                          "patron_events_ack: consumer '%s': position %" PRId64 " was never given (the last is %" PRId64
                          ")", consumer, position, last);
    if (rc == PATRON_OK)
        rc = patron__sql_run(db, "INSERT INTO event_consumers(name, position) VALUES(?, ?) "
                                 "ON CONFLICT(name) DO UPDATE SET position = excluded.position "
                                 "WHERE excluded.position > event_consumers.position",
                             "ti", consumer, position);
    return patron__tx_end(db, rc);
}
