/* Journeys against a model written from the journeys guide ("The rules,
 * exactly") and journey.h, not from lib/journey: members joining over time,
 * consent granted and withdrawn (per channel and 'all'), merges (several
 * rows of one member, the earlier join, the newer state of each step),
 * purchases, random day offsets, delays and win-back windows, channel
 * preferences, marks of some items and late marks of old ones. Every
 * evaluation's list is compared item by item.
 *
 * usage: test_journey_model [stores [seed]] */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "patron.h"
#include "pt_rand.h"
#include "store_support.h"

#define T0 INT64_C(1700000000)
#define DAY INT64_C(86400)
#define NM 5
#define MAXROWS 9
#define MAXREC 160
#define MAXITEMS 64
#define POOL 256

static long n_stores;
static uint64_t seed0;
static long n_evals, n_items, n_merges, n_late_marks, n_consent_changes;

static const char *const channels[] = {"email", "sms", "push"};

/* ---- the model ---------------------------------------------------------- */

typedef struct mconsent {
    int member; /* model index; moves to the survivor on a merge */
    char channel[8];
    int granted;
    int64_t at;
} mconsent;

typedef struct mitem {
    int member; /* model index of the member */
    size_t row;
    int journey, step;
    int64_t anchor, scheduled;
    char channel[8];
    char tag[24];
} mitem;

typedef struct model {
    int64_t id[NM];
    int merged_into[NM]; /* -1, or the survivor's index */
    int64_t joined[NM];
    int64_t state[NM][3][3]; /* journey step states; INT64_MIN = never sent */
    mconsent rec[MAXREC];    /* in recording order */
    size_t nrec;
    size_t nrows;
    int64_t row_id[MAXROWS];   /* customer id of the row (a member id, or a non-member) */
    int row_member[MAXROWS];   /* model index, -1 for a non-member */
    int64_t row_last[MAXROWS]; /* INT64_MIN: no purchase yet */
} model;

static int resolve(const model *m, int i)
{
    while (i >= 0 && m->merged_into[i] >= 0)
        i = m->merged_into[i];
    return i;
}

/* the latest decision at or before `at` for the channel or 'all' (ties: the later recorded) */
static int consented(const model *m, int who, const char *ch, int64_t at)
{
    int g = 0;
    int64_t best = INT64_MIN;
    for (size_t i = 0; i < m->nrec; i++) {
        const mconsent *c = &m->rec[i];
        if (c->member != who || c->at > at || (strcmp(c->channel, ch) && strcmp(c->channel, "all")))
            continue;
        if (c->at >= best) {
            best = c->at;
            g = c->granted;
        }
    }
    return g;
}

static int sent(const model *m, int who, int j, int k, int64_t anchor)
{
    int64_t s = m->state[who][j][k - 1];
    return s != INT64_MIN && s >= anchor;
}

typedef struct mopts {
    int32_t wd[3], pd[3], wb_min, wb_max, delay;
    int nch;
    const char *pref[3];
} mopts;

static size_t model_due(const model *m, const mopts *o, int64_t now, mitem *out)
{
    size_t n = 0;
    int done[NM] = {0};
    for (size_t r0 = 0; r0 < m->nrows; r0++) {
        int who = resolve(m, m->row_member[r0]);
        if (who < 0 || done[who])
            continue;
        done[who] = 1;
        /* the member's rows: evaluated once, on the first row with the latest purchase */
        size_t rep = r0;
        for (size_t r = r0; r < m->nrows; r++)
            if (resolve(m, m->row_member[r]) == who && m->row_last[r] > m->row_last[rep])
                rep = r;
        int ch = -1;
        for (int k = 0; k < o->nch && ch < 0; k++)
            if (consented(m, who, o->pref[k], now))
                ch = k;
        if (ch < 0)
            continue;
        struct { int j, k; int64_t anchor, sched; } cand[7];
        int nc = 0;
        for (int j = 0; j < 2; j++) {
            int64_t anchor = j ? m->row_last[rep] : m->joined[who];
            if (anchor == INT64_MIN || anchor > now)
                continue;
            for (int k = 0; k < 3; k++) {
                int64_t sched = anchor + (int64_t)(j ? o->pd[k] : o->wd[k]) * DAY;
                if (now >= sched && now <= sched + (int64_t)o->delay * DAY) {
                    cand[nc].j = j;
                    cand[nc].k = k + 1;
                    cand[nc].anchor = anchor;
                    cand[nc].sched = sched;
                    nc++;
                }
            }
        }
        int64_t last = m->row_last[rep];
        if (last != INT64_MIN && last <= now && now - last >= (int64_t)o->wb_min * DAY &&
            now - last < ((int64_t)o->wb_max + 1) * DAY) { /* the whole of day wb_max */
            cand[nc].j = 2;
            cand[nc].k = 1;
            cand[nc].anchor = last;
            cand[nc].sched = last + (int64_t)o->wb_min * DAY;
            nc++;
        }
        for (int q = 0; q < nc; q++) {
            if (sent(m, who, cand[q].j, cand[q].k, cand[q].anchor))
                continue;
            if (cand[q].k > 1 && !sent(m, who, cand[q].j, cand[q].k - 1, cand[q].anchor))
                continue;
            mitem *it = &out[n++];
            memset(it, 0, sizeof *it);
            it->member = who;
            it->row = rep;
            it->journey = cand[q].j;
            it->step = cand[q].k;
            it->anchor = cand[q].anchor;
            it->scheduled = cand[q].sched;
            snprintf(it->channel, sizeof it->channel, "%s", o->pref[ch]);
            if (cand[q].j == 2)
                snprintf(it->tag, sizeof it->tag, "s%zu", rep);
        }
    }
    return n;
}

