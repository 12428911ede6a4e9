/* Member profiles on the store. */
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "notify.h"
#include "internal/alloc.h"
#include "internal/civil.h"
#include "internal/error.h"
#include "internal/ledger.h"
#include "internal/member.h"
#include "internal/options.h"
#include "internal/profile.h"
#include "internal/profile_int.h"
#include "internal/sbuf.h"
#include "internal/store.h"
#include "internal/text.h"
#include "internal/tier.h"
#include "patron/profile.h"

#define FIELD_CAP 512
#define DEFAULT_PRIORITY "email,phone,birth_date,city,categories"

static const char *const builtin_fields[] = {"name", "phone", "email", "city", "birth_date",
                                             "gender", "categories", "joined_at", "tier"};
#define N_BUILTIN (sizeof builtin_fields / sizeof builtin_fields[0])

static int is_builtin(const char *f)
{
    for (size_t i = 0; i < N_BUILTIN; i++)
        if (!strcmp(builtin_fields[i], f))
            return 1;
    return 0;
}

/* Trim and collapse whitespace; "" stays "". */
static int clean_text(char *out, const char *in, const char *field)
{
    size_t n = 0;
    int space = 0;
    for (const char *p = in; *p; p++) {
        unsigned char c = (unsigned char)*p;
        if (c < 0x20 && c != '\t' && c != '\n' && c != '\r')
            return patron__fail(PATRON_EINVAL, "%s: control character in '%s'", field, in);
        if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
            space = n > 0;
            continue;
        }
        if (n + 3 >= FIELD_CAP)
            return patron__fail(PATRON_EINVAL, "%s: longer than %d bytes", field, FIELD_CAP - 2);
        if (space)
            out[n++] = ' ';
        space = 0;
        out[n++] = (char)c;
    }
    out[n] = '\0';
    return PATRON_OK;
}

static void ascii_lower(char *s)
{
    for (; *s; s++)
        if (*s >= 'A' && *s <= 'Z')
            *s = (char)(*s + 32);
}

/* Replace `val` (in place, cap FIELD_CAP) by its alias target if any. */
static int apply_alias(patron_db *db, const char *field, char *val)
{
    static const char sql[] = "SELECT canonical FROM aliases WHERE field = ? AND alias = ?";
    char key[FIELD_CAP];
    strcpy(key, val);
    ascii_lower(key);
    patron__stmt *st;
    int rc = patron__sql_bind(db, &st, sql, "tt", field, key);
    if (rc)
        return rc;
    rc = patron__sql_step(db, st);
    if (rc == PATRON__ROW) {
        const char *c = patron__sql_col_text(db, st, 0);
        snprintf(val, FIELD_CAP, "%s", c ? c : "");
    }
    patron__sql_done(db, st);
    return rc < 0 ? rc : PATRON_OK;
}

static int norm_categories(patron_db *db, char *out, const char *in)
{
    int64_t nvocab = 0;
    int rc = patron__sql_int(db, &nvocab, 0, "SELECT count(*) FROM vocab WHERE field = 'categories'", "");
    if (rc)
        return rc;
    size_t n = 0;
    out[0] = '\0';
    const char *p = in;
    while (*p) {
        const char *comma = strchr(p, ',');
        size_t len = comma ? (size_t)(comma - p) : strlen(p);
        char item[FIELD_CAP], c[FIELD_CAP];
        if (len >= FIELD_CAP)
            return patron__fail(PATRON_EINVAL, "categories: item too long");
        memcpy(item, p, len);
        item[len] = '\0';
        rc = clean_text(c, item, "categories");
        if (rc)
            return rc;
        ascii_lower(c);
        if (c[0]) {
            rc = apply_alias(db, "categories", c);
            if (rc)
                return rc;
            if (strchr(c, ','))
                return patron__fail(PATRON_EINVAL, "categories: alias target '%s' contains ','", c);
            if (nvocab) {
                int64_t found = 0;
                rc = patron__sql_int(db, &found, 0,
                                     "SELECT count(*) FROM vocab WHERE field = 'categories' AND value = ?", "t", c);
                if (rc)
                    return rc;
                if (!found)
                    return patron__fail(PATRON_EINVAL, "categories: '%s' is not in the category vocabulary", c);
            }
            /* dedupe */
            int dup = 0;
            size_t cl = strlen(c);
            for (const char *q = out; *q;) {
                const char *e = strchr(q, ',');
                size_t ql = e ? (size_t)(e - q) : strlen(q);
                if (ql == cl && !memcmp(q, c, cl))
                    dup = 1;
                q += ql + (e ? 1 : 0);
            }
            if (!dup) {
                if (n + cl + 2 >= FIELD_CAP)
                    return patron__fail(PATRON_EINVAL, "categories: list too long");
                if (n)
                    out[n++] = ',';
                memcpy(out + n, c, cl + 1);
                n += cl;
            }
        }
        p += len + (comma ? 1 : 0);
    }
    return PATRON_OK;
}

typedef struct norm_fields {
    int has[8];
    char v[8][FIELD_CAP]; /* name phone email city birth_date gender categories email_key */
} norm_fields;

enum { F_NAME, F_PHONE, F_EMAIL, F_CITY, F_BIRTH, F_GENDER, F_CATS, F_EMAILKEY };
static const char *const col_names[] = {"name", "phone", "email", "city", "birth_date", "gender", "categories"};

static int get_country(patron_db *db, char *out)
{
    char *c = NULL;
    int rc = patron__setting_get(db, "phone_country", &c);
    if (rc)
        return rc;
    snprintf(out, 8, "%s", c ? c : "");
    patron__free(c);
    return PATRON_OK;
}

