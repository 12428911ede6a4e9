/* Campaigns: definitions (checks, idempotency, conflicts), assignment by
 * the experiment hash (stable, first time kept, dates, merged and erased
 * members), targeting a segment, and a seeded differential test of
 * patron_campaign_measure() against a model written from the rules in
 * patron/campaign.h: measured = window (assigned_at, assigned_at + days]
 * ended by as_of; converted = an unreturned purchase in the window; first
 * purchase gives basket and days (the largest of one second); revenue over
 * every purchase of the window; merged members under the member they joined
 * with the earlier assignment standing; erased members left out; sent /
 * opened / clicked = measured members with such an event of the campaign at
 * or before as_of. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "patron.h"
#include "store_support.h"

#define T0 1700000000
#define DAY 86400

static uint64_t rng = 1;
static uint64_t seed_id; /* the seed of the history being checked, for messages */
static uint64_t next(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

static int64_t member_n(patron_db *db, int i, int64_t at)
{
    char phone[32];
    snprintf(phone, sizeof phone, "+9725012%05d", i);
    return pt_member(db, phone, "sms", at);
}

static void expect_fail(int rc, int code, const char *says)
{
    if (rc != code || !strstr(patron_errmsg(), says))
        fail_msg("got %d '%s', wanted %d with '%s'", rc, patron_errmsg(), code, says);
}

static void test_define(void **state)
{
    (void)state;
    patron_db *db = pt_store_new(NULL);
    patron_campaign_def d = PATRON_CAMPAIGN_DEF_INIT;
    d.name = "spring";
    d.segment = "frequency >= 1";
    d.offer = "post_purchase step 2: 10% off";
    assert_int_equal(patron_campaign_create(db, &d), PATRON_OK);
    assert_int_equal(patron_campaign_create(db, &d), PATRON_OK); /* same again: nothing */
    d.control_share = 0.2;
    expect_fail(patron_campaign_create(db, &d), PATRON_ECONFLICT, "another definition");
    struct {
        const char *field;
        const char *says;
    } bad[] = {{"name", "name is required"}, {"name_blank", "white space"}, {"share", "control_share 0.95"},
               {"days0", "conversion_days 0"}, {"days", "conversion_days 400"}, {"ends", "not after starts"},
               {"segment", "segment"}, {"ms", "milliseconds"}};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        patron_campaign_def b = PATRON_CAMPAIGN_DEF_INIT;
        b.name = "x";
        const char *f = bad[i].field;
        if (!strcmp(f, "name"))
            b.name = "";
        else if (!strcmp(f, "name_blank"))
            b.name = "x ";
        else if (!strcmp(f, "share"))
            b.control_share = 0.95;
        else if (!strcmp(f, "days0"))
            b.conversion_days = 0;
        else if (!strcmp(f, "days"))
            b.conversion_days = 400;
        else if (!strcmp(f, "ends")) {
            b.starts = T0;
            b.ends = T0;
        } else if (!strcmp(f, "segment"))
            b.segment = "frequency >=";
        else
            b.starts = (int64_t)T0 * 1000;
        int rc = patron_campaign_create(db, &b);
        if (rc >= 0 || !strstr(patron_errmsg(), bad[i].says))
            fail_msg("case %s: %d '%s' lacks '%s'", f, rc, patron_errmsg(), bad[i].says);
        assert_true(strstr(patron_errmsg(), "patron_campaign_create") != NULL);
    }
    int64_t m = member_n(db, 1, T0);
    expect_fail(patron_campaign_assign(db, NULL, NULL, "autumn", m, T0), PATRON_ENOTFOUND, "no campaign 'autumn'");
    patron_campaign_measure_result r = {.size = sizeof r};
    expect_fail(patron_campaign_measure(db, &r, "autumn", T0, NULL), PATRON_ENOTFOUND, "autumn");
    r.size = 4;
    expect_fail(patron_campaign_measure(db, &r, "spring", T0, NULL), PATRON_EINVAL, "patron_campaign_measure_result");
    patron_close(db);
}