/* a mark never moves a step back */
static void model_mark(model *m, int who, int j, int k, int64_t anchor)
{
    int64_t *s = &m->state[who][j][k - 1];
    if (*s == INT64_MIN || *s < anchor)
        *s = anchor;
}

static void model_merge(model *m, int kept, int merged)
{
    m->merged_into[merged] = kept;
    if (m->joined[merged] < m->joined[kept])
        m->joined[kept] = m->joined[merged];
    for (int j = 0; j < 3; j++)
        for (int k = 0; k < 3; k++)
            if (m->state[merged][j][k] != INT64_MIN &&
                (m->state[kept][j][k] == INT64_MIN || m->state[merged][j][k] > m->state[kept][j][k]))
                m->state[kept][j][k] = m->state[merged][j][k];
    for (size_t i = 0; i < m->nrec; i++)
        if (m->rec[i].member == merged)
            m->rec[i].member = kept;
}

/* ---- driving the library ------------------------------------------------ */

static void record(patron_db *db, model *m, int who, const char *ch, int granted, int64_t at)
{
    if (m->nrec >= MAXREC)
        return;
    assert_int_equal(patron_consent_record(db, m->id[who], ch, granted, at, "form"), PATRON_OK);
    mconsent *c = &m->rec[m->nrec++];
    c->member = who;
    snprintf(c->channel, sizeof c->channel, "%s", ch);
    c->granted = granted;
    c->at = at;
    n_consent_changes++;
}

static patron_frame *build_frame(patron_db *db, const model *m, int64_t now)
{
    patron_frame *f;
    const char *tags[MAXROWS];
    char tagbuf[MAXROWS][24];
    for (size_t r = 0; r < m->nrows; r++) {
        snprintf(tagbuf[r], sizeof tagbuf[r], "s%zu", r);
        tags[r] = tagbuf[r];
    }
    int64_t last[MAXROWS];
    for (size_t r = 0; r < m->nrows; r++)
        last[r] = m->row_last[r];
    if (patron_frame_new(&f, m->nrows, m->row_id, NULL))
        fail_msg("frame: %s", patron_errmsg());
    assert_int_equal(patron_frame_add_int64(f, "last_purchase", last), 0);
    assert_int_equal(patron_frame_add_string(f, "seg", tags), 0);
    patron_member_columns_options mo = PATRON_MEMBER_COLUMNS_OPTIONS_INIT;
    mo.now = now;
    mo.channels = "email,sms,push";
    if (patron_frame_add_member_columns(f, db, &mo))
        fail_msg("member columns: %s", patron_errmsg());
    return f;
}

static void random_opts(pt_rand *g, mopts *o)
{
    static const int32_t wd[3] = {0, 3, 7}, pd[3] = {0, 3, 14};
    int dflt = pt_chance(g, 50);
    for (int k = 0; k < 3; k++) {
        o->wd[k] = dflt ? wd[k] : (k ? o->wd[k - 1] : 0) + (int32_t)pt_range(g, 0, 4);
        o->pd[k] = dflt ? pd[k] : (k ? o->pd[k - 1] : 0) + (int32_t)pt_range(g, 0, 6);
    }
    o->wb_min = dflt ? 45 : (int32_t)pt_range(g, 3, 20);
    o->wb_max = dflt ? 60 : o->wb_min + (int32_t)pt_range(g, 0, 6);
    o->delay = dflt ? 7 : (int32_t)pt_range(g, 0, 5);
    /* a preference order over some of the channels */
    int perm[3] = {0, 1, 2};
    for (int i = 2; i > 0; i--) {
        int j = (int)pt_range(g, 0, i), t = perm[i];
        perm[i] = perm[j];
        perm[j] = t;
    }
    o->nch = (int)pt_range(g, 1, 3);
    for (int i = 0; i < o->nch; i++)
        o->pref[i] = channels[perm[i]];
}

