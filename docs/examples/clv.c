/* CLV example: fit BG/NBD and Gamma-Gamma to customer summaries (here
 * simulated, in weeks), then predict purchases, P(alive) and a 12-month
 * lifetime value. In an application the arrays come from patron_summarize()
 * (see patron_clv_data_from_frame()). */
#include <math.h>
#include <patron.h>
#include <stdio.h>
#include <stdlib.h>

#define N 3000

/* A tiny deterministic generator, enough for an example. */
static unsigned long long state = 88172645463325252ull;
static double unif(void)
{
    state ^= state << 13;
    state ^= state >> 7;
    state ^= state << 17;
    return ((double)(state >> 11) + 0.5) / 9007199254740992.0;
}
static double gamma1(double k) /* Gamma(k, 1), Marsaglia-Tsang */
{
    if (k < 1)
        return gamma1(k + 1) * pow(unif(), 1 / k);
    double d = k - 1.0 / 3, c = 1 / sqrt(9 * d);
    for (;;) {
        double z = sqrt(-2 * log(unif())) * cos(6.283185307179586 * unif()), v = 1 + c * z;
        if (v > 0 && log(unif()) < 0.5 * z * z + d - d * v * v * v + d * log(v * v * v))
            return d * v * v * v;
    }
}

static double x[N], tx[N], T[N], m[N];

int main(void)
{
    /* BG/NBD customers with CDNOW-like parameters, joined over 12 weeks and
     * observed until week 39; Gamma-Gamma spend */
    for (int i = 0; i < N; i++) {
        double lambda = gamma1(0.25) / 4.0, p = gamma1(0.8), q = gamma1(2.4);
        p = p / (p + q);
        T[i] = 39 - 12 * unif();
        double t = 0, nu = gamma1(3.7) / 15.0, spend = 0;
        x[i] = tx[i] = 0;
        for (;;) {
            t += -log(unif()) / lambda;
            if (t > T[i])
                break;
            x[i]++;
            tx[i] = t;
            spend += gamma1(6.0) / nu;
            if (unif() < p)
                break;
        }
        m[i] = x[i] > 0 ? spend / x[i] : 0;
    }
    patron_clv_data data = {N, x, tx, T, m, NULL};

    patron_clv_fit_result bg = PATRON_CLV_FIT_RESULT_INIT, gg = PATRON_CLV_FIT_RESULT_INIT;
    int rc = patron_clv_fit(&bg, PATRON_CLV_BGNBD, &data, NULL);
    if (rc != PATRON_OK) {
        fprintf(stderr, "BG/NBD: %s: %s\n", patron_strerror(rc), patron_errmsg());
        return 1;
    }
    printf("BG/NBD: LL %.2f after %d iterations\n", bg.log_likelihood, (int)bg.iterations);
    double lo[PATRON_CLV_MAX_PARAMS], hi[PATRON_CLV_MAX_PARAMS];
    if (patron_clv_param_intervals(lo, hi, &bg, 0.95) != PATRON_OK)
        return 1;
    for (int i = 0; i < bg.n_params; i++)
        printf("  %-5s = %.4f (se %.4f, 95%% interval %.4f to %.4f)\n",
               patron_clv_param_name(PATRON_CLV_BGNBD, i), bg.params.p[i], bg.se[i], lo[i], hi[i]);

    rc = patron_clv_fit(&gg, PATRON_CLV_GG, &data, NULL); /* uses the repeat buyers */
    if (rc != PATRON_OK) {
        fprintf(stderr, "Gamma-Gamma: %s: %s\n", patron_strerror(rc), patron_errmsg());
        return 1;
    }
    printf("Gamma-Gamma: p %.3f q %.3f gamma %.3f (%g repeat buyers)\n", gg.params.p[0],
           gg.params.p[1], gg.params.p[2], gg.n_customers);

    static double ce[N], alive[N], clv[N];
    if (patron_clv_predict(ce, alive, &bg.params, &data, 39) != PATRON_OK ||
        patron_clv_lifetime_value(clv, &bg.params, &gg.params, &data, 12, 0.01, 4.345) !=
            PATRON_OK) {
        fprintf(stderr, "prediction: %s\n", patron_errmsg());
        return 1;
    }
    printf("customer  x   t_x     T  E[X(39)]  P(alive)  CLV(12 months)\n");
    for (int i = 0; i < 8; i++)
        printf("%8d %2.0f %5.1f %5.1f %9.3f %9.3f %15.2f\n", i, x[i], tx[i], T[i], ce[i],
               alive[i], clv[i]);

    /* A failure is a status plus a precise message, never a silent number. */
    x[0] = -1;
    rc = patron_clv_fit(&bg, PATRON_CLV_BGNBD, &data, NULL);
    printf("bad row: %s (%s)\n", patron_strerror(rc), patron_errmsg());
    return rc == PATRON_EINVAL ? 0 : 1;
}
