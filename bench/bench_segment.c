/* Segment benchmarks: rule evaluation over a 10-million-customer frame and
 * RFM scoring of 10 million customers. Prints figures; not a test.
 *
 *   build/bench/bench_segment [customers [only]]   (default 10000000)
 *
 * `only` runs one case: a rule's index (0-based, in the order printed) or
 * "rfm", e.g. for instruction counts under
 * `valgrind --tool=callgrind --toggle-collect=patron_rule_eval`.
 */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench_util.h"
#include "patron.h"

static uint64_t rng = 0x9E3779B97F4A7C15u;
static double unif(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (double)(rng >> 11) * 0x1.0p-53;
}

/* CPU time of this thread: on a shared machine it tracks the work done
 * better than the wall clock (which also counts time spent descheduled). */
static double cpu_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static double best_cpu;

static double best_of(int reps, const patron_rule *rule, const patron_frame *f,
                      const patron_rule_eval_options *o, size_t *count)
{
    double best = 1e30;
    best_cpu = 1e30;
    for (int i = 0; i < reps; i++) {
        patron_selection *s;
        double c0 = cpu_now();
        double t0 = bench_now();
        if (patron_rule_eval(&s, rule, f, o)) {
            fprintf(stderr, "eval: %s\n", patron_errmsg());
            exit(1);
        }
        double dt = bench_now() - t0;
        double dc = cpu_now() - c0;
        if (dc < best_cpu)
            best_cpu = dc;
        *count = patron_selection_count(s);
        patron_selection_free(s);
        if (dt < best)
            best = dt;
    }
    return best;
}

int main(int argc, char **argv)
{
    size_t n = argc > 1 ? (size_t)strtoull(argv[1], NULL, 10) : 10000000u;
    const char *only = argc > 2 ? argv[2] : NULL;
    const int64_t now = INT64_C(1700000000);
    double *fr = malloc(n * sizeof *fr), *rec = malloc(n * sizeof *rec), *T = malloc(n * sizeof *T),
           *mon = malloc(n * sizeof *mon);
    int64_t *last = malloc(n * sizeof *last), *sms = malloc(n * sizeof *sms);
    if (!fr || !rec || !T || !mon || !last || !sms)
        return 1;
    for (size_t i = 0; i < n; i++) {
        T[i] = floor(unif() * 365);
        fr[i] = floor(-log(1 - unif()) * 3);
        rec[i] = fr[i] > 0 ? floor(unif() * T[i]) : 0;
        mon[i] = fr[i] > 0 ? 5 + unif() * 95 : 0;
        last[i] = now - (int64_t)((T[i] - rec[i]) * 86400);
        sms[i] = unif() < 0.6;
    }
    patron_frame *f;
    if (patron_frame_from_arrays(&f, n, NULL, fr, rec, T, mon) ||
        patron_frame_add_int64(f, "last_purchase", last) || patron_frame_add_int64(f, "consent.sms", sms)) {
        fprintf(stderr, "frame: %s\n", patron_errmsg());
        return 1;
    }
    free(fr), free(rec), free(T), free(mon), free(last), free(sms);

    printf("segment benchmark: %zu customers\n", n);
    struct {
        const char *label, *text;
    } rules[] = {
        {"5 clauses, constants", "frequency >= 2 and monetary_value >= 40 and recency > 30 and T < 300 and consent.sms"},
        {"5 clauses, arithmetic + relative date",
         "frequency >= 2 and monetary_value * frequency >= 100 and last_purchase within 90 days and T - recency < 60 and consent.sms"},
        {"5 clauses, 2 quantiles", "frequency >= p50 and monetary_value >= p75 and recency > 30 and T < 300 and consent.sms"},
        {"1 clause", "monetary_value >= 40"},
        {"2 not between, constant bounds", "frequency not between 1 and 3 and monetary_value not between 20 and 60"},
        {"not between, column bounds", "monetary_value not between recency and T"},
    };
    patron_rule_eval_options o = PATRON_RULE_EVAL_OPTIONS_INIT;
    o.now = now;
    for (size_t k = 0; k < sizeof rules / sizeof rules[0]; k++) {
        if (only && (!strcmp(only, "rfm") || (size_t)strtoull(only, NULL, 10) != k))
            continue;
        patron_rule *r;
        if (patron_rule_compile(&r, rules[k].text, NULL)) {
            fprintf(stderr, "compile: %s\n", patron_errmsg());
            return 1;
        }
        size_t cnt = 0;
        double dt = best_of(5, r, f, &o, &cnt);
        printf("  %-40s wall %7.1f ms %6.0f M/s | cpu %7.1f ms %6.0f M customer-rules/s  (%zu selected)\n",
               rules[k].label, dt * 1e3, (double)n / dt / 1e6, best_cpu * 1e3, (double)n / best_cpu / 1e6, cnt);
        patron_rule_free(r);
    }

    if (only && strcmp(only, "rfm")) {
        patron_frame_free(f);
        return 0;
    }
    uint8_t *R = malloc(n), *F = malloc(n), *M = malloc(n);
    if (!R || !F || !M)
        return 1;
    double best = 1e30, bestc = 1e30;
    for (int i = 0; i < 3; i++) {
        double c0 = cpu_now();
        double t0 = bench_now();
        if (patron_rfm_score(R, F, M, f, NULL)) {
            fprintf(stderr, "rfm: %s\n", patron_errmsg());
            return 1;
        }
        double dt = bench_now() - t0, dc = cpu_now() - c0;
        if (dt < best)
            best = dt;
        if (dc < bestc)
            bestc = dc;
    }
    size_t hist[6] = {0};
    for (size_t i = 0; i < n; i++)
        hist[R[i]]++;
    printf("  %-40s wall %7.1f ms          | cpu %7.1f ms  (recency score counts 1..5: %zu %zu %zu %zu %zu)\n",
           "RFM quintile scores (3 columns)", best * 1e3, bestc * 1e3, hist[1], hist[2], hist[3], hist[4],
           hist[5]);
    free(R), free(F), free(M);
    printf("  peak RSS %.0f MB\n", (double)bench_peak_rss() / 1048576.0);
    patron_frame_free(f);
    return 0;
}
