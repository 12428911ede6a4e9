/* Identity keys: phone numbers to E.164, e-mail addresses to a canonical key. */
#include <stdio.h>
#include <string.h>

#include "internal/error.h"
#include "internal/profile_int.h"
#include "patron/profile.h"

typedef struct country {
    const char *iso;
    const char *cc;    /* country calling code */
    char trunk;        /* national trunk prefix digit, or 0 */
    int nsn_min, nsn_max; /* national significant number length */
} country;

static const country countries[] = {
    {"IL", "972", '0', 8, 9},  {"US", "1", '1', 10, 10}, {"CA", "1", '1', 10, 10},
    {"GB", "44", '0', 9, 10},  {"DE", "49", '0', 6, 11}, {"FR", "33", '0', 9, 9},
    {"ES", "34", 0, 9, 9},     {"IT", "39", 0, 6, 11},   {"NL", "31", '0', 9, 9},
    {"AU", "61", '0', 9, 9},   {"IN", "91", '0', 10, 10},
};
#define N_COUNTRIES (sizeof countries / sizeof countries[0])

static const country *find_country(const char *iso)
{
    if (!iso || strlen(iso) != 2)
        return NULL;
    char up[3] = {(char)(iso[0] & ~0x20), (char)(iso[1] & ~0x20), 0};
    for (size_t i = 0; i < N_COUNTRIES; i++)
        if (!strcmp(countries[i].iso, up))
            return &countries[i];
    return NULL;
}

int patron__country_valid(const char *iso)
{
    return find_country(iso) != NULL;
}

/* Known country by calling-code prefix of an international number. */
static const country *country_by_cc(const char *digits)
{
    for (size_t i = 0; i < N_COUNTRIES; i++) {
        size_t n = strlen(countries[i].cc);
        if (!strncmp(digits, countries[i].cc, n))
            return &countries[i];
    }
    return NULL;
}

int patron_phone_normalize(char *out, size_t cap, const char *phone, const char *country_iso)
{
    if (!out || !phone)
        return patron__fail(PATRON_EINVAL, "phone: NULL argument");
    char d[64];
    size_t n = 0;
    int plus = 0;
    const char *p = phone;
    while (*p == ' ' || *p == '\t')
        p++;
    if (*p == '+') {
        plus = 1;
        p++;
    }
    for (; *p; p++) {
        if (*p >= '0' && *p <= '9') {
            if (n + 1 >= sizeof d)
                return patron__fail(PATRON_EINVAL, "phone '%s': too many digits", phone);
            d[n++] = *p;
        } else if (*p == ' ' || *p == '-' || *p == '.' || *p == '(' || *p == ')' || *p == '\t') {
            continue;
        } else {
            return patron__fail(PATRON_EINVAL, "phone '%s': unexpected character '%c'", phone, *p);
        }
    }
    d[n] = '\0';
    if (n == 0)
        return patron__fail(PATRON_EINVAL, "phone '%s': no digits", phone);
    char e164[80];
    const char *intl = NULL;
    if (plus)
        intl = d;
    else if (n > 2 && d[0] == '0' && d[1] == '0')
        intl = d + 2;
    if (intl) {
        const country *c = country_by_cc(intl);
        if (c) {
            size_t ccn = strlen(c->cc);
            const char *nsn = intl + ccn;
            /* "+972 050..." : a trunk zero written after the country code */
            if (c->trunk == '0' && nsn[0] == '0')
                nsn++;
            if (c->trunk && nsn[0] == c->trunk)
                return patron__fail(PATRON_EINVAL, "phone '%s': %s numbers do not start with %c after +%s",
                                    phone, c->iso, c->trunk, c->cc);
            size_t len = strlen(nsn);
            if ((int)len < c->nsn_min || (int)len > c->nsn_max)
                return patron__fail(PATRON_EINVAL, "phone '%s': %zu digits after +%s; %s numbers have %d..%d",
                                    phone, len, c->cc, c->iso, c->nsn_min, c->nsn_max);
            snprintf(e164, sizeof e164, "+%s%s", c->cc, nsn);
        } else {
            size_t len = strlen(intl);
            if (len < 8 || len > 15 || intl[0] == '0')
                return patron__fail(PATRON_EINVAL, "phone '%s': not an international number (E.164 has 8..15 digits)",
                                    phone);
            snprintf(e164, sizeof e164, "+%s", intl);
        }
    } else {
        const country *c = find_country(country_iso);
        if (!c)
            return patron__fail(PATRON_EINVAL,
                                country_iso ? "phone '%s': unknown default country '%s'"
                                            : "phone '%s': a national number needs a default country%s",
                                phone, country_iso ? country_iso : "");
        const char *nsn = d;
        if (c->trunk && nsn[0] == c->trunk)
            nsn++;
        if (c->trunk && nsn[0] == c->trunk)
            return patron__fail(PATRON_EINVAL, "phone '%s': %s numbers do not start with %c%c",
                                phone, c->iso, c->trunk, c->trunk);
        size_t len = strlen(nsn);
        if ((int)len < c->nsn_min || (int)len > c->nsn_max)
            return patron__fail(PATRON_EINVAL, "phone '%s': %zu significant digits; %s numbers have %d..%d",
                                phone, len, c->iso, c->nsn_min, c->nsn_max);
        snprintf(e164, sizeof e164, "+%s%s", c->cc, nsn);
    }
    if (strlen(e164) + 1 > cap)
        return patron__fail(PATRON_EINVAL, "phone: output buffer too small");
    strcpy(out, e164);
    return PATRON_OK;
}

