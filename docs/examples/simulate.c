/* Simulate a CDNOW-like customer base (BG/NBD purchases, Gamma-Gamma spend)
 * and read the transaction log and the per-customer truth. */
#include <patron.h>
#include <stdio.h>

int main(void)
{
    patron_sim_options opts = PATRON_SIM_OPTIONS_INIT;
    opts.model = PATRON_SIM_BGNBD;
    opts.r = 0.243; /* Fader, Hardie & Lee (2005), CDNOW, weeks */
    opts.alpha = 4.414;
    opts.a = 0.793;
    opts.b = 2.426;
    opts.spend = PATRON_SIM_SPEND_GAMMA_GAMMA;
    opts.spend_p = 6.25;
    opts.spend_q = 3.74;
    opts.spend_gamma = 15.44;
    opts.customers = 10000;
    opts.period_seconds = 7 * 86400; /* model time in weeks */
    opts.periods = 78;               /* observed for 78 weeks ... */
    opts.cohort_periods = 12;        /* ... after first purchases spread over 12 */
    opts.seed = 2024;
    opts.customer_summary = 1;       /* also return the exact (x, t_x, T) */

    patron_sim *sim = NULL;
    int rc = patron_sim_run(&sim, &opts);
    if (rc != PATRON_OK) {
        fprintf(stderr, "simulation failed: %s: %s\n", patron_strerror(rc), patron_errmsg());
        return 1;
    }
    size_t n = patron_sim_n_transactions(sim);
    const int64_t *customer = patron_sim_tx_customer(sim);
    const int64_t *time = patron_sim_tx_time(sim);
    const int64_t *amount = patron_sim_tx_amount(sim);
    printf("%zu customers, %zu transactions\n", patron_sim_n_customers(sim), n);
    for (size_t i = 0; i < 3; i++)
        printf("  customer %lld at %lld: %lld.%02lld\n", (long long)customer[i],
               (long long)time[i], (long long)(amount[i] / 100), (long long)(amount[i] % 100));

    const double *x = patron_sim_x(sim), *t_x = patron_sim_t_x(sim), *T = patron_sim_T(sim);
    printf("customer 0: x = %g, t_x = %.3f, T = %.3f weeks\n", x[0], t_x[0], T[0]);
    patron_sim_free(sim);

    /* The generator on its own: five Gamma(shape 0.243, rate 4.414) draws. */
    patron_rng rng;
    patron_rng_seed(&rng, 42);
    double lambda[5];
    rc = patron_rng_draw(&rng, PATRON_DIST_GAMMA, 0.243, 4.414, lambda, 5);
    if (rc != PATRON_OK)
        return 1;
    printf("purchase rates: %.4f %.4f %.4f %.4f %.4f\n", lambda[0], lambda[1], lambda[2],
           lambda[3], lambda[4]);

    /* Bad parameters are refused with a precise message. */
    opts.a = -1;
    rc = patron_sim_run(&sim, &opts);
    printf("a = -1: %s (%s)\n", patron_strerror(rc), patron_errmsg());
    return rc == PATRON_EINVAL ? 0 : 1;
}
