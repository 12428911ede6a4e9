/* Fuzz target: random operation sequences over the public API.
 *
 * Each input is a program: byte 0 sets the ledger policy, then every
 * operation is one opcode byte followed by argument bytes. Two worlds are
 * driven side by side:
 *  - analytics: a transaction log (single adds, batches, CSV fragments),
 *    summaries with varying options, frame column adds, write/read-back;
 *  - the store: a `:memory:` store with member enrolment, earn / redeem /
 *    adjust / reverse / transfer / expire with idempotency keys drawn from a
 *    small pool (so replays and conflicts happen), batches that commit or
 *    roll back.
 * Invariants checked after every step: failed calls leave counts unchanged;
 * summaries have one row per customer; a replayed key returns the first
 * posting; balances never go below the policy's overdraft limit (byte 0
 * bit 4: 500 points, else 0); and at the end (and at random
 * points) patron_ledger_check() reconciles. Any violation aborts. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "patron/db.h"
#include "patron/ledger.h"
#include "patron/profile.h"
#include "patron/summary.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_MEMBERS 16
#define MAX_KEYS 32
#define MAX_POSTINGS 64

typedef struct {
    const uint8_t *p;
    size_t n;
} input;

static unsigned next(input *in)
{
    if (!in->n)
        return 0;
    in->n--;
    return *in->p++;
}

static unsigned next16(input *in)
{
    unsigned a = next(in);
    return a | (next(in) << 8);
}

typedef struct {
    int kind;
    int64_t member, points, target, mature, expires, posting;
} keyrec;

typedef struct {
    patron_db *db;
    int64_t members[MAX_MEMBERS];
    int nmembers;
    keyrec keys[MAX_KEYS]; /* indexed by key number; kind 0 = unused */
    int64_t postings[MAX_POSTINGS];
    int npostings;
    int64_t now;
    int64_t overdraft; /* the policy's overdraft limit: balances stay >= -overdraft */
    int batch;
    /* state at batch begin, restored on rollback */
    int b_nmembers, b_npostings;
    keyrec b_keys[MAX_KEYS];
} store_world;

static void fail(const char *what)
{
    fprintf(stderr, "invariant violated: %s (%s)\n", what, patron_errmsg());
    abort();
}

static void check_balances(store_world *w)
{
    for (int i = 0; i < w->nmembers; i++) {
        patron_balance b;
        int rc = patron_ledger_balance(w->db, &b, w->members[i], w->now);
        if (rc != PATRON_OK)
            fail("balance of a known member");
        if (b.available < -w->overdraft || b.pending < 0 || b.expired_unposted < 0)
            fail("balance below the overdraft limit");
    }
}

static void check_ledger(store_world *w)
{
    patron_ledger_report rep;
    if (patron_ledger_check(w->db, &rep) != PATRON_OK)
        fail("reconciliation");
    if (rep.problems != 0)
        fail("reconciliation problems");
}