static int32_t hashed(const char *campaign, int64_t member, double share)
{
    char key[256], id[32];
    snprintf(key, sizeof key, "campaign:%s", campaign);
    snprintf(id, sizeof id, "%lld", (long long)member);
    double w[2] = {share, 1 - share};
    int v = -1;
    assert_int_equal(patron_abtest_assign(&v, key, id, w, 2, NULL), PATRON_OK);
    return v;
}

static void test_assign(void **state)
{
    (void)state;
    patron_db *db = pt_store_new(NULL);
    patron_campaign_def d = PATRON_CAMPAIGN_DEF_INIT;
    d.name = "welcome back";
    d.control_share = 0.5;
    d.starts = T0;
    d.ends = T0 + 30 * DAY;
    assert_int_equal(patron_campaign_create(db, &d), PATRON_OK);
    int64_t ids[40];
    int n_control = 0;
    for (int i = 0; i < 40; i++) {
        ids[i] = member_n(db, i, T0);
        int32_t g = -1;
        int64_t at = 0;
        assert_int_equal(patron_campaign_assign(db, &g, &at, d.name, ids[i], T0 + i), PATRON_OK);
        assert_int_equal(g, hashed(d.name, ids[i], 0.5));
        assert_int_equal(at, T0 + i);
        n_control += g == PATRON_CAMPAIGN_CONTROL;
        /* again, later: the same group and the first time */
        int32_t g2 = -1;
        assert_int_equal(patron_campaign_assign(db, &g2, &at, d.name, ids[i], T0 + DAY), PATRON_OK);
        assert_int_equal(g2, g);
        assert_int_equal(at, T0 + i);
    }
    assert_true(n_control > 5 && n_control < 35);
    /* dates: a new assignment outside them is refused, an old one is read */
    int64_t late = member_n(db, 99, T0);
    expect_fail(patron_campaign_assign(db, NULL, NULL, d.name, late, T0 + 30 * DAY), PATRON_EINVAL, "ended at");
    expect_fail(patron_campaign_assign(db, NULL, NULL, d.name, late, T0 - 1), PATRON_EINVAL, "is before it");
    expect_fail(patron_campaign_assign(db, NULL, NULL, d.name, late, (int64_t)T0 * 1000), PATRON_EINVAL,
                "milliseconds");
    int64_t at = 0;
    assert_int_equal(patron_campaign_assign(db, NULL, &at, d.name, ids[3], T0 + 40 * DAY), PATRON_OK);
    assert_int_equal(at, T0 + 3);
    /* a merged id is assigned as the member it joined; erased is not found */
    int64_t a = member_n(db, 100, T0), b = member_n(db, 101, T0);
    assert_int_equal(patron_profile_merge(db, a, b, T0 + 5, "op", NULL), PATRON_OK);
    int32_t ga = -1, gb = -2;
    assert_int_equal(patron_campaign_assign(db, &gb, &at, d.name, b, T0 + 10), PATRON_OK);
    assert_int_equal(patron_campaign_assign(db, &ga, NULL, d.name, a, T0 + 20), PATRON_OK);
    assert_int_equal(ga, gb);
    assert_int_equal(ga, hashed(d.name, a, 0.5));
    assert_int_equal(patron_profile_erase(db, a, T0 + 21, "op"), PATRON_OK);
    expect_fail(patron_campaign_assign(db, NULL, NULL, d.name, a, T0 + 22), PATRON_ENOTFOUND, "erased");
    /* no control share: everyone is treated */
    patron_campaign_def all = PATRON_CAMPAIGN_DEF_INIT;
    all.name = "all";
    all.control_share = 0;
    assert_int_equal(patron_campaign_create(db, &all), PATRON_OK);
    for (int i = 0; i < 40; i++) {
        int32_t g = -1;
        assert_int_equal(patron_campaign_assign(db, &g, NULL, "all", ids[i], T0), PATRON_OK);
        assert_int_equal(g, PATRON_CAMPAIGN_TREATMENT);
    }
    patron_close(db);
}

