/* Program projection for a large membership: N members (default 1,000,000)
 * simulated at CDNOW's BG/NBD and Gamma-Gamma estimates with the rates per
 * day, two years observed, summaries in whole days as the store keeps them;
 * BG/NBD and Gamma-Gamma fitted; then patron_plan_project() for 5 years with
 * D draws (default 100) and 1,000 new members a month. Prints the distinct
 * histories, the fit time and the projection's wall and CPU time.
 * usage: bench_plan [N] [DRAWS] [YEARS] */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "bench_util.h"
#include "patron.h"

static double cpu_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

int main(int argc, char **argv)
{
    size_t n = argc > 1 ? (size_t)strtoull(argv[1], NULL, 10) : 1000000;
    int draws = argc > 2 ? atoi(argv[2]) : 100;
    int years = argc > 3 ? atoi(argv[3]) : 5;
    patron_sim_options so;
    patron_sim_options_init(&so);
    so.r = 0.243, so.alpha = 4.414 * 7, so.a = 0.793, so.b = 2.426; /* CDNOW's weekly rate per day */
    so.spend = PATRON_SIM_SPEND_GAMMA_GAMMA;
    so.spend_p = 6.25, so.spend_q = 3.74, so.spend_gamma = 1544;
    so.customers = n, so.periods = 730, so.cohort_periods = 365, so.seed = 2026;
    so.customer_summary = 1;
    patron_sim *sim;
    if (patron_sim_run(&sim, &so)) {
        fprintf(stderr, "sim: %s\n", patron_errmsg());
        return 1;
    }
    double *x = malloc(n * sizeof *x), *tx = malloc(n * sizeof *tx), *T = malloc(n * sizeof *T);
    const double *sx = patron_sim_x(sim), *stx = patron_sim_t_x(sim), *sT = patron_sim_T(sim);
    for (size_t i = 0; i < n; i++) { /* whole days, as a store's summary */
        x[i] = sx[i];
        T[i] = floor(sT[i]);
        tx[i] = sx[i] > 0 ? fmin(floor(stx[i]), T[i]) : 0;
        if (T[i] == 0)
            x[i] = tx[i] = 0;
    }
    patron_clv_data d = { n, x, tx, T, patron_sim_monetary(sim), NULL };
    double t0 = bench_now();
    patron_clv_fit_result bg = PATRON_CLV_FIT_RESULT_INIT, gg = PATRON_CLV_FIT_RESULT_INIT;
    size_t nf = 0;
    for (size_t i = 0; i < n; i++)
        nf += T[i] > 0;
    /* the fits take the rows with T > 0 (sorted last-first is not needed: T = 0 rows are rare) */
    double *fx = malloc(nf * sizeof *fx), *ftx = malloc(nf * sizeof *ftx), *fT = malloc(nf * sizeof *fT),
           *fm = malloc(nf * sizeof *fm);
    for (size_t i = 0, j = 0; i < n; i++)
        if (T[i] > 0) {
            fx[j] = x[i], ftx[j] = tx[i], fT[j] = T[i], fm[j] = d.monetary[i];
            j++;
        }
    patron_clv_data fd = { nf, fx, ftx, fT, fm, NULL };
    if (patron_clv_fit(&bg, PATRON_CLV_BGNBD, &fd, NULL) || patron_clv_fit(&gg, PATRON_CLV_GG, &fd, NULL)) {
        fprintf(stderr, "fit: %s\n", patron_errmsg());
        return 1;
    }
    double t_fit = bench_now() - t0;
    int64_t *acq = malloc((size_t)years * 12 * sizeof *acq);
    for (int m = 0; m < years * 12; m++)
        acq[m] = 1000;
    patron_plan_options o = PATRON_PLAN_OPTIONS_INIT;
    o.years = years, o.draws = draws, o.expiry_months = 24;
    patron_plan *plan;
    double c0 = cpu_now();
    t0 = bench_now();
    if (patron_plan_project(&plan, &bg, &gg, &d, acq, (size_t)years * 12, &o)) {
        fprintf(stderr, "plan: %s\n", patron_errmsg());
        return 1;
    }
    double wall = bench_now() - t0, cpu = cpu_now() - c0;
    printf("members %zu (fitted %zu, distinct histories n_distinct %lld), fit %.2f s wall\n", n, nf,
           (long long)bg.n_distinct, t_fit);
    printf("projection: %d years x %d draws (%lld redraws): %.2f s wall, %.2f s CPU\n", years, draws,
           (long long)patron_plan_redraws(plan), wall, cpu);
    printf("year 5 revenue p10 %.0f p50 %.0f p90 %.0f (minor units); active p50 %.0f\n",
           patron_plan_value(plan, years, PATRON_PLAN_REVENUE, PATRON_PLAN_P10),
           patron_plan_value(plan, years, PATRON_PLAN_REVENUE, PATRON_PLAN_P50),
           patron_plan_value(plan, years, PATRON_PLAN_REVENUE, PATRON_PLAN_P90),
           patron_plan_value(plan, years, PATRON_PLAN_ACTIVE, PATRON_PLAN_P50));
    patron_plan_free(plan);
    patron_sim_free(sim);
    free(x), free(tx), free(T), free(fx), free(ftx), free(fT), free(fm), free(acq);
    return 0;
}