static int normalise(patron_db *db, norm_fields *nf, const patron_profile_fields *f, int64_t at)
{
    memset(nf->has, 0, sizeof nf->has);
    int rc;
    const char *in[7] = {f->name, f->phone, f->email, f->city, f->birth_date, f->gender, f->categories};
    for (int i = 0; i < 7; i++) {
        if (!in[i])
            continue;
        nf->has[i] = 1;
        if (strlen(in[i]) >= FIELD_CAP)
            return patron__fail(PATRON_EINVAL, "%s: longer than %d bytes", col_names[i], FIELD_CAP - 1);
        size_t bad = patron__utf8_invalid_at(in[i]);
        if (bad != (size_t)-1) {
            char q[128];
            return patron__fail(PATRON_EINVAL, "%s: %s is not valid UTF-8 (byte %zu)", col_names[i],
                                patron__text_quote(q, sizeof q, in[i]), bad + 1);
        }
        if (i == F_CATS) {
            rc = norm_categories(db, nf->v[i], in[i]);
        } else {
            rc = clean_text(nf->v[i], in[i], col_names[i]);
        }
        if (rc)
            return rc;
        if (nf->v[i][0] == '\0')
            continue;
        switch (i) {
        case F_PHONE: {
            char country[8];
            rc = get_country(db, country);
            if (rc)
                return rc;
            char e164[32];
            rc = patron_phone_normalize(e164, sizeof e164, nf->v[i], country[0] ? country : NULL);
            if (rc)
                return rc;
            strcpy(nf->v[i], e164);
            break;
        }
        case F_EMAIL: {
            char clean[FIELD_CAP];
            rc = patron__email_clean(clean, sizeof clean, nf->v[i]);
            if (rc == PATRON_OK)
                rc = patron_email_normalize(nf->v[F_EMAILKEY], FIELD_CAP, clean);
            if (rc)
                return rc;
            strcpy(nf->v[i], clean);
            nf->has[F_EMAILKEY] = 1;
            break;
        }
        case F_BIRTH: {
            int64_t days;
            if (patron__parse_date(nf->v[i], &days))
                return patron__fail(PATRON_EINVAL, "birth_date: '%s' is not a date YYYY-MM-DD", nf->v[i]);
            if (days * 86400 > at)
                return patron__fail(PATRON_EINVAL, "birth_date: '%s' is in the future", nf->v[i]);
            break;
        }
        case F_CITY:
        case F_GENDER:
            rc = apply_alias(db, i == F_CITY ? "city" : "gender", nf->v[i]);
            if (rc)
                return rc;
            break;
        default:
            break;
        }
    }
    return PATRON_OK;
}

static int identifier_owner(patron_db *db, int64_t *owner, const char *kind, const char *value)
{
    int rc = patron__sql_int(db, owner, 0, "SELECT member_id FROM identifiers WHERE kind = ? AND value = ?",
                             "tt", kind, value);
    if (rc == PATRON_ENOTFOUND) {
        *owner = 0;
        return PATRON_OK;
    }
    return rc;
}

static int check_channel(const char *ch)
{
    size_t n = strlen(ch);
    if (n == 0 || n > 32)
        return patron__fail(PATRON_EINVAL, "consent channel '%s': 1..32 characters", ch);
    for (const char *p = ch; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '_'))
            return patron__fail(PATRON_EINVAL, "consent channel '%s': use lower-case letters, digits, '_'", ch);
    return PATRON_OK;
}

static int insert_consent(patron_db *db, int64_t id, const char *ch, int granted, int64_t at, const char *src)
{
    return patron__sql_run(db, "INSERT INTO consents(member_id, channel, granted, at, source) VALUES(?,?,?,?,?)",
                           "itiit", id, ch, (int64_t)(granted != 0), at, src);
}

static int add_impl(patron_db *db, int64_t *member_id, const patron_profile_fields *f, int64_t at)
{
    norm_fields *nf = patron__malloc(sizeof *nf);
    if (!nf)
        return patron__oom();
    int rc = normalise(db, nf, f, at);
    if (rc)
        goto out;
    if (!nf->has[F_NAME] || !nf->v[F_NAME][0]) {
        rc = patron__fail(PATRON_EINVAL, "name is required");
        goto out;
    }
    int has_phone = nf->has[F_PHONE] && nf->v[F_PHONE][0], has_email = nf->has[F_EMAIL] && nf->v[F_EMAIL][0];
    if (!has_phone && !has_email) {
        rc = patron__fail(PATRON_EINVAL, "a contact is required: phone or email");
        goto out;
    }
    if (!f->consent) {
        rc = patron__fail(PATRON_EINVAL, "consent is required: channels granted (e.g. \"sms,email\") or \"none\"");
        goto out;
    }
    int64_t owner;
    if (has_phone) {
        if ((rc = identifier_owner(db, &owner, "phone", nf->v[F_PHONE])))
            goto out;
        if (owner) {
            rc = patron__fail(PATRON_ECONFLICT, "phone %s already belongs to member %" PRId64, nf->v[F_PHONE], owner);
            goto out;
        }
    }
    if (has_email) {
        if ((rc = identifier_owner(db, &owner, "email", nf->v[F_EMAILKEY])))
            goto out;
        if (owner) {
            rc = patron__fail(PATRON_ECONFLICT, "email %s already belongs to member %" PRId64, nf->v[F_EMAIL], owner);
            goto out;
        }
    }
    int64_t joined = f->joined_at ? f->joined_at : at;
#define OPT(i) (nf->has[i] && nf->v[i][0] ? nf->v[i] : NULL)
    int64_t id;
    if ((rc = patron__member_create(db, &id, joined, at)))
        goto out;
    rc = patron__sql_run(db,
                         "INSERT INTO profiles(member_id, name, phone, email, city, birth_date, gender, categories)"
                         " VALUES(?,?,?,?,?,?,?,?)",
                         "ittttttt", id, OPT(F_NAME), OPT(F_PHONE), OPT(F_EMAIL), OPT(F_CITY), OPT(F_BIRTH),
                         OPT(F_GENDER), OPT(F_CATS));
    if (rc)
        goto out;
    if ((rc = patron__ledger_account_create(db, id)))
        goto out;
    if (has_phone && (rc = patron__sql_run(db, "INSERT INTO identifiers(kind, value, member_id) VALUES('phone',?,?)",
                                           "ti", nf->v[F_PHONE], id)))
        goto out;
    if (has_email && (rc = patron__sql_run(db, "INSERT INTO identifiers(kind, value, member_id) VALUES('email',?,?)",
                                           "ti", nf->v[F_EMAILKEY], id)))
        goto out;
    const char *src = f->consent_source ? f->consent_source : "form";
    if (!src[0]) {
        rc = patron__fail(PATRON_EINVAL, "consent_source is empty");
        goto out;
    }
    char list[FIELD_CAP];
    if ((rc = clean_text(list, f->consent, "consent")))
        goto out;
    ascii_lower(list);
    if (!strcmp(list, "none")) {
        rc = insert_consent(db, id, "all", 0, at, src);
    } else {
        int n = 0;
        for (char *tok = list; tok && *tok;) {
            char *comma = strchr(tok, ',');
            if (comma)
                *comma = '\0';
            char ch[FIELD_CAP];
            if ((rc = clean_text(ch, tok, "consent")))
                goto out;
            if ((rc = check_channel(ch)) || (rc = insert_consent(db, id, ch, 1, at, src)))
                goto out;
            n++;
            tok = comma ? comma + 1 : NULL;
        }
        if (n == 0)
            rc = patron__fail(PATRON_EINVAL, "consent: empty list; give channels granted or \"none\"");
    }
    if (rc == PATRON_OK) /* the outbox hook */
        rc = patron__profile_notify_enrolled(db, id, joined, at);
    if (rc == PATRON_OK)
        *member_id = id;
out:
    patron__free(nf);
    return rc;
}