static void test_target(void **state)
{
    (void)state;
    patron_db *db = pt_store_new(NULL);
    int64_t ids[12];
    for (int i = 0; i < 12; i++) {
        ids[i] = member_n(db, i, T0);
        for (int k = 0; k <= i % 3; k++) { /* members 2, 5, 8, 11 buy three times */
            char key[32];
            snprintf(key, sizeof key, "o%d-%d", i, k);
            pt_buy(db, key, ids[i], T0 + (k + 1) * DAY, "shoes", 1000);
        }
    }
    patron_campaign_def d = PATRON_CAMPAIGN_DEF_INIT;
    d.name = "loyal";
    d.segment = "frequency >= 2";
    d.control_share = 0.5;
    assert_int_equal(patron_campaign_create(db, &d), PATRON_OK);
    patron_campaign_member *list = NULL;
    size_t n = 0;
    assert_int_equal(patron_campaign_target(db, &list, &n, "loyal", T0 + 10 * DAY), PATRON_OK);
    assert_int_equal(n, 4);
    for (size_t i = 0; i < n; i++) {
        assert_int_equal(list[i].member_id, ids[3 * i + 2]);
        assert_int_equal(list[i].is_new, 1);
        assert_int_equal(list[i].assigned_at, T0 + 10 * DAY);
        assert_int_equal(list[i].group, hashed("loyal", ids[3 * i + 2], 0.5));
    }
    patron_free(list);
    /* again a day later: the same members, assigned before */
    assert_int_equal(patron_campaign_target(db, &list, &n, "loyal", T0 + 11 * DAY), PATRON_OK);
    assert_int_equal(n, 4);
    for (size_t i = 0; i < n; i++) {
        assert_int_equal(list[i].is_new, 0);
        assert_int_equal(list[i].assigned_at, T0 + 10 * DAY);
    }
    patron_free(list);
    /* before any purchase: the frame cannot be built; nothing assigned */
    expect_fail(patron_campaign_target(db, &list, &n, "loyal", T0), PATRON_EINVAL, "no purchase");
    patron_close(db);
}

/* ---- the differential test --------------------------------------------- */

#define NM 48
#define MAXP 600
#define MAXE 400
#define MAXA 200

typedef struct {
    int64_t member, at, amount, returned_at;
    char key[24];
} m_purchase;

typedef struct {
    int64_t member, at;
    int32_t kind;
    int mine; /* of the measured campaign */
} m_event;

typedef struct {
    int64_t member, at;
    int32_t group;
} m_assign;

typedef struct {
    int64_t id[NM];
    int owner[NM]; /* index of the member it now belongs to */
    int erased[NM];
    m_purchase p[MAXP];
    size_t np;
    m_event e[MAXE];
    size_t ne;
    m_assign a[MAXA];
    size_t na;
} model;

static int index_of(const model *m, int64_t id)
{
    for (int i = 0; i < NM; i++)
        if (m->id[i] == id)
            return i;
    return -1;
}

/* The person an id belongs to now: its index, or -1 when erased. */
static int person_of(const model *m, int64_t id)
{
    int i = index_of(m, id);
    int o = m->owner[i];
    return m->erased[o] ? -1 : o;
}

static int active(const model *m, int i)
{
    return m->owner[i] == i && !m->erased[i];
}

typedef struct {
    int64_t at;
    int32_t group;
    int has;
} m_person;

