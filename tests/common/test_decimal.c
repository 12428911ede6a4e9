/* Decimal text to double (lib/util/decimal.c) against the C library's strtod
 * in the "C" locale (the tests never call setlocale), which glibc rounds
 * correctly: fixed hard cases (halfway points, 17-digit round trips, the
 * ends of the range, subnormals, very long digit strings), then seeded
 * random literals of every shape. */
#include <float.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "internal/decimal.h"

static void check_text(const char *t)
{
    double want = strtod(t, NULL);
    double got = patron__decimal_to_double(t, strlen(t));
    if (memcmp(&want, &got, sizeof want) != 0) {
        print_error("'%s': got %.17g, strtod gives %.17g\n", t, got, want);
        fail();
    }
}

static void test_hard_cases(void **state)
{
    (void)state;
    static const char *const cases[] = {
        "0", "0.0", "000", "1", "12", "0.5", "1e3", "9.866295413738777", "33.333333333333336",
        "33.33333333333333", "1e308", "1e100", "1e200", "1e300", "1.7976931348623157e308",
        "1.7976931348623158e308", "1.7976931348623159e308", "2.2250738585072014e-308",
        "2.2250738585072011e-308", "4.9406564584124654e-324", "2.4703282292062327e-324",
        "2.4703282292062328e-324", "2.4703282292062e-324", "1e-324", "1e-400", "5e-324",
        "9007199254740993", "9007199254740992.5", "9007199254740993.0000000000000000001",
        "1.0000000000000002", "1.00000000000000011102230246251565404236316680908203125",
        "1.00000000000000011102230246251565404236316680908203124",
        "1.00000000000000011102230246251565404236316680908203126",
        "0.1", "0.3", "123456789012345678901234567890", "1e23", "8.98846567431158e307",
        "0.000000000000000000000000000000000000000000001", "7.2057594037927933e16",
        "4.35679719238e-310", "1.5e-323", "2.5e-323", "3.5e-323", "179769313486231580793728971405301e276",
        "1e22", "1e-22", "1234567890123456789e-30", "0.0000000000000000000000000000000000000000000000001e50",
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        check_text(cases[i]);
    /* halfway between 1 and its successor, followed by 900 zeros and a 1
     * (past the 800 digits kept: the sticky digit decides) */
    char buf[1200];
    int n = snprintf(buf, sizeof buf, "1.00000000000000011102230246251565404236316680908203125");
    memset(buf + n, '0', 900);
    buf[n + 900] = '1';
    buf[n + 901] = '\0';
    check_text(buf);
    buf[n + 900] = '0';
    check_text(buf);
    /* 1000 nines */
    memset(buf, '9', 1000);
    buf[1000] = '\0';
    check_text(buf);
    snprintf(buf + 1000, 20, "e-700");
    check_text(buf);
}

/* xorshift64*: reproducible across platforms */
static uint64_t rng = 0x9e3779b97f4a7c15u;
static uint64_t next(void)
{
    rng ^= rng >> 12;
    rng ^= rng << 25;
    rng ^= rng >> 27;
    return rng * 2685821657736338717u;
}

static void random_cases(long count)
{
    char t[128];
    for (long c = 0; c < count; c++) {
        uint64_t r = next();
        switch (r % 4) {
        case 0: { /* a random double printed with 15..17 digits */
            double d;
            uint64_t u = next() & ~(UINT64_C(1) << 63);
            memcpy(&d, &u, sizeof d);
            if (!isfinite(d))
                continue;
            snprintf(t, sizeof t, "%.*e", 14 + (int)(r >> 8) % 3, d);
            break;
        }
        case 1: { /* near a midpoint: 17 to 25 digits of a value between two doubles */
            double d;
            uint64_t u = next() & ~(UINT64_C(1) << 63);
            memcpy(&d, &u, sizeof d);
            if (!isfinite(d) || d == DBL_MAX)
                continue;
            double e = nextafter(d, HUGE_VAL);
            snprintf(t, sizeof t, "%.*e", 16 + (int)(r >> 8) % 9, d / 2 + e / 2);
            break;
        }
        case 2: { /* plain decimals people write */
            int len = snprintf(t, sizeof t, "%llu", (unsigned long long)(next() >> (r >> 8) % 64));
            if ((r >> 16) & 1) {
                int dot = 1 + (int)((r >> 20) % (unsigned)len);
                memmove(t + dot + 1, t + dot, (size_t)(len - dot + 1));
                t[dot] = '.';
                if (dot == len)
                    t[len + 1] = '0', t[len + 2] = '\0';
            }
            break;
        }
        default: { /* digits and an exponent anywhere in the range */
            int len = snprintf(t, sizeof t, "%llu", (unsigned long long)(next() >> (r >> 8) % 40));
            snprintf(t + len, sizeof t - (size_t)len, "e%d", (int)((r >> 16) % 700) - 350);
            break;
        }
        }
        check_text(t);
    }
}

static void test_random_literals(void **state)
{
    (void)state;
    const char *slow = getenv("PATRON_SLOW_TESTS"), *vg = getenv("PATRON_UNDER_VALGRIND");
    random_cases(slow && *slow == '1' ? 2000000 : vg && *vg == '1' ? 10000 : 100000);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hard_cases),
        cmocka_unit_test(test_random_literals),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