int patron_profile_add(patron_db *db, int64_t *member_id, const patron_profile_fields *fields, int64_t at)
{
    int rc = patron__db_check(db, "patron_profile_add");
    if (rc == PATRON_OK)
        rc = patron__time_check("patron_profile_add", "at", at);
    if (rc)
        return rc;
    if (!member_id || !fields)
        return patron__fail(PATRON_EINVAL, "patron_profile_add: NULL argument");
    patron_profile_fields f = PATRON_PROFILE_FIELDS_INIT;
    if ((rc = patron__options_copy(&f, sizeof f, fields, sizeof f, "patron_profile_fields")))
        return rc;
    if ((rc = patron__tx_begin(db)))
        return rc;
    int64_t id = 0;
    rc = add_impl(db, &id, &f, at);
    rc = patron__tx_end(db, rc);
    if (rc == PATRON_OK)
        *member_id = id;
    return rc;
}

static int update_impl(patron_db *db, int64_t id, const patron_profile_fields *f, int64_t at)
{
    norm_fields *nf = patron__malloc(sizeof *nf);
    if (!nf)
        return patron__oom();
    int rc = normalise(db, nf, f, at);
    if (rc)
        goto out;
    if (nf->has[F_NAME] && !nf->v[F_NAME][0]) {
        rc = patron__fail(PATRON_EINVAL, "name cannot be cleared");
        goto out;
    }
    for (int i = 0; i < 7; i++) {
        if (!nf->has[i])
            continue;
        if (i == F_PHONE || i == F_EMAIL) {
            const char *kind = i == F_PHONE ? "phone" : "email";
            const char *key = i == F_PHONE ? nf->v[F_PHONE] : nf->v[F_EMAILKEY];
            if (nf->v[i][0]) {
                int64_t owner;
                if ((rc = identifier_owner(db, &owner, kind, key)))
                    goto out;
                if (owner && owner != id) {
                    rc = patron__fail(PATRON_ECONFLICT, "%s %s already belongs to member %" PRId64, kind, nf->v[i], owner);
                    goto out;
                }
            }
            if ((rc = patron__sql_run(db, "DELETE FROM identifiers WHERE member_id = ? AND kind = ?", "it", id, kind)))
                goto out;
            if (nf->v[i][0] && (rc = patron__sql_run(db, "INSERT INTO identifiers(kind, value, member_id) VALUES(?,?,?)",
                                                     "tti", kind, key, id)))
                goto out;
        }
        static const char *const upd[] = {
            "UPDATE profiles SET name = ? WHERE member_id = ?",       "UPDATE profiles SET phone = ? WHERE member_id = ?",
            "UPDATE profiles SET email = ? WHERE member_id = ?",      "UPDATE profiles SET city = ? WHERE member_id = ?",
            "UPDATE profiles SET birth_date = ? WHERE member_id = ?", "UPDATE profiles SET gender = ? WHERE member_id = ?",
            "UPDATE profiles SET categories = ? WHERE member_id = ?",
        };
        if ((rc = patron__sql_run(db, upd[i], "ti", nf->v[i][0] ? nf->v[i] : NULL, id)))
            goto out;
    }
    if (f->joined_at && (rc = patron__member_set_joined_at(db, id, f->joined_at)))
        goto out;
    int64_t ncontacts = 0;
    if ((rc = patron__sql_int(db, &ncontacts, 0, "SELECT count(*) FROM identifiers WHERE member_id = ?", "i", id)))
        goto out;
    if (ncontacts == 0)
        rc = patron__fail(PATRON_EINVAL, "member %" PRId64 ": the last contact (phone or email) cannot be cleared", id);
out:
    patron__free(nf);
    return rc;
}

int patron_profile_update(patron_db *db, int64_t member_id, const patron_profile_fields *fields, int64_t at)
{
    int rc = patron__db_check(db, "patron_profile_update");
    if (rc == PATRON_OK)
        rc = patron__time_check("patron_profile_update", "at", at);
    if (rc)
        return rc;
    if (!fields)
        return patron__fail(PATRON_EINVAL, "patron_profile_update: fields is NULL");
    patron_profile_fields f = PATRON_PROFILE_FIELDS_INIT;
    if ((rc = patron__options_copy(&f, sizeof f, fields, sizeof f, "patron_profile_fields")))
        return rc;
    if ((rc = patron__tx_begin(db)))
        return rc;
    int64_t id;
    rc = patron__member_resolve(db, &id, member_id, 1);
    if (rc == PATRON_OK)
        rc = update_impl(db, id, &f, at);
    return patron__tx_end(db, rc);
}