static void model_outcome(const model *m, int64_t as_of, int64_t window, int32_t group, patron_campaign_outcome *o,
                          double *rev, size_t *nrev)
{
    m_person per[NM];
    memset(per, 0, sizeof per);
    for (size_t k = 0; k < m->na; k++) {
        const m_assign *a = &m->a[k];
        int who = a->at <= as_of ? person_of(m, a->member) : -1;
        if (who < 0)
            continue;
        if (!per[who].has || a->at < per[who].at) {
            per[who].has = 1;
            per[who].at = a->at;
            per[who].group = a->group;
        }
    }
    memset(o, 0, sizeof *o);
    double basket = 0, days = 0;
    *nrev = 0;
    for (int w = 0; w < NM; w++) {
        if (!per[w].has || per[w].group != group)
            continue;
        o->assigned++;
        int64_t from = per[w].at, to = per[w].at + window;
        if (to > as_of) {
            o->pending++;
            continue;
        }
        o->measured++;
        int flags = 0;
        for (size_t k = 0; k < m->ne; k++)
            if (m->e[k].mine && m->e[k].at <= as_of && person_of(m, m->e[k].member) == w)
                flags |= 1 << (m->e[k].kind - PATRON_BEHAVIOUR_SENT);
        o->sent += (flags & 1) != 0;
        o->opened += (flags & 2) != 0;
        o->clicked += (flags & 4) != 0;
        int64_t revenue = 0, first_at = 0, first_amount = 0, n = 0;
        for (size_t k = 0; k < m->np; k++) {
            const m_purchase *p = &m->p[k];
            if (person_of(m, p->member) != w || p->at <= from || p->at > to || p->at > as_of)
                continue;
            if (p->returned_at && p->returned_at <= as_of)
                continue;
            n++;
            revenue += p->amount;
            if (!first_at || p->at < first_at || (p->at == first_at && p->amount > first_amount)) {
                first_at = p->at;
                first_amount = p->amount;
            }
        }
        o->purchases += n;
        o->revenue += revenue;
        rev[(*nrev)++] = (double)revenue;
        if (n) {
            o->converted++;
            basket += (double)first_amount;
            days += (double)(first_at - from) / DAY;
        }
    }
    o->conversion_rate = o->measured ? (double)o->converted / (double)o->measured : NAN;
    o->revenue_per_member = o->measured ? (double)o->revenue / (double)o->measured : NAN;
    o->avg_basket = o->converted ? basket / (double)o->converted : NAN;
    o->avg_days_to_convert = o->converted ? days / (double)o->converted : NAN;
}

static void same_double(const char *what, double got, double want, int64_t as_of)
{
    if (isnan(want) && isnan(got))
        return;
    if (!(fabs(got - want) <= 1e-12 * (1 + fabs(want))))
        fail_msg("seed %llu as_of %lld: %s %.17g, model %.17g", (unsigned long long)seed_id, (long long)as_of, what, got,
                 want);
}

static void same_outcome(const char *g, const patron_campaign_outcome *got, const patron_campaign_outcome *want,
                         int64_t as_of)
{
    const int64_t *gi[] = {&got->assigned, &got->pending, &got->measured, &got->sent, &got->opened,
                           &got->clicked, &got->converted, &got->purchases, &got->revenue};
    const int64_t *wi[] = {&want->assigned, &want->pending, &want->measured, &want->sent, &want->opened,
                           &want->clicked, &want->converted, &want->purchases, &want->revenue};
    static const char *names[] = {"assigned", "pending", "measured", "sent", "opened",
                                  "clicked", "converted", "purchases", "revenue"};
    for (size_t k = 0; k < 9; k++)
        if (*gi[k] != *wi[k])
            fail_msg("seed %llu as_of %lld: %s %s %lld, model %lld", (unsigned long long)seed_id, (long long)as_of, g,
                     names[k], (long long)*gi[k], (long long)*wi[k]);
    same_double("conversion_rate", got->conversion_rate, want->conversion_rate, as_of);
    same_double("revenue_per_member", got->revenue_per_member, want->revenue_per_member, as_of);
    same_double("avg_basket", got->avg_basket, want->avg_basket, as_of);
    same_double("avg_days_to_convert", got->avg_days_to_convert, want->avg_days_to_convert, as_of);
}

