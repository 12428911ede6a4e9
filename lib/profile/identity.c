/* Identity keys: phone numbers to E.164, e-mail addresses to a canonical key. */
#include <stdio.h>
#include <string.h>

#include "internal/error.h"
#include "internal/profile_int.h"
#include "internal/text.h"
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

/* Country calling codes assigned by ITU-T E.164 (Annex to ITU Operational
 * Bulletin, "List of ITU-T Recommendation E.164 assigned country codes"),
 * geographic ones and the international mobile networks a customer's phone
 * can be on (870 Inmarsat, 881 satellite, 882/883 international networks).
 * Freephone (800), shared-cost (808), premium (979), UPT (878) and other
 * service codes are not a person's phone and are refused. */
static const char *const assigned_cc[] = {
    "1", "7", "20", "27", "30", "31", "32", "33", "34", "36", "39", "40", "41", "43", "44", "45", "46", "47", "48",
    "49", "51", "52", "53", "54", "55", "56", "57", "58", "60", "61", "62", "63", "64", "65", "66", "81", "82", "84",
    "86", "90", "91", "92", "93", "94", "95", "98",
    "211", "212", "213", "216", "218", "220", "221", "222", "223", "224", "225", "226", "227", "228", "229",
    "230", "231", "232", "233", "234", "235", "236", "237", "238", "239", "240", "241", "242", "243", "244",
    "245", "246", "247", "248", "249", "250", "251", "252", "253", "254", "255", "256", "257", "258", "260",
    "261", "262", "263", "264", "265", "266", "267", "268", "269", "290", "291", "297", "298", "299",
    "350", "351", "352", "353", "354", "355", "356", "357", "358", "359", "370", "371", "372", "373", "374",
    "375", "376", "377", "378", "379", "380", "381", "382", "383", "385", "386", "387", "389", "420", "421",
    "423", "500", "501", "502", "503", "504", "505", "506", "507", "508", "509", "590", "591", "592", "593",
    "594", "595", "596", "597", "598", "599", "670", "672", "673", "674", "675", "676", "677", "678", "679",
    "680", "681", "682", "683", "685", "686", "687", "688", "689", "690", "691", "692", "850", "852", "853",
    "855", "856", "870", "880", "881", "882", "883", "886", "960", "961", "962", "963", "964", "965", "966",
    "967", "968", "970", "971", "972", "973", "974", "975", "976", "977", "992", "993", "994", "995", "996",
    "998",
};

/* Length of the assigned country code that digits start with, or 0. E.164
 * codes are prefix-free, so at most one entry matches. */
static size_t assigned_cc_len(const char *digits)
{
    for (size_t i = 0; i < sizeof assigned_cc / sizeof assigned_cc[0]; i++) {
        size_t n = strlen(assigned_cc[i]);
        if (!strncmp(digits, assigned_cc[i], n))
            return n;
    }
    return 0;
}

/* North American Numbering Plan: NPA-NXX-XXXX. The area code (NPA) and the
 * exchange (NXX) start with 2..9 and are not N11 service codes; area codes
 * N9X (reserved for expanding the plan), 37X and 96X (reserved) are not in
 * service. nsn is the 10-digit national number. */
static int check_nanp(const char *phone, const char *nsn)
{
    if (nsn[0] < '2')
        return patron__fail(PATRON_EINVAL, "phone '%s': area code %.3s does not exist (NANP area codes start with 2..9)",
                            phone, nsn);
    if (nsn[1] == '1' && nsn[2] == '1')
        return patron__fail(PATRON_EINVAL, "phone '%s': %.3s is a service code, not an area code", phone, nsn);
    if (nsn[1] == '9' || (nsn[0] == '3' && nsn[1] == '7') || (nsn[0] == '9' && nsn[1] == '6'))
        return patron__fail(PATRON_EINVAL, "phone '%s': area code %.3s is reserved, not in service", phone, nsn);
    if (nsn[3] < '2')
        return patron__fail(PATRON_EINVAL, "phone '%s': exchange %.3s does not exist (NANP exchanges start with 2..9)",
                            phone, nsn + 3);
    if (nsn[4] == '1' && nsn[5] == '1')
        return patron__fail(PATRON_EINVAL, "phone '%s': exchange %.3s is a service code", phone, nsn + 3);
    return PATRON_OK;
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
    int rc;
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
            if (!strcmp(c->cc, "1") && (rc = check_nanp(phone, nsn)))
                return rc;
            snprintf(e164, sizeof e164, "+%s%s", c->cc, nsn);
        } else {
            size_t len = strlen(intl);
            if (len < 8 || len > 15 || intl[0] == '0')
                return patron__fail(PATRON_EINVAL, "phone '%s': not an international number (E.164 has 8..15 digits)",
                                    phone);
            size_t ccn = assigned_cc_len(intl);
            if (!ccn)
                return patron__fail(PATRON_EINVAL, "phone '%s': +%.3s is not an assigned country code", phone, intl);
            if (ccn == 1 && intl[0] == '7' && len != 11)
                return patron__fail(PATRON_EINVAL, "phone '%s': %zu digits after +7; numbers there have 10", phone,
                                    len - 1);
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
        if (!strcmp(c->cc, "1") && (rc = check_nanp(phone, nsn)))
            return rc;
        snprintf(e164, sizeof e164, "+%s%s", c->cc, nsn);
    }
    if (strlen(e164) + 1 > cap)
        return patron__fail(PATRON_EINVAL, "phone: output buffer too small");
    strcpy(out, e164);
    return PATRON_OK;
}