/* Trimmed, lower-cased address (for sending); 0 on success. */
int patron__email_clean(char *out, size_t cap, const char *email)
{
    const char *s = email, *e;
    while (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r')
        s++;
    e = s + strlen(s);
    while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\n' || e[-1] == '\r'))
        e--;
    size_t n = (size_t)(e - s);
    if (n + 1 > cap)
        return patron__fail(PATRON_EINVAL, "e-mail: output buffer too small");
    const char *at = NULL;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c <= ' ' || c == '"' || c == ',' || c == ';' || c == '<' || c == '>')
            return patron__fail(PATRON_EINVAL, "e-mail '%s': invalid character at position %zu", email, i + 1);
        if (c == '@') {
            if (at)
                return patron__fail(PATRON_EINVAL, "e-mail '%s': more than one '@'", email);
            at = s + i;
        }
        out[i] = (char)(c >= 'A' && c <= 'Z' ? c + 32 : c);
    }
    out[n] = '\0';
    if (!at || at == s || at + 1 == e)
        return patron__fail(PATRON_EINVAL, "e-mail '%s': expected local@domain", email);
    const char *dot = memchr(at + 1, '.', (size_t)(e - at - 1));
    if (!dot || dot == at + 1 || e[-1] == '.')
        return patron__fail(PATRON_EINVAL, "e-mail '%s': domain '%.*s' has no '.'", email, (int)(e - at - 1), at + 1);
    return PATRON_OK;
}

int patron_email_normalize(char *out, size_t cap, const char *email)
{
    if (!out || !email)
        return patron__fail(PATRON_EINVAL, "e-mail: NULL argument");
    char tmp[512];
    if (strlen(email) >= sizeof tmp)
        return patron__fail(PATRON_EINVAL, "e-mail: longer than %zu bytes", sizeof tmp - 1);
    int rc = patron__email_clean(tmp, sizeof tmp, email);
    if (rc)
        return rc;
    char *at = strchr(tmp, '@');
    const char *domain = at + 1;
    char key[512];
    size_t k = 0;
    if (!strcmp(domain, "gmail.com") || !strcmp(domain, "googlemail.com")) {
        for (const char *p = tmp; p < at && *p != '+'; p++)
            if (*p != '.')
                key[k++] = *p;
        if (k == 0)
            return patron__fail(PATRON_EINVAL, "e-mail '%s': empty local part", email);
        memcpy(key + k, "@gmail.com", 11);
        k += 10;
    } else {
        k = strlen(tmp);
        memcpy(key, tmp, k + 1);
    }
    if (k + 1 > cap)
        return patron__fail(PATRON_EINVAL, "e-mail: output buffer too small");
    memcpy(out, key, k + 1);
    return PATRON_OK;
}