static void check_measure(patron_db *db, const model *m, int64_t as_of, int64_t window, double share)
{
    patron_campaign_measure_result r = {.size = sizeof r};
    if (patron_campaign_measure(db, &r, "c1", as_of, NULL) != PATRON_OK)
        fail_msg("measure: %s", patron_errmsg());
    patron_campaign_outcome t, c;
    double rt[NM], rc[NM];
    size_t nt, nc;
    model_outcome(m, as_of, window, PATRON_CAMPAIGN_TREATMENT, &t, rt, &nt);
    model_outcome(m, as_of, window, PATRON_CAMPAIGN_CONTROL, &c, rc, &nc);
    same_outcome("treatment", &r.treatment, &t, as_of);
    same_outcome("control", &r.control, &c, as_of);
    if (!t.measured || !c.measured) {
        assert_true(isnan(r.conversion_diff) && isnan(r.conversion_p_value) && isnan(r.revenue_diff));
        return;
    }
    double pt = t.conversion_rate, pc = c.conversion_rate;
    same_double("conversion_diff", r.conversion_diff, pt - pc, as_of);
    same_double("incremental_conversions", r.incremental_conversions, (pt - pc) * (double)t.measured, as_of);
    double pooled = (double)(t.converted + c.converted) / (double)(t.measured + c.measured);
    double se = sqrt(pooled * (1 - pooled) * (1.0 / (double)t.measured + 1.0 / (double)c.measured));
    if (se > 0) {
        double z = (pt - pc) / se;
        if (!(fabs(r.conversion_p_value - erfc(fabs(z) / sqrt(2.0))) <= 1e-9))
            fail_msg("seed %llu: p %.17g, model %.17g", (unsigned long long)seed_id, r.conversion_p_value,
                     erfc(fabs(z) / sqrt(2.0)));
    }
    double se_w = sqrt(pt * (1 - pt) / (double)t.measured + pc * (1 - pc) / (double)c.measured);
    same_double("conversion ci low", r.conversion_diff_ci[0], pt - pc - 1.959963984540054 * se_w, as_of);
    double mt = 0, mc = 0;
    for (size_t k = 0; k < nt; k++)
        mt += rt[k];
    for (size_t k = 0; k < nc; k++)
        mc += rc[k];
    same_double("revenue_diff", r.revenue_diff, mt / (double)nt - mc / (double)nc, as_of);
    if (share > 0) {
        double e_c = share * (double)(t.assigned + c.assigned), e_t = (1 - share) * (double)(t.assigned + c.assigned);
        double chi2 = (c.assigned - e_c) * (c.assigned - e_c) / e_c + (t.assigned - e_t) * (t.assigned - e_t) / e_t;
        /* chi-square with 1 dof: p = erfc(sqrt(chi2 / 2)) */
        if (!(fabs(r.srm_p_value - erfc(sqrt(chi2 / 2))) <= 1e-9))
            fail_msg("srm p %.17g, model %.17g", r.srm_p_value, erfc(sqrt(chi2 / 2)));
    }
}