static void store_op(store_world *w, unsigned op, input *in)
{
    w->now += (int64_t)next(in) * 3600;
    switch (op) {
    case 0: { /* enrol */
        if (w->nmembers >= MAX_MEMBERS)
            return;
        char name[32], email[48];
        unsigned k = next(in) % 24; /* collisions give ECONFLICT */
        snprintf(name, sizeof name, "Member %u", k);
        snprintf(email, sizeof email, "m%u@example.com", k);
        patron_profile_fields f = PATRON_PROFILE_FIELDS_INIT;
        f.name = name;
        f.email = email;
        f.consent = (k & 1) ? "email" : "none";
        int64_t id = -1;
        int rc = patron_profile_add(w->db, &id, &f, w->now);
        if (rc == PATRON_OK) {
            for (int i = 0; i < w->nmembers; i++)
                if (w->members[i] == id)
                    fail("member id reused");
            w->members[w->nmembers++] = id;
        } else if (rc != PATRON_ECONFLICT) {
            fail("enrol");
        }
        return;
    }
    case 1:
    case 2:
    case 3:
    case 4:
    case 5: { /* earn, redeem, adjust, reverse, transfer */
        if (w->nmembers == 0)
            return;
        unsigned keyno = next(in) % MAX_KEYS;
        char key[16];
        snprintf(key, sizeof key, "k%u", keyno);
        patron_posting_request r = PATRON_POSTING_REQUEST_INIT;
        r.key = key;
        r.member_id = w->members[next(in) % (unsigned)w->nmembers];
        r.points = (int64_t)next16(in) % 2000;
        r.at = w->now;
        int kind = 0, rc = 0;
        patron_posting_result res = {0, 0, 0};
        unsigned flags = next(in);
        if (op == 1) {
            kind = PATRON_POSTING_EARN;
            r.points += 1;
            r.mature_at = (flags & 1) ? w->now + 86400 : 0;
            r.expires_at = (flags & 2) ? w->now + 30 * 86400 : 0;
            r.spend = r.points * 10;
            rc = patron_ledger_earn(w->db, &res, &r);
        } else if (op == 2) {
            kind = PATRON_POSTING_REDEEM;
            r.points += 1;
            rc = patron_ledger_redeem(w->db, &res, &r);
        } else if (op == 3) {
            kind = PATRON_POSTING_ADJUST;
            r.points = (flags & 1) ? -(r.points + 1) : r.points + 1;
            r.reason = "fuzz";
            r.operator_name = "fuzzer";
            rc = patron_ledger_adjust(w->db, &res, &r);
        } else if (op == 4) {
            kind = PATRON_POSTING_REVERSE;
            if (w->npostings == 0)
                return;
            r.target = w->postings[next(in) % (unsigned)w->npostings];
            r.points = (flags & 1) ? 0 : r.points % 50;
            rc = patron_ledger_reverse(w->db, &res, &r);
        } else {
            kind = PATRON_POSTING_TRANSFER_OUT;
            r.points += 1;
            r.target = w->members[next(in) % (unsigned)w->nmembers];
            rc = patron_ledger_transfer(w->db, &res, &r);
        }
        keyrec *k = &w->keys[keyno];
        int same = k->kind == kind && k->member == r.member_id && k->points == r.points &&
                   k->target == r.target && k->mature == r.mature_at && k->expires == r.expires_at;
        if (rc == PATRON_OK) {
            if (res.replayed) {
                if (!same || res.posting_id != k->posting)
                    fail("replay returned another posting");
            } else {
                if (k->kind != 0)
                    fail("a used key posted again");
                k->kind = kind;
                k->member = r.member_id;
                k->points = r.points;
                k->target = r.target;
                k->mature = r.mature_at;
                k->expires = r.expires_at;
                k->posting = res.posting_id;
                if (w->npostings < MAX_POSTINGS)
                    w->postings[w->npostings++] = res.posting_id;
            }
        } else {
            if (same && kind != 0 && k->kind != 0)
                fail("same request under the same key did not replay");
            if (rc == PATRON_ENOMEM || rc == PATRON_EIO || rc == PATRON_ECORRUPT)
                fail("store error");
            if (patron_errmsg()[0] == '\0')
                fail("failure without a message");
        }
        check_balances(w);
        return;
    }
    case 6: { /* expire */
        int64_t n = -1, pts = -1;
        if (patron_ledger_expire(w->db, &n, &pts, w->now) != PATRON_OK || n < 0 || pts < 0)
            fail("expire");
        int64_t n2 = -1;
        if (patron_ledger_expire(w->db, &n2, NULL, w->now) != PATRON_OK || n2 != 0)
            fail("expire twice");
        check_balances(w);
        return;
    }
    case 7: /* batch begin / commit / rollback */
        if (!w->batch) {
            if (patron_batch_begin(w->db) != PATRON_OK)
                fail("batch begin");
            w->batch = 1;
            w->b_nmembers = w->nmembers;
            w->b_npostings = w->npostings;
            memcpy(w->b_keys, w->keys, sizeof w->keys);
        } else if (next(in) & 1) {
            if (patron_batch_commit(w->db) != PATRON_OK)
                fail("batch commit");
            w->batch = 0;
        } else {
            if (patron_batch_rollback(w->db) != PATRON_OK)
                fail("batch rollback");
            w->batch = 0;
            w->nmembers = w->b_nmembers;
            w->npostings = w->b_npostings;
            memcpy(w->keys, w->b_keys, sizeof w->keys);
        }
        return;
    default: { /* statement and reconciliation */
        check_ledger(w);
        if (w->nmembers) {
            patron_statement *s = NULL;
            int64_t m = w->members[next(in) % (unsigned)w->nmembers];
            if (patron_ledger_statement(w->db, &s, m, 0, w->now + 1) != PATRON_OK)
                fail("statement");
            patron_balance b;
            if (patron_ledger_balance(w->db, &b, m, w->now) != PATRON_OK)
                fail("balance");
            if (patron_statement_closing(s) != b.available)
                fail("statement closing balance");
            for (size_t i = 0; i < patron_statement_count(s); i++)
                if (patron_statement_get(s, i) == NULL)
                    fail("statement row");
            patron_statement_free(s);
        }
        return;
    }
    }
}

