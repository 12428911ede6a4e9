/* Weekly KPIs from a transaction log. */
#include <math.h>
#include <patron.h>
#include <stdio.h>

#define DAY 86400
#define MON 1704067200 /* 2024-01-01, a Monday */

int main(void)
{
    patron_txlog *log = NULL;
    int rc = patron_txlog_new(&log, NULL);
    const char *who[] = {"ann", "bob", "ann", "cy", "bob", "ann"};
    const int days[] = {0, 2, 9, 10, 16, 20};
    const int64_t cents[] = {2500, 1200, 3100, 800, 1500, 2700};
    for (int i = 0; i < 6 && !rc; i++)
        rc = patron_txlog_add(log, who[i], MON + (int64_t)days[i] * DAY, cents[i], NULL, NULL);

    patron_week_report *weeks = NULL;
    size_t n = 0;
    if (!rc)
        rc = patron_report_weekly(&weeks, &n, log, NULL);
    for (size_t i = 0; !rc && i < n; i++) {
        char date[32];
        patron_time_format(date, sizeof date, weeks[i].week_start);
        printf("week of %s: %lld new, %lld active, %lld purchases, basket %.2f", date,
               (long long)weeks[i].new_customers, (long long)weeks[i].active_customers,
               (long long)weeks[i].purchases, weeks[i].avg_basket / 100.0);
        if (!isnan(weeks[i].purchases_change))
            printf(" (purchases %+.0f%%)", 100.0 * weeks[i].purchases_change);
        printf("\n");
    }
    if (rc)
        fprintf(stderr, "error: %s\n", patron_errmsg());
    patron_free(weeks);
    patron_txlog_free(log);
    return rc == 0 && n == 3 ? 0 : 1;
}