int patron_profile_set_country(patron_db *db, const char *country)
{
    int rc = patron__db_check(db, "patron_profile_set_country");
    if (rc)
        return rc;
    if (!country || !patron__country_valid(country))
        return patron__fail(PATRON_EINVAL, "country '%s' is not supported (IL US CA GB DE FR ES IT NL AU IN)",
                            country ? country : "(null)");
    char up[3] = {(char)(country[0] & ~0x20), (char)(country[1] & ~0x20), 0};
    if ((rc = patron__tx_begin(db)))
        return rc;
    return patron__tx_end(db, patron__setting_set(db, "phone_country", up));
}

int patron_profile_find(patron_db *db, int64_t *member_id, const char *identifier)
{
    int rc = patron__db_check(db, "patron_profile_find");
    if (rc)
        return rc;
    if (!member_id || !identifier)
        return patron__fail(PATRON_EINVAL, "patron_profile_find: NULL argument");
    int64_t id = 0;
    if (identifier[0] == '#') {
        char *end;
        long long v = strtoll(identifier + 1, &end, 10);
        if (end == identifier + 1 || *end || v <= 0)
            return patron__fail(PATRON_EINVAL, "identifier '%s': expected #<member id>", identifier);
        rc = patron__member_resolve(db, &id, (int64_t)v, 0);
    } else {
        char key[FIELD_CAP];
        const char *kind;
        if (strlen(identifier) >= FIELD_CAP)
            return patron__fail(PATRON_EINVAL, "identifier too long");
        if (strchr(identifier, '@')) {
            kind = "email";
            rc = patron_email_normalize(key, sizeof key, identifier);
        } else {
            char country[8];
            kind = "phone";
            rc = get_country(db, country);
            if (rc == PATRON_OK)
                rc = patron_phone_normalize(key, sizeof key, identifier, country[0] ? country : NULL);
        }
        if (rc)
            return rc;
        rc = identifier_owner(db, &id, kind, key);
        if (rc == PATRON_OK && id == 0)
            return patron__fail(PATRON_ENOTFOUND, "no member with %s %s", kind, key);
        if (rc == PATRON_OK)
            rc = patron__member_resolve(db, &id, id, 0);
    }
    if (rc == PATRON_OK)
        *member_id = id;
    return rc;
}

/* ---- loaded profiles ---------------------------------------------------- */

struct patron_profile {
    int64_t id;
    size_t n, cap;
    char **keys;
    char **vals;
};

static int prof_put(patron_profile *p, const char *k, const char *v)
{
    if (!v)
        return PATRON_OK;
    if (p->n == p->cap) {
        size_t cap = p->cap ? p->cap * 2 : 16;
        char **nk = patron__reallocarray(p->keys, cap, sizeof *nk);
        if (!nk)
            return patron__oom();
        p->keys = nk;
        char **nv = patron__reallocarray(p->vals, cap, sizeof *nv);
        if (!nv)
            return patron__oom();
        p->vals = nv;
        p->cap = cap;
    }
    char *ks = patron__strdup(k), *vs = patron__strdup(v);
    if (!ks || !vs) {
        patron__free(ks);
        patron__free(vs);
        return patron__oom();
    }
    p->keys[p->n] = ks;
    p->vals[p->n] = vs;
    p->n++;
    return PATRON_OK;
}

void patron_profile_free(patron_profile *p)
{
    if (!p)
        return;
    for (size_t i = 0; i < p->n; i++) {
        patron__free(p->keys[i]);
        patron__free(p->vals[i]);
    }
    patron__free(p->keys);
    patron__free(p->vals);
    patron__free(p);
}

int64_t patron_profile_id(const patron_profile *p)
{
    return p ? p->id : 0;
}

const char *patron_profile_field(const patron_profile *p, const char *field)
{
    if (!p || !field)
        return NULL;
    for (size_t i = 0; i < p->n; i++)
        if (!strcmp(p->keys[i], field))
            return p->vals[i];
    return NULL;
}

static int load_profile(patron_db *db, patron_profile *p, int64_t id)
{
    static const char sql[] = "SELECT name, phone, email, city, birth_date, gender, categories"
                              " FROM profiles WHERE member_id = ?";
    patron__stmt *st;
    int rc = patron__sql_bind(db, &st, sql, "i", id);
    if (rc)
        return rc;
    rc = patron__sql_step(db, st);
    if (rc != PATRON__ROW) {
        patron__sql_done(db, st);
        return rc < 0 ? rc : patron__fail(PATRON_ENOTFOUND, "member %" PRId64 " not found", id);
    }
    rc = PATRON_OK;
    for (int i = 0; i < 7 && rc == PATRON_OK; i++)
        rc = prof_put(p, col_names[i], patron__sql_col_text(db, st, i));
    patron__sql_done(db, st);
    int64_t joined = 0;
    if (rc == PATRON_OK)
        rc = patron__member_joined_at(db, id, &joined);
    char buf[PATRON__TIER_NAME_CAP];
    snprintf(buf, sizeof buf, "%" PRId64, joined);
    if (rc == PATRON_OK)
        rc = prof_put(p, "joined_at", buf);
    int has_tier = 0;
    if (rc == PATRON_OK)
        rc = patron__tier_name(db, id, buf, sizeof buf, &has_tier);
    if (rc == PATRON_OK)
        rc = prof_put(p, "tier", has_tier ? buf : NULL);
    if (rc)
        return rc;
    static const char asql[] = "SELECT name, value FROM attrs WHERE member_id = ? ORDER BY name";
    if ((rc = patron__sql_bind(db, &st, asql, "i", id)))
        return rc;
    while ((rc = patron__sql_step(db, st)) == PATRON__ROW) {
        rc = prof_put(p, patron__sql_col_text(db, st, 0), patron__sql_col_text(db, st, 1));
        if (rc)
            break;
    }
    patron__sql_done(db, st);
    return rc < 0 ? rc : PATRON_OK;
}

