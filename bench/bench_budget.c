/* Budgeted posting cost: patron_earn_purchase of purchases scored by a base
 * rule and a campaign, with the campaign unbudgeted or carrying every kind
 * of limit at once (a total budget that never binds, a daily per-member
 * limit, a weekly per-store limit and a monthly recurring limit: each award
 * reads and updates four counters and records four takes).
 *
 * Usage: bench_budget URI [PURCHASES]
 *   URI        a SQLite file path (made fresh) or "postgresql:..." naming an
 *              empty schema (e.g. options='-c search_path=bench_budget')
 *   PURCHASES  per variant (default 20000)
 * The two variants alternate in blocks of 500 purchases (the store grows
 * under both alike); each purchase is its own durable transaction.
 * Prints per variant: purchases/s (wall), microseconds of this process's
 * CPU (user+sys) per purchase — on PostgreSQL the server's CPU is not in
 * it — and the ratio budgeted/unbudgeted. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "bench_util.h"
#include "patron.h"

#define T0 INT64_C(1767225600) /* 2026-01-01 */
#define T1 (T0 + INT64_C(400) * 86400)
#define MEMBERS 200
#define BLOCK 500

static double cpu_now(void)
{
    struct rusage u;
    getrusage(RUSAGE_SELF, &u);
    return (double)u.ru_utime.tv_sec + u.ru_utime.tv_usec / 1e6 + (double)u.ru_stime.tv_sec +
           u.ru_stime.tv_usec / 1e6;
}

static void die(const char *what)
{
    fprintf(stderr, "bench_budget: %s: %s\n", what, patron_errmsg());
    exit(1);
}

static void rule(patron_db *db, const char *name, int kind, int64_t from, int64_t to)
{
    patron_earn_rule r = PATRON_EARN_RULE_INIT;
    r.name = name;
    r.kind = kind;
    r.valid_from = from;
    r.valid_to = to;
    r.points = kind == PATRON_EARN_BASE ? 1 : 10;
    r.per_amount = kind == PATRON_EARN_BASE ? 100 : 0;
    r.percent = kind == PATRON_EARN_CAMPAIGN ? 50 : 0;
    if (patron_earn_rule_add(db, NULL, &r))
        die("rule");
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: bench_budget URI [PURCHASES]\n");
        return 2;
    }
    long n = argc > 2 ? atol(argv[2]) : 20000;
    const char *uri = argv[1];
    if (strncmp(uri, "postgresql:", 11))
        remove(uri);
    patron_db *db;
    if (patron_open(&db, uri, NULL))
        die("open");
    patron_profile_set_country(db, "IL");
    for (int i = 0; i < MEMBERS; i++) {
        char phone[32];
        snprintf(phone, sizeof phone, "050-%07d", 1000000 + i);
        patron_profile_fields f = PATRON_PROFILE_FIELDS_INIT;
        f.name = "M";
        f.phone = phone;
        f.consent = "sms";
        int64_t id;
        if (patron_profile_add(db, &id, &f, T0 - 86400))
            die("member");
    }
    rule(db, "base", PATRON_EARN_BASE, 0, 0);
    rule(db, "plain", PATRON_EARN_CAMPAIGN, T0, T1);
    rule(db, "budgeted", PATRON_EARN_CAMPAIGN, T1, 0);
    patron_earn_budget b = PATRON_EARN_BUDGET_INIT;
    b.points = INT64_C(1000000000000);
    b.period = PATRON_EARN_WINDOW_MONTH;
    b.period_points = INT64_C(1000000000000);
    b.member_window = PATRON_EARN_WINDOW_DAY;
    b.member_points = 1000000;
    b.store_window = PATRON_EARN_WINDOW_WEEK;
    b.store_points = INT64_C(1000000000);
    if (patron_earn_budget_set(db, "budgeted", &b))
        die("budget");
    static const char *const stores[] = {"tlv-1", "tlv-2", "hfa-1", "jlm-1", "web"};
    double wall[2] = {0, 0}, cpu[2] = {0, 0};
    int64_t points[2] = {0, 0};
    long done[2] = {0, 0};
    for (long start = 0; start < 2 * n; start += BLOCK) {
        int v = (int)((start / BLOCK) % 2); /* 0 unbudgeted, 1 budgeted */
        double w0 = bench_now(), c0 = cpu_now();
        for (long i = 0; i < BLOCK && done[v] < n; i++) {
            long k = done[v]++;
            char key[48];
            snprintf(key, sizeof key, "%c%ld", v ? 'b' : 'u', k);
            patron_purchase_line line = {"shoes", NULL, 1000 + k % 9000};
            patron_purchase p = PATRON_PURCHASE_INIT;
            p.key = key;
            p.member_id = 1 + k % MEMBERS;
            p.at = (v ? T1 : T0) + k * 60; /* a purchase a minute: windows roll over */
            p.lines = &line;
            p.n_lines = 1;
            p.location = stores[k % 5];
            patron_earn_result res;
            if (patron_earn_purchase(db, &res, &p))
                die("purchase");
            points[v] += res.points;
        }
        wall[v] += bench_now() - w0;
        cpu[v] += cpu_now() - c0;
    }
    patron_earn_budget_usage u = PATRON_EARN_BUDGET_USAGE_INIT;
    if (patron_earn_budget_get(db, NULL, &u, "budgeted", T1, 0, NULL))
        die("budget_get");
    printf("bench_budget: %s, %ld purchases per variant, %d members, base + campaign rule\n",
           strncmp(uri, "postgresql:", 11) ? "sqlite" : "postgresql", n, MEMBERS);
    static const char *const names[] = {"unbudgeted campaign", "budgeted campaign (4 limits)"};
    for (int v = 0; v < 2; v++)
        printf("  %-30s %9.0f purchases/s wall (%.2f s), %7.1f us CPU/purchase (client), %" PRId64 " points\n",
               names[v], done[v] / wall[v], wall[v], 1e6 * cpu[v] / done[v], points[v]);
    printf("  budgeted/unbudgeted: wall %.2f, client CPU %.2f; budget used %" PRId64 " points in %" PRId64 " awards\n",
           wall[1] / wall[0], cpu[1] / cpu[0], u.points_used, u.awards_used);
    patron_close(db);
    return 0;
}