static void run_history(uint64_t seed)
{
    seed_id = seed;
    rng = seed * 2654435761u + 7;
    patron_db *db = pt_store_new(NULL);
    model *m = calloc(1, sizeof *m);
    assert_non_null(m);
    int64_t t = T0;
    for (int i = 0; i < NM; i++) {
        m->id[i] = member_n(db, i, t);
        m->owner[i] = i;
    }
    double share = (double)(next() % 5) / 10.0; /* 0 .. 0.4 */
    int32_t days = 1 + (int32_t)(next() % 20);
    patron_campaign_def d = PATRON_CAMPAIGN_DEF_INIT;
    d.name = "c1";
    d.control_share = share;
    d.conversion_days = days;
    assert_int_equal(patron_campaign_create(db, &d), PATRON_OK);
    patron_campaign_def other = PATRON_CAMPAIGN_DEF_INIT;
    other.name = "c2";
    assert_int_equal(patron_campaign_create(db, &other), PATRON_OK);
    for (int step = 0; step < 700; step++) {
        t += (int64_t)(next() % (DAY / 2));
        int i = (int)(next() % NM);
        if (!active(m, i))
            continue;
        unsigned what = (unsigned)(next() % 100);
        if (what < 40 && m->np < MAXP) {
            m_purchase *p = &m->p[m->np];
            snprintf(p->key, sizeof p->key, "o%zu", m->np);
            p->member = m->id[i];
            p->at = t;
            unsigned pick = (unsigned)(next() % 8);
            if (pick == 0 && m->np)
                p->at = m->p[m->np - 1].at; /* some share a second */
            else if (pick == 1 && m->na) /* the edges of a window */
                p->at = m->a[next() % m->na].at + (int64_t)(next() % 3 == 0 ? 0 : days * (int64_t)DAY) +
                        (int64_t)(next() % 2);
            p->amount = 100 + (int64_t)(next() % 20000);
            p->returned_at = 0;
            pt_buy(db, p->key, p->member, p->at, "shoes", p->amount);
            m->np++;
        } else if (what < 48 && m->np) {
            m_purchase *p = &m->p[next() % m->np];
            if (!p->returned_at && person_of(m, p->member) >= 0) {
                int64_t at = p->at + (int64_t)(next() % (10 * DAY));
                int rc = patron_earn_return(db, p->key, at);
                if (rc != PATRON_OK)
                    fail_msg("return %s: %s", p->key, patron_errmsg());
                p->returned_at = at;
            }
        } else if (what < 68 && m->na < MAXA) {
            int32_t g = -1;
            int64_t at = 0;
            assert_int_equal(patron_campaign_assign(db, &g, &at, "c1", m->id[i], t), PATRON_OK);
            assert_int_equal(g, hashed("c1", m->id[i], share));
            int found = 0;
            for (size_t k = 0; k < m->na; k++)
                if (m->a[k].member == m->id[i]) {
                    assert_int_equal(at, m->a[k].at);
                    found = 1;
                }
            if (!found)
                m->a[m->na++] = (m_assign){m->id[i], t, g};
        } else if (what < 92 && m->ne < MAXE) {
            m_event *e = &m->e[m->ne];
            e->member = m->id[i];
            e->at = t - (int64_t)(next() % DAY);
            e->kind = PATRON_BEHAVIOUR_SENT + (int32_t)(next() % 3);
            e->mine = next() % 4 != 0;
            char key[24];
            snprintf(key, sizeof key, "e%zu", m->ne);
            patron_behaviour_event be = PATRON_BEHAVIOUR_EVENT_INIT;
            be.key = key;
            be.member_id = e->member;
            be.at = e->at;
            be.kind = e->kind;
            be.campaign = e->mine ? "c1" : "c2";
            assert_int_equal(patron_behaviour_record(db, NULL, &be), PATRON_OK);
            m->ne++;
        } else if (what < 98) {
            int j = (int)(next() % NM);
            if (j != i && active(m, j)) {
                assert_int_equal(patron_profile_merge(db, m->id[i], m->id[j], t, "test", NULL), PATRON_OK);
                for (int k = 0; k < NM; k++)
                    if (m->owner[k] == j)
                        m->owner[k] = i;
            }
        } else {
            assert_int_equal(patron_profile_erase(db, m->id[i], t, "test"), PATRON_OK);
            m->erased[i] = 1;
        }
    }
    int64_t window = (int64_t)days * DAY;
    for (int k = 0; k < 6; k++)
        check_measure(db, m, T0 + (t - T0) * (k + 1) / 6 + (int64_t)(next() % DAY), window, share);
    for (int k = 0; k < 4 && m->na; k++) /* the moment a window ends, and the second before */
        check_measure(db, m, m->a[next() % m->na].at + window - (k & 1), window, share);
    check_measure(db, m, t + window + 1, window, share);
    free(m);
    patron_close(db);
}

static void test_measure_differential(void **state)
{
    (void)state;
    const char *env = getenv("PATRON_CAMPAIGN_SEEDS");
    int seeds = env ? atoi(env) : (pt_backend_is_postgres() ? 2 : 12);
    for (int s = 1; s <= seeds; s++)
        run_history((uint64_t)s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_define),
        cmocka_unit_test(test_assign),
        cmocka_unit_test(test_target),
        cmocka_unit_test(test_measure_differential),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