int patron_profile_get(patron_db *db, patron_profile **out, int64_t member_id)
{
    int rc = patron__db_check(db, "patron_profile_get");
    if (rc)
        return rc;
    if (!out)
        return patron__fail(PATRON_EINVAL, "patron_profile_get: out is NULL");
    int64_t id;
    if ((rc = patron__member_resolve(db, &id, member_id, 0)))
        return rc;
    patron_profile *p = patron__calloc(1, sizeof *p);
    if (!p)
        return patron__oom();
    p->id = id;
    rc = load_profile(db, p, id);
    if (rc) {
        patron_profile_free(p);
        return rc;
    }
    *out = p;
    return PATRON_OK;
}

/* ---- attributes, aliases, vocabulary ------------------------------------ */

static int check_name(const char *name)
{
    size_t n = name ? strlen(name) : 0;
    if (n == 0 || n > 64 || !(name[0] >= 'a' && name[0] <= 'z'))
        return patron__fail(PATRON_EINVAL, "attribute name '%s': use [a-z][a-z0-9_]*, at most 64 bytes",
                            name ? name : "(null)");
    for (const char *p = name; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '_'))
            return patron__fail(PATRON_EINVAL, "attribute name '%s': use [a-z][a-z0-9_]*", name);
    if (is_builtin(name))
        return patron__fail(PATRON_EINVAL, "attribute name '%s' is a built-in field", name);
    return PATRON_OK;
}

static const char *const type_names[] = {"text", "int", "bool", "date"};

int patron_profile_define_attr(patron_db *db, const char *name, int type)
{
    int rc = patron__db_check(db, "patron_profile_define_attr");
    if (rc)
        return rc;
    if ((rc = check_name(name)))
        return rc;
    if (type < PATRON_ATTR_TEXT || type > PATRON_ATTR_DATE)
        return patron__fail(PATRON_EINVAL, "attribute '%s': type %d is not a patron_attr_type", name, type);
    if ((rc = patron__tx_begin(db)))
        return rc;
    char *old = NULL;
    patron__stmt *st;
    rc = patron__sql_bind(db, &st, "SELECT type FROM attr_defs WHERE name = ?", "t", name);
    if (rc == PATRON_OK) {
        rc = patron__sql_step(db, st);
        if (rc == PATRON__ROW) {
            old = patron__strdup(patron__sql_col_text(db, st, 0));
            rc = old ? PATRON_OK : patron__oom();
        }
        patron__sql_done(db, st);
    }
    if (rc >= 0) {
        rc = PATRON_OK;
        if (old && strcmp(old, type_names[type]) != 0)
            rc = patron__fail(PATRON_ECONFLICT, "attribute '%s' is already declared as %s", name, old);
        else if (!old)
            rc = patron__sql_run(db, "INSERT INTO attr_defs(name, type) VALUES(?, ?)", "tt", name, type_names[type]);
    }
    patron__free(old);
    return patron__tx_end(db, rc);
}

static int canon_attr(char *out, const char *type, const char *name, const char *value)
{
    if (!strcmp(type, "text"))
        return clean_text(out, value, name);
    if (!strcmp(type, "int")) {
        const char *p = value;
        if (*p == '+' || *p == '-')
            p++;
        if (!*p)
            goto bad;
        for (const char *q = p; *q; q++)
            if (*q < '0' || *q > '9')
                goto bad;
        char *end;
        long long v = strtoll(value, &end, 10);
        if (*end || ((v == LLONG_MAX || v == LLONG_MIN) && strlen(p) > 18))
            goto bad;
        snprintf(out, FIELD_CAP, "%lld", v);
        return PATRON_OK;
    }
    if (!strcmp(type, "bool")) {
        char l[16];
        snprintf(l, sizeof l, "%s", value);
        ascii_lower(l);
        if (!strcmp(l, "true") || !strcmp(l, "1") || !strcmp(l, "yes"))
            strcpy(out, "true");
        else if (!strcmp(l, "false") || !strcmp(l, "0") || !strcmp(l, "no"))
            strcpy(out, "false");
        else
            goto bad;
        return PATRON_OK;
    }
    if (!strcmp(type, "date")) {
        int64_t d;
        if (strlen(value) != 10 || patron__parse_date(value, &d))
            goto bad;
        strcpy(out, value);
        return PATRON_OK;
    }
bad:
    return patron__fail(PATRON_EINVAL, "attribute '%s': '%s' is not a valid %s", name, value, type);
}

int patron_profile_set_attr(patron_db *db, int64_t member_id, const char *name, const char *value)
{
    int rc = patron__db_check(db, "patron_profile_set_attr");
    if (rc)
        return rc;
    if (!name)
        return patron__fail(PATRON_EINVAL, "patron_profile_set_attr: name is NULL");
    if (value && strlen(value) >= FIELD_CAP)
        return patron__fail(PATRON_EINVAL, "attribute '%s': value longer than %d bytes", name, FIELD_CAP - 1);
    if ((rc = patron__text_check("patron_profile_set_attr", "value", value, FIELD_CAP - 1)))
        return rc;
    if ((rc = patron__tx_begin(db)))
        return rc;
    int64_t id;
    char type[16] = "";
    char canon[FIELD_CAP];
    rc = patron__member_resolve(db, &id, member_id, 1);
    if (rc == PATRON_OK) {
        patron__stmt *st;
        rc = patron__sql_bind(db, &st, "SELECT type FROM attr_defs WHERE name = ?", "t", name);
        if (rc == PATRON_OK) {
            rc = patron__sql_step(db, st);
            if (rc == PATRON__ROW)
                snprintf(type, sizeof type, "%s", patron__sql_col_text(db, st, 0));
            patron__sql_done(db, st);
            if (rc == PATRON__DONE)
                rc = patron__fail(PATRON_ENOTFOUND, "attribute '%s' is not declared (patron_profile_define_attr)", name);
            else if (rc == PATRON__ROW)
                rc = PATRON_OK;
        }
    }
    if (rc == PATRON_OK && value)
        rc = canon_attr(canon, type, name, value);
    if (rc == PATRON_OK) {
        if (value)
            rc = patron__sql_run(db, "INSERT INTO attrs(member_id, name, value) VALUES(?,?,?) "
                                     "ON CONFLICT(member_id, name) DO UPDATE SET value = excluded.value",
                                 "itt", id, name, canon);
        else
            rc = patron__sql_run(db, "DELETE FROM attrs WHERE member_id = ? AND name = ?", "it", id, name);
    }
    return patron__tx_end(db, rc);
}