/* RFC 5321 dot-atom local part (RFC 6531 allows UTF-8 beyond ASCII): atext
 * characters separated by single dots. Quoted local parts are refused: a
 * customer's address does not need them and mail systems mangle them. */
static int check_local(const char *email, const char *local, size_t n)
{
    static const char atext[] = "!#$%&'*+-/=?^_`{|}~";
    if (n > 64)
        return patron__fail(PATRON_EINVAL, "e-mail '%s': local part of %zu bytes; at most 64", email, n);
    if (local[0] == '.' || local[n - 1] == '.')
        return patron__fail(PATRON_EINVAL, "e-mail '%s': the part before '@' %s with '.'", email,
                            local[0] == '.' ? "begins" : "ends");
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)local[i];
        if (c == '.' && local[i + 1] == '.')
            return patron__fail(PATRON_EINVAL, "e-mail '%s': two dots in a row before '@'", email);
        if (c >= 0x80 || c == '.' || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || strchr(atext, c))
            continue;
        return patron__fail(PATRON_EINVAL, "e-mail '%s': '%c' is not allowed before '@'", email, c);
    }
    return PATRON_OK;
}

/* RFC 1035/5890 host name: labels of 1..63 letters, digits, '-' (or UTF-8 for
 * internationalised names), not beginning or ending with '-', at least two
 * labels, a top-level label that is not all digits (no address literals). */
static int check_domain(const char *email, const char *dom, size_t n)
{
    if (n > 253)
        return patron__fail(PATRON_EINVAL, "e-mail '%s': domain of %zu bytes; at most 253", email, n);
    size_t labels = 0, start = 0;
    int digits_only = 1;
    for (size_t i = 0; i <= n; i++) {
        unsigned char c = i < n ? (unsigned char)dom[i] : '.';
        if (c != '.') {
            if (!(c >= 0x80 || c == '-' || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')))
                return patron__fail(PATRON_EINVAL, "e-mail '%s': '%c' is not allowed in the domain", email, c);
            if (!(c >= '0' && c <= '9'))
                digits_only = 0;
            continue;
        }
        size_t len = i - start;
        if (len == 0)
            return patron__fail(PATRON_EINVAL, "e-mail '%s': domain '%.*s' has an empty label", email, (int)n, dom);
        if (len > 63)
            return patron__fail(PATRON_EINVAL, "e-mail '%s': domain label of %zu bytes; at most 63", email, len);
        if (dom[start] == '-' || dom[i - 1] == '-')
            return patron__fail(PATRON_EINVAL, "e-mail '%s': domain label '%.*s' %s with '-'", email, (int)len,
                                dom + start, dom[start] == '-' ? "begins" : "ends");
        labels++;
        if (i < n)
            digits_only = 1;
        start = i + 1;
    }
    if (labels < 2)
        return patron__fail(PATRON_EINVAL, "e-mail '%s': domain '%.*s' has no '.'", email, (int)n, dom);
    if (digits_only)
        return patron__fail(PATRON_EINVAL, "e-mail '%s': domain '%.*s' ends in a number, not a name", email, (int)n,
                            dom);
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
    if (patron__utf8_invalid_at(out) != (size_t)-1)
        return patron__fail(PATRON_EINVAL, "e-mail '%s': not valid UTF-8", email);
    if (n > 254)
        return patron__fail(PATRON_EINVAL, "e-mail '%s': %zu bytes; an address has at most 254", email, n);
    size_t at_i = (size_t)(at - s);
    int rc = check_local(email, out, at_i);
    if (rc == PATRON_OK)
        rc = check_domain(email, out + at_i + 1, n - at_i - 1);
    return rc;
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