static void analytics_op(patron_txlog *log, patron_frame **frame, unsigned op, input *in)
{
    size_t before = patron_txlog_count(log);
    int rc;
    switch (op) {
    case 0: { /* one purchase */
        char id[8];
        snprintf(id, sizeof id, "c%u", next(in) % 40);
        int64_t t = (int64_t)next16(in) * 3600 + (int64_t)next(in) * 86400 * 30;
        int64_t amount = (int64_t)next16(in) - 1000; /* some negative */
        rc = patron_txlog_add(log, id, t, amount, (next(in) & 1) ? "food" : NULL, NULL);
        if ((rc == PATRON_OK) != (patron_txlog_count(log) == before + 1))
            fail("txlog add count");
        return;
    }
    case 1: { /* batch, all or nothing */
        char ids[8][8];
        const char *idp[8];
        int64_t t[8], a[8];
        size_t n = next(in) % 9;
        for (size_t i = 0; i < n; i++) {
            snprintf(ids[i], sizeof ids[i], "c%u", next(in) % 40);
            idp[i] = ids[i];
            t[i] = (int64_t)next16(in) * 7200;
            a[i] = (int64_t)next(in) * 13 - (next(in) == 255 ? 10000 : 0);
        }
        rc = patron_txlog_add_batch_str(log, idp, t, a, n);
        size_t want = rc == PATRON_OK ? before + n : before;
        if (patron_txlog_count(log) != want)
            fail("txlog batch count");
        return;
    }
    case 2: { /* CSV fragment taken from the input */
        size_t len = next(in) % 128;
        if (len > in->n)
            len = in->n;
        static const char head[] = "customer_id,date,amount\n";
        char buf[sizeof head + 128];
        memcpy(buf, head, sizeof head - 1);
        memcpy(buf + sizeof head - 1, in->p, len);
        in->p += len;
        in->n -= len;
        patron_csv_report rep = PATRON_CSV_REPORT_INIT;
        rc = patron_txlog_load_csv_buffer(log, buf, sizeof head - 1 + len, NULL, &rep);
        size_t want = rc == PATRON_OK ? before + rep.rows_loaded : before;
        if (patron_txlog_count(log) != want)
            fail("CSV load count");
        return;
    }
    case 3: { /* summarize */
        patron_summary_options o = PATRON_SUMMARY_OPTIONS_INIT;
        unsigned f = next(in);
        o.period = f % 3;
        o.period_seconds = 3600 * (1 + (f >> 4));
        o.order = (f >> 2) & 1;
        if (f & 8)
            o.calibration_end = (int64_t)next16(in) * 3600;
        patron_frame *fr = NULL;
        rc = patron_summarize(&fr, log, &o);
        if (rc == PATRON_OK) {
            if (!(f & 8) && patron_frame_rows(fr) != patron_txlog_customers(log))
                fail("summary rows != customers");
            if (patron_frame_rows(fr) > patron_txlog_customers(log))
                fail("summary rows > customers");
            patron_frame_free(*frame);
            *frame = fr;
        } else if (fr != NULL) {
            fail("summarize output touched on failure");
        }
        return;
    }
    case 4: { /* frame: add a column, look it up, write and read back */
        if (!*frame)
            return;
        size_t rows = patron_frame_rows(*frame);
        double *v = calloc(rows ? rows : 1, sizeof *v);
        if (!v)
            return;
        for (size_t i = 0; i < rows; i++)
            v[i] = (double)i * 0.5;
        char name[16];
        snprintf(name, sizeof name, "x%u", next(in) % 4);
        size_t cols = patron_frame_cols(*frame);
        rc = patron_frame_add_double(*frame, name, v);
        free(v);
        if (patron_frame_cols(*frame) != cols + (rc == PATRON_OK))
            fail("frame add count");
        size_t col;
        if (rc == PATRON_OK && (patron_frame_find(&col, *frame, name, PATRON_COL_DOUBLE) != PATRON_OK ||
                                col != cols))
            fail("frame find");
        size_t need = 0;
        patron_frame_write_options wo = PATRON_FRAME_WRITE_OPTIONS_INIT;
        wo.major_units = next(in) & 1;
        (void)patron_frame_write_buffer(*frame, NULL, 0, &need, &wo);
        char *buf = malloc(need + 1);
        size_t len = 0;
        if (buf && patron_frame_write_buffer(*frame, buf, need + 1, &len, &wo) == PATRON_OK) {
            patron_frame *g = NULL;
            rc = patron_frame_read_csv_buffer(&g, buf, len);
            /* Major-unit text ("15.00" in total_spend) is for people: the
             * reader keeps int64 columns integral and refuses it. */
            if (rc != PATRON_OK && !(wo.major_units && rc == PATRON_EPARSE))
                fail("frame read back");
            if (rc != PATRON_OK) {
                free(buf);
                return;
            }
            if (patron_frame_rows(g) != patron_frame_rows(*frame) ||
                patron_frame_cols(g) != patron_frame_cols(*frame))
                fail("frame read back shape");
            patron_frame_free(g);
        }
        free(buf);
        return;
    }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1 || size > 2048)
        return 0;
    input in = {data, size};
    unsigned pol = next(&in);

    patron_txlog *log = NULL;
    if (patron_txlog_new(&log, NULL) != PATRON_OK)
        abort();
    patron_frame *frame = NULL;

    store_world w;
    memset(&w, 0, sizeof w);
    w.now = 1700000000;
    patron_db_options dbo = PATRON_DB_OPTIONS_INIT;
    dbo.synchronous = PATRON_SYNC_OFF;
    if (patron_open(&w.db, ":memory:", &dbo) != PATRON_OK)
        abort();
    patron_ledger_policy p = PATRON_LEDGER_POLICY_INIT;
    p.expiry_months = pol & 3;
    p.expiry_end_of_month = (pol >> 2) & 1;
    p.hold_seconds = (pol & 8) ? 86400 : 0;
    p.overdraft_limit = w.overdraft = (pol & 16) ? 500 : 0;
    if (patron_ledger_set_policy(w.db, &p) != PATRON_OK)
        abort();

    while (in.n) {
        unsigned op = next(&in);
        if (op & 0x80)
            store_op(&w, op & 15, &in);
        else
            analytics_op(log, &frame, op % 5, &in);
    }
    if (w.batch && patron_batch_commit(w.db) != PATRON_OK)
        fail("final commit");
    check_balances(&w);
    check_ledger(&w);

    patron_close(w.db);
    patron_frame_free(frame);
    patron_txlog_free(log);
    return 0;
}