int patron_profile_set_alias(patron_db *db, const char *field, const char *alias, const char *canonical)
{
    int rc = patron__db_check(db, "patron_profile_set_alias");
    if (rc)
        return rc;
    if (!field || (strcmp(field, "city") && strcmp(field, "gender") && strcmp(field, "categories")))
        return patron__fail(PATRON_EINVAL, "aliases apply to city, gender or categories, not '%s'",
                            field ? field : "(null)");
    if (!alias || !canonical || strlen(alias) >= FIELD_CAP || strlen(canonical) >= FIELD_CAP)
        return patron__fail(PATRON_EINVAL, "alias and canonical must be strings shorter than %d bytes", FIELD_CAP);
    char a[FIELD_CAP], c[FIELD_CAP];
    if ((rc = clean_text(a, alias, "alias")) || (rc = clean_text(c, canonical, "canonical")))
        return rc;
    if (!a[0] || !c[0])
        return patron__fail(PATRON_EINVAL, "alias and canonical must not be empty");
    ascii_lower(a);
    if (!strcmp(field, "categories"))
        ascii_lower(c);
    if ((rc = patron__tx_begin(db)))
        return rc;
    rc = patron__sql_run(db, "INSERT INTO aliases(field, alias, canonical) VALUES(?,?,?) "
                             "ON CONFLICT(field, alias) DO UPDATE SET canonical = excluded.canonical",
                         "ttt", field, a, c);
    return patron__tx_end(db, rc);
}

int patron_profile_set_vocabulary(patron_db *db, const char *categories)
{
    int rc = patron__db_check(db, "patron_profile_set_vocabulary");
    if (rc)
        return rc;
    if (!categories || strlen(categories) >= 8192)
        return patron__fail(PATRON_EINVAL, "vocabulary: NULL or too long");
    if ((rc = patron__tx_begin(db)))
        return rc;
    rc = patron__sql_run(db, "DELETE FROM vocab WHERE field = 'categories'", "");
    const char *p = categories;
    while (rc == PATRON_OK && *p) {
        const char *comma = strchr(p, ',');
        size_t len = comma ? (size_t)(comma - p) : strlen(p);
        char item[FIELD_CAP], c[FIELD_CAP];
        if (len >= FIELD_CAP) {
            rc = patron__fail(PATRON_EINVAL, "vocabulary: item too long");
            break;
        }
        memcpy(item, p, len);
        item[len] = '\0';
        rc = clean_text(c, item, "vocabulary");
        ascii_lower(c);
        if (rc == PATRON_OK && c[0])
            rc = patron__sql_run(db, "INSERT INTO vocab(field, value) VALUES('categories', ?) ON CONFLICT DO NOTHING", "t", c);
        p += len + (comma ? 1 : 0);
    }
    return patron__tx_end(db, rc);
}

/* ---- consent ------------------------------------------------------------ */

int patron_consent_record(patron_db *db, int64_t member_id, const char *channel, int granted, int64_t at,
                          const char *source)
{
    int rc = patron__db_check(db, "patron_consent_record");
    if (rc || (rc = patron__time_check("patron_consent_record", "at", at)))
        return rc;
    if (!channel || (rc = check_channel(channel)))
        return channel ? rc : patron__fail(PATRON_EINVAL, "consent: channel is NULL");
    if (!source || !source[0] || strlen(source) > 64)
        return patron__fail(PATRON_EINVAL, "consent: source is required (1..64 bytes)");
    if ((rc = patron__text_check("patron_consent_record", "source", source, 64)))
        return rc;
    if ((rc = patron__tx_begin(db)))
        return rc;
    int64_t id;
    rc = patron__member_resolve(db, &id, member_id, 1);
    if (rc == PATRON_OK)
        rc = insert_consent(db, id, channel, granted, at, source);
    return patron__tx_end(db, rc);
}

int patron_consent_get(patron_db *db, int *granted, int64_t member_id, const char *channel, int64_t at)
{
    int rc = patron__db_check(db, "patron_consent_get");
    if (rc)
        return rc;
    if (!granted || !channel)
        return patron__fail(PATRON_EINVAL, "patron_consent_get: NULL argument");
    int64_t id, g = 0;
    if ((rc = patron__member_resolve(db, &id, member_id, 1)))
        return rc;
    rc = patron__sql_int(db, &g, 0,
                         "SELECT granted FROM consents WHERE member_id = ? AND (channel = ? OR channel = 'all')"
                         " AND at <= ? ORDER BY at DESC, id DESC LIMIT 1",
                         "iti", id, channel, at);
    if (rc == PATRON_ENOTFOUND) {
        g = 0;
        rc = PATRON_OK;
    }
    if (rc == PATRON_OK)
        *granted = (int)g;
    return rc;
}

int patron__profile_attr_defs_each(patron_db *db, int (*each)(void *ctx, const char *name, int type), void *ctx)
{
    patron__stmt *st;
    int rc = patron__sql_bind(db, &st, "SELECT name, type FROM attr_defs ORDER BY name", "");
    if (rc)
        return rc;
    while ((rc = patron__sql_step(db, st)) == PATRON__ROW) {
        const char *type = patron__sql_col_text(db, st, 1);
        int t = PATRON_ATTR_TEXT;
        for (int k = 0; k < (int)(sizeof type_names / sizeof type_names[0]); k++)
            if (!strcmp(type, type_names[k]))
                t = k;
        if ((rc = each(ctx, patron__sql_col_text(db, st, 0), t)))
            break;
    }
    patron__sql_done(db, st);
    return rc == PATRON__DONE ? PATRON_OK : rc;
}

