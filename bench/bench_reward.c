/* Rewards and coupons: coupon validations per second (a read: the code,
 * its campaign and the member's uses), coupon redemptions, gift-card draws
 * and reward redemptions per second (each its own durable transaction:
 * points through the ledger, the redemption row, the stock). One
 * connection. Usage: bench_reward DIR|postgresql:CONNINFO [N]. CPU time is
 * this process's user+sys (a PostgreSQL server's own work is not in it). */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "bench_util.h"
#include "patron.h"

#define T0 INT64_C(1767225600)
#define MEMBERS 1000

static double cpu_now(void)
{
    struct rusage u;
    getrusage(RUSAGE_SELF, &u);
    return (double)u.ru_utime.tv_sec + (double)u.ru_utime.tv_usec * 1e-6 + (double)u.ru_stime.tv_sec +
           (double)u.ru_stime.tv_usec * 1e-6;
}

static void die(int rc, const char *what)
{
    fprintf(stderr, "bench_reward: %s: %s (%d)\n", what, patron_errmsg(), rc);
    exit(1);
}

static void report(const char *what, int64_t n, double cpu, double wall)
{
    printf("%-34s %8" PRId64 " ops  cpu %7.3f s  wall %7.3f s  %9.0f ops/s (cpu)  %9.0f ops/s (wall)\n", what, n,
           cpu, wall, (double)n / cpu, (double)n / wall);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: bench_reward DIR|postgresql:CONNINFO [N]\n");
        return 2;
    }
    int64_t n = argc > 2 ? strtoll(argv[2], NULL, 10) : 20000;
    char uri[1200];
    int pg = !strncmp(argv[1], "postgresql:", 11);
    if (pg)
        snprintf(uri, sizeof uri, "%s", argv[1]);
    else {
        snprintf(uri, sizeof uri, "%s/bench_reward_%d.db", argv[1], (int)getpid());
        unlink(uri);
    }
    patron_db *db = NULL;
    int rc = patron_open(&db, uri, NULL);
    if (rc)
        die(rc, "open");
    /* members with enough points for every reward redemption */
    if ((rc = patron_batch_begin(db)))
        die(rc, "batch");
    for (int64_t m = 0; m < MEMBERS && !rc; m++) {
        patron_profile_fields f = PATRON_PROFILE_FIELDS_INIT;
        char phone[32], key[32];
        snprintf(phone, sizeof phone, "+97250%07" PRId64, m);
        f.name = "M";
        f.phone = phone;
        f.consent = "sms";
        int64_t id = 0;
        rc = patron_profile_add(db, &id, &f, T0);
        patron_posting_request e = PATRON_POSTING_REQUEST_INIT;
        snprintf(key, sizeof key, "seed-%" PRId64, m);
        e.key = key;
        e.member_id = id;
        e.points = 10 * (n / MEMBERS + 1);
        e.at = T0;
        if (!rc)
            rc = patron_ledger_earn(db, NULL, &e);
    }
    if (!rc)
        rc = patron_batch_commit(db);
    if (rc)
        die(rc, "members");
    patron_reward w = PATRON_REWARD_INIT;
    w.code = "coffee";
    w.cost = 10;
    w.stock = n;
    patron_coupon_campaign c = PATRON_COUPON_CAMPAIGN_INIT;
    c.name = "bench";
    c.amount_off = 100;
    c.max_uses = 1;
    c.pattern = "B-########";
    c.count = n;
    c.seed = 1;
    double t0 = bench_now(), c0 = cpu_now();
    if ((rc = patron_reward_set(db, NULL, &w)) || (rc = patron_coupon_create(db, NULL, &c)))
        die(rc, "setup");
    report("generate codes (one call)", n, cpu_now() - c0, bench_now() - t0);
    patron_coupon_campaign g = PATRON_COUPON_CAMPAIGN_INIT;
    g.name = "gift";
    g.kind = PATRON_COUPON_GIFT_CARD;
    g.amount_off = 10 * n;
    g.max_uses = 0;
    const char *card[] = {"GIFT-1"};
    if ((rc = patron_coupon_create(db, NULL, &g)) || (rc = patron_coupon_import(db, NULL, "gift", card, 1)))
        die(rc, "gift");
    patron_coupon_codes *codes = NULL;
    if ((rc = patron_coupon_list(db, &codes, "bench")))
        die(rc, "list");

    patron_coupon_result res = {.size = sizeof res};
    patron_coupon_request q = PATRON_COUPON_REQUEST_INIT;
    q.at = T0 + 10;
    q.basket = 5000;
    t0 = bench_now();
    c0 = cpu_now();
    for (int64_t i = 0; i < n; i++) {
        q.code = patron_coupon_codes_get(codes, (size_t)i)->code;
        q.member_id = 1 + i % MEMBERS;
        if ((rc = patron_coupon_validate(db, &res, &q)) || res.verdict != PATRON_COUPON_VALID)
            die(rc, "validate");
    }
    report("coupon validations", n, cpu_now() - c0, bench_now() - t0);

    char key[64];
    t0 = bench_now();
    c0 = cpu_now();
    for (int64_t i = 0; i < n; i++) {
        snprintf(key, sizeof key, "c-%" PRId64, i);
        q.key = key;
        q.code = patron_coupon_codes_get(codes, (size_t)i)->code;
        q.member_id = 1 + i % MEMBERS;
        if ((rc = patron_coupon_redeem(db, &res, &q)))
            die(rc, "coupon redeem");
    }
    report("coupon redemptions (durable each)", n, cpu_now() - c0, bench_now() - t0);

    q.code = "GIFT-1";
    q.member_id = 0;
    q.amount = 10;
    q.basket = 0;
    t0 = bench_now();
    c0 = cpu_now();
    for (int64_t i = 0; i < n; i++) {
        snprintf(key, sizeof key, "g-%" PRId64, i);
        q.key = key;
        if ((rc = patron_coupon_redeem(db, &res, &q)))
            die(rc, "gift draw");
    }
    report("gift-card draws (durable each)", n, cpu_now() - c0, bench_now() - t0);

    patron_reward_request r = PATRON_REWARD_REQUEST_INIT;
    r.reward = "coffee";
    r.at = T0 + 20;
    patron_redemption out = {.size = sizeof out};
    t0 = bench_now();
    c0 = cpu_now();
    for (int64_t i = 0; i < n; i++) {
        snprintf(key, sizeof key, "r-%" PRId64, i);
        r.key = key;
        r.member_id = 1 + i % MEMBERS;
        if ((rc = patron_reward_redeem(db, &out, &r)))
            die(rc, "reward redeem");
    }
    report("reward redemptions (durable each)", n, cpu_now() - c0, bench_now() - t0);
    patron_reward_info info = {.size = sizeof info};
    if ((rc = patron_reward_get(db, &info, "coffee")) || info.stock != 0 || info.issued != n)
        die(rc, "check");
    patron_coupon_codes_free(codes);
    patron_close(db);
    if (!pg) {
        char side[1300];
        unlink(uri);
        snprintf(side, sizeof side, "%s-wal", uri);
        unlink(side);
        snprintf(side, sizeof side, "%s-shm", uri);
        unlink(side);
    }
    return 0;
}