static void run_store(long store, uint64_t seed)
{
    pt_rand g = {seed};
    model *m = calloc(1, sizeof *m);
    assert_non_null(m);
    patron_db *db = pt_store_new(NULL);
    for (int i = 0; i < NM; i++) {
        /* a consent string: some channels, or an explicit refusal */
        char consent[32] = "";
        for (int c = 0; c < 3; c++)
            if (pt_chance(&g, 50))
                snprintf(consent + strlen(consent), sizeof consent - strlen(consent), "%s%s", consent[0] ? "," : "",
                         channels[c]);
        if (!consent[0])
            snprintf(consent, sizeof consent, "none");
        char email[32];
        snprintf(email, sizeof email, "m%d@example.com", i);
        patron_profile_fields f = PATRON_PROFILE_FIELDS_INIT;
        f.name = "M";
        f.email = email;
        f.consent = consent;
        m->joined[i] = T0 + pt_range(&g, -15 * 24, 15 * 24) * 3600;
        f.joined_at = m->joined[i];
        assert_int_equal(patron_profile_add(db, &m->id[i], &f, m->joined[i]), PATRON_OK);
        m->merged_into[i] = -1;
        for (int j = 0; j < 3; j++)
            for (int k = 0; k < 3; k++)
                m->state[i][j][k] = INT64_MIN;
        if (!strcmp(consent, "none")) {
            mconsent *c = &m->rec[m->nrec++];
            c->member = i;
            snprintf(c->channel, sizeof c->channel, "all");
            c->granted = 0;
            c->at = m->joined[i];
        } else {
            for (int ch = 0; ch < 3; ch++)
                if (strstr(consent, channels[ch])) {
                    mconsent *c = &m->rec[m->nrec++];
                    c->member = i;
                    snprintf(c->channel, sizeof c->channel, "%s", channels[ch]);
                    c->granted = 1;
                    c->at = m->joined[i];
                }
        }
    }
    /* rows: every member, a customer who is not a member, and later rows
     * of members merged away keep their own row */
    for (int i = 0; i < NM; i++) {
        m->row_id[m->nrows] = m->id[i];
        m->row_member[m->nrows] = i;
        m->row_last[m->nrows] = pt_chance(&g, 40) ? T0 - pt_range(&g, 0, 70 * 24) * 3600 : INT64_MIN;
        m->nrows++;
    }
    m->row_id[m->nrows] = 999999;
    m->row_member[m->nrows] = -1;
    m->row_last[m->nrows] = T0 - DAY;
    m->nrows++;
    /* shuffle the rows so that first rows are not in member order */
    for (size_t i = m->nrows - 1; i > 0; i--) {
        size_t j = (size_t)pt_range(&g, 0, (int64_t)i);
        int64_t a = m->row_id[i], c = m->row_last[i];
        int b = m->row_member[i];
        m->row_id[i] = m->row_id[j];
        m->row_member[i] = m->row_member[j];
        m->row_last[i] = m->row_last[j];
        m->row_id[j] = a;
        m->row_member[j] = b;
        m->row_last[j] = c;
    }
    mitem *pool = calloc(POOL, sizeof *pool); /* items seen, for late marks */
    assert_non_null(pool);
    size_t npool = 0;
    int64_t now = T0;
    int steps = (int)pt_range(&g, 15, 45);
    for (int step = 0; step < steps; step++) {
        int64_t prev = now;
        now += pt_range(&g, 6, 48) * 3600;
        /* purchases, consent decisions and merges since the last run */
        for (size_t r = 0; r < m->nrows; r++)
            if (m->row_member[r] >= 0 && pt_chance(&g, 12))
                m->row_last[r] = pt_range(&g, prev + 1, now);
        if (pt_chance(&g, 40)) {
            int who = resolve(m, (int)pt_range(&g, 0, NM - 1));
            const char *ch = pt_chance(&g, 10) ? "all" : channels[pt_range(&g, 0, 2)];
            record(db, m, who, ch, (int)pt_range(&g, 0, 1), pt_range(&g, prev + 1, now));
        }
        if (pt_chance(&g, 6)) {
            int a = resolve(m, (int)pt_range(&g, 0, NM - 1)), b = resolve(m, (int)pt_range(&g, 0, NM - 1));
            if (a != b) {
                assert_int_equal(patron_profile_merge(db, m->id[a], m->id[b], now, "ops", NULL), PATRON_OK);
                model_merge(m, a, b);
                n_merges++;
            }
        }
        mopts o;
        random_opts(&g, &o);
        patron_journey_options jo = PATRON_JOURNEY_OPTIONS_INIT;
        jo.now = now;
        char pref[32] = "";
        for (int i = 0; i < o.nch; i++)
            snprintf(pref + strlen(pref), sizeof pref - strlen(pref), "%s%s", i ? "," : "", o.pref[i]);
        jo.channels = pref;
        for (int k = 0; k < 3; k++) {
            jo.welcome_days[k] = o.wd[k];
            jo.post_purchase_days[k] = o.pd[k];
        }
        jo.win_back_min_days = o.wb_min;
        jo.win_back_max_days = o.wb_max;
        jo.max_delay_days = o.delay;
        jo.tag_column = "seg";
        patron_frame *f = build_frame(db, m, now);
        patron_journey_due_item *items = NULL;
        size_t n = 0;
        if (patron_journey_due(&items, &n, db, f, &jo))
            fail_msg("store %ld step %d: %s", store, step, patron_errmsg());
        mitem want[MAXITEMS];
        size_t nw = model_due(m, &o, now, want);
        if (n != nw)
            fail_msg("store %ld (seed %llu) step %d at T0%+lld: %zu items, model %zu", store,
                     (unsigned long long)seed, step, (long long)(now - T0), n, nw);
        for (size_t i = 0; i < n; i++) {
            const patron_journey_due_item *it = &items[i];
            const mitem *w = &want[i];
            if (it->member_id != m->id[w->member] || it->row != w->row || it->journey != w->journey ||
                it->step != w->step || it->anchor != w->anchor || it->scheduled != w->scheduled ||
                strcmp(it->channel, w->channel) || strcmp(it->tag, w->tag))
                fail_msg("store %ld (seed %llu) step %d item %zu: library member %lld row %llu journey %d step %d "
                         "anchor %lld sched %lld %s %s; model member %lld row %zu journey %d step %d anchor %lld "
                         "sched %lld %s %s", store, (unsigned long long)seed, step, i, (long long)it->member_id,
                         (unsigned long long)it->row, (int)it->journey, (int)it->step, (long long)it->anchor,
                         (long long)it->scheduled, it->channel, it->tag, (long long)m->id[w->member], w->row,
                         w->journey, w->step, (long long)w->anchor, (long long)w->scheduled, w->channel, w->tag);
        }
        n_evals++;
        n_items += (long)n;
        /* send (mark) most of them; remember them for late marks */
        for (size_t i = 0; i < n; i++) {
            if (npool < POOL)
                pool[npool++] = want[i];
            if (!pt_chance(&g, 75))
                continue;
            assert_int_equal(patron_journey_mark_sent(db, &items[i]), PATRON_OK);
            model_mark(m, want[i].member, want[i].journey, want[i].step, want[i].anchor);
        }
        /* a delivery receipt arriving late: an old item marked again */
        if (npool && pt_chance(&g, 30)) {
            const mitem *old = &pool[pt_range(&g, 0, (int64_t)npool - 1)];
            patron_journey_due_item it;
            memset(&it, 0, sizeof it);
            it.member_id = m->id[old->member];
            it.journey = old->journey;
            it.step = old->step;
            it.anchor = old->anchor;
            assert_int_equal(patron_journey_mark_sent(db, &it), PATRON_OK);
            model_mark(m, resolve(m, old->member), old->journey, old->step, old->anchor);
            n_late_marks++;
        }
        patron_free(items);
        patron_frame_free(f);
    }
    free(pool);
    patron_close(db);
    free(m);
}

static void test_journeys_against_model(void **state)
{
    (void)state;
    pt_rand g = {seed0};
    for (long s = 0; s < n_stores; s++)
        run_store(s, pt_next(&g));
    printf("# %ld evaluations, %ld items; %ld merges, %ld consent decisions, %ld late marks\n", n_evals, n_items,
           n_merges, n_consent_changes, n_late_marks);
}

int main(int argc, char **argv)
{
    pt_args(argc, argv, &n_stores, &seed0, 120, 21);
    printf("# journey model: %ld stores, seed %llu\n", n_stores, (unsigned long long)seed0);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_journeys_against_model),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