int patron__profile_attrs_each(patron_db *db, int (*each)(void *ctx, int64_t member, const char *name, const char *value),
                               void *ctx)
{
    patron__stmt *st;
    int rc = patron__sql_bind(db, &st, "SELECT member_id, name, value FROM attrs", "");
    if (rc)
        return rc;
    while ((rc = patron__sql_step(db, st)) == PATRON__ROW)
        if ((rc = each(ctx, patron__sql_col_int(db, st, 0), patron__sql_col_text(db, st, 1),
                       patron__sql_col_text(db, st, 2))))
            break;
    patron__sql_done(db, st);
    return rc == PATRON__DONE ? PATRON_OK : rc;
}

int patron__profile_consents_each(patron_db *db, int64_t at,
                                  int (*each)(void *ctx, int64_t member, const char *channel, int granted,
                                              int64_t decided_at, int64_t seq),
                                  void *ctx)
{
    /* no ORDER BY: ordered by member, the database would look every row up
     * through the index; the reader keeps the latest decision itself */
    static const char sql[] = "SELECT member_id, channel, granted, at, id FROM consents WHERE at <= ?";
    patron__stmt *st;
    int rc = patron__sql_bind(db, &st, sql, "i", at);
    if (rc)
        return rc;
    while ((rc = patron__sql_step(db, st)) == PATRON__ROW)
        if ((rc = each(ctx, patron__sql_col_int(db, st, 0), patron__sql_col_text(db, st, 1),
                       (int)patron__sql_col_int(db, st, 2), patron__sql_col_int(db, st, 3),
                       patron__sql_col_int(db, st, 4))))
            break;
    patron__sql_done(db, st);
    return rc == PATRON__DONE ? PATRON_OK : rc;
}

/* ---- progressive profiling ---------------------------------------------- */

static int check_priority_list(patron_db *db, const char *list)
{
    const char *p = list;
    while (*p) {
        const char *comma = strchr(p, ',');
        size_t len = comma ? (size_t)(comma - p) : strlen(p);
        char f[80];
        if (len == 0 || len >= sizeof f)
            return patron__fail(PATRON_EINVAL, "priority: empty or too long field name in '%s'", list);
        memcpy(f, p, len);
        f[len] = '\0';
        if (!is_builtin(f) || !strcmp(f, "tier") || !strcmp(f, "joined_at")) {
            int64_t n = 0;
            int rc = patron__sql_int(db, &n, 0, "SELECT count(*) FROM attr_defs WHERE name = ?", "t", f);
            if (rc)
                return rc;
            if (!n)
                return patron__fail(PATRON_EINVAL, "priority: '%s' is neither a profile field nor a declared attribute", f);
        }
        p += len + (comma ? 1 : 0);
    }
    return PATRON_OK;
}

int patron_profile_set_priority(patron_db *db, const char *fields)
{
    int rc = patron__db_check(db, "patron_profile_set_priority");
    if (rc)
        return rc;
    if (!fields || strlen(fields) > 4096)
        return patron__fail(PATRON_EINVAL, "priority: NULL or too long");
    if ((rc = check_priority_list(db, fields)))
        return rc;
    if ((rc = patron__tx_begin(db)))
        return rc;
    return patron__tx_end(db, patron__setting_set(db, "profile_priority", fields));
}

int patron_profile_next_field(patron_db *db, char **field, int64_t member_id)
{
    int rc = patron__db_check(db, "patron_profile_next_field");
    if (rc)
        return rc;
    if (!field)
        return patron__fail(PATRON_EINVAL, "patron_profile_next_field: field is NULL");
    patron_profile *p = NULL;
    if ((rc = patron_profile_get(db, &p, member_id)))
        return rc;
    char *prio = NULL;
    if ((rc = patron__setting_get(db, "profile_priority", &prio))) {
        patron_profile_free(p);
        return rc;
    }
    const char *list = prio ? prio : DEFAULT_PRIORITY;
    char *answer = NULL;
    const char *s = list;
    while (*s && rc == PATRON_OK) {
        const char *comma = strchr(s, ',');
        size_t len = comma ? (size_t)(comma - s) : strlen(s);
        char f[80];
        snprintf(f, sizeof f, "%.*s", (int)len, s);
        const char *v = patron_profile_field(p, f);
        if (!v || !v[0]) {
            answer = patron__strdup(f);
            if (!answer)
                rc = patron__oom();
            break;
        }
        s += len + (comma ? 1 : 0);
    }
    patron__free(prio);
    patron_profile_free(p);
    if (rc == PATRON_OK)
        *field = answer;
    return rc;
}

/* ---- privacy ------------------------------------------------------------ */

int patron_profile_export(patron_db *db, char **json, int64_t member_id)
{
    int rc = patron__db_check(db, "patron_profile_export");
    if (rc)
        return rc;
    if (!json)
        return patron__fail(PATRON_EINVAL, "patron_profile_export: json is NULL");
    patron_profile *p = NULL;
    if ((rc = patron_profile_get(db, &p, member_id)))
        return rc;
    int64_t id = p->id;
    patron__sbuf b = {0};
    patron__sb_printf(&b, "{\n  \"member_id\": %" PRId64 ",\n  \"profile\": {", id);
    for (size_t i = 0; i < p->n; i++) {
        patron__sb_puts(&b, i ? ", " : "");
        patron__sb_json_str(&b, p->keys[i]);
        patron__sb_puts(&b, ": ");
        if (!strcmp(p->keys[i], "joined_at"))
            patron__sb_puts(&b, p->vals[i]); /* a time: integer UTC seconds, like every other "at" */
        else
            patron__sb_json_str(&b, p->vals[i]);
    }
    patron__sb_puts(&b, "}");
    patron_profile_free(p);
    int64_t total = 0;
    rc = patron__ledger_total(db, id, &total);
    patron__sb_printf(&b, ",\n  \"points_total\": %" PRId64, total);
    static const char *const idn[] = {"kind", "value"};
    static const char *const cn[] = {"channel", "granted", "at", "source"};
    static const char *const mn[] = {"kept", "merged", "at", "operator", "reason", "points_moved"};
    if (rc == PATRON_OK)
        rc = patron__sql_export_rows(db, &b, "identifiers", "SELECT kind, value FROM identifiers WHERE member_id = ? ORDER BY kind",
                         id, idn, "tt");
    if (rc == PATRON_OK)
        rc = patron__sql_export_rows(db, &b, "consents",
                         "SELECT channel, granted, at, source FROM consents WHERE member_id = ? ORDER BY at, id", id,
                         cn, "tbit");
    if (rc == PATRON_OK)
        rc = patron__sql_export_rows(db, &b, "merges",
                         "SELECT kept, merged, at, operator, reason, points_moved FROM merges "
                         "WHERE kept = ? OR merged = ? ORDER BY id",
                         id, mn, "iiitti");
    if (rc == PATRON_OK)
        rc = patron__ledger_export(db, &b, id);
    if (rc == PATRON_OK)
        rc = patron__tier_export(db, &b, id);
    patron__sb_puts(&b, "\n}\n");
    if (rc) {
        patron__sb_free(&b);
        return rc;
    }
    char *s = patron__sb_take(&b);
    if (!s)
        return patron__oom();
    *json = s;
    return PATRON_OK;
}

int patron__profile_card(patron_db *db, patron__sbuf *b, int64_t member, int64_t at)
{
    patron_profile *p = NULL;
    int rc = patron_profile_get(db, &p, member);
    if (rc)
        return rc;
    patron__sb_puts(b, ",\n  \"profile\": {");
    int first = 1;
    for (size_t i = 0; i < p->n; i++) {
        if (!strncmp(p->keys[i], "journey_", 8) || !strcmp(p->keys[i], "tier"))
            continue; /* the journey and tier sections say these */
        patron__sb_puts(b, first ? "" : ", ");
        first = 0;
        patron__sb_json_str(b, p->keys[i]);
        patron__sb_puts(b, ": ");
        if (!strcmp(p->keys[i], "joined_at"))
            patron__sb_puts(b, p->vals[i]);
        else
            patron__sb_json_str(b, p->vals[i]);
    }
    patron__sb_puts(b, "}");
    patron_profile_free(p);
    /* the last decision per channel up to `at`: rows in time order, a later
     * one overwrites (channels are few) */
    static const char sql[] = "SELECT channel, granted FROM consents WHERE member_id = ? AND at <= ? ORDER BY channel, at, id";
    patron__stmt *st;
    if ((rc = patron__sql_bind(db, &st, sql, "ii", member, at)))
        return rc;
    patron__sb_puts(b, ",\n  \"consents\": {");
    char last[40] = "";
    int granted = -1, n = 0;
    while ((rc = patron__sql_step(db, st)) == PATRON__ROW) {
        const char *ch = patron__sql_col_text(db, st, 0);
        if (granted >= 0 && strcmp(ch, last)) {
            patron__sb_puts(b, n++ ? ", " : "");
            patron__sb_json_str(b, last);
            patron__sb_puts(b, granted ? ": true" : ": false");
        }
        snprintf(last, sizeof last, "%s", ch);
        granted = (int)patron__sql_col_int(db, st, 1);
    }
    patron__sql_done(db, st);
    if (rc < 0)
        return rc;
    if (granted >= 0) {
        patron__sb_puts(b, n ? ", " : "");
        patron__sb_json_str(b, last);
        patron__sb_puts(b, granted ? ": true" : ": false");
    }
    patron__sb_puts(b, "}");
    char *next = NULL;
    if ((rc = patron_profile_next_field(db, &next, member)))
        return rc;
    patron__sb_puts(b, ",\n  \"next_question\": ");
    if (next)
        patron__sb_json_str(b, next);
    else
        patron__sb_puts(b, "null");
    patron__free(next);
    return PATRON_OK;
}

int patron_profile_erase(patron_db *db, int64_t member_id, int64_t at, const char *operator_name)
{
    int rc = patron__db_check(db, "patron_profile_erase");
    if (rc == PATRON_OK)
        rc = patron__time_check("patron_profile_erase", "at", at);
    if (rc)
        return rc;
    if (!operator_name || !operator_name[0])
        return patron__fail(PATRON_EINVAL, "erase: operator is required for the erasure record");
    if ((rc = patron__tx_begin(db)))
        return rc;
    int64_t id = 0; /* the loop below copies it even when resolve fails */
    rc = patron__member_resolve(db, &id, member_id, 1);
    /* the fields of the member and of every member merged into it */
    for (int64_t m = id; rc == PATRON_OK && m;) {
        rc = patron__sql_run(db, "UPDATE profiles SET name = NULL, phone = NULL, email = NULL, city = NULL, "
                                 "birth_date = NULL, gender = NULL, categories = NULL WHERE member_id = ?", "i", m);
        if (rc == PATRON_OK)
            rc = patron__member_group_next(db, id, m, &m);
    }
    if (rc == PATRON_OK)
        rc = patron__member_record_erasure(db, id, at);
    if (rc == PATRON_OK)
        rc = patron__sql_run(db, "DELETE FROM identifiers WHERE member_id = ?", "i", id);
    if (rc == PATRON_OK)
        rc = patron__sql_run(db, "DELETE FROM attrs WHERE member_id = ?", "i", id);
    if (rc == PATRON_OK)
        rc = patron__sql_run(db, "DELETE FROM consents WHERE member_id = ?", "i", id);
    if (rc == PATRON_OK)
        rc = patron__sql_run(db, "INSERT INTO erasures(member_id, at, operator) VALUES(?,?,?)", "iit", id, at,
                             operator_name);
    if (rc == PATRON_OK) /* the outbox and audit hook */
        rc = patron__profile_notify_erased(db, id, at, operator_name);
    return patron__tx_end(db, rc);
}
