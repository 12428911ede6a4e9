/* The bulk half of patron_frame_add_member_columns(): one scan of the member
 * core and one of the consents for a frame of many rows (members_bulk.h). */
#include <stdlib.h>
#include <string.h>

#include "internal/alloc.h"
#include "internal/error.h"
#include "internal/ids.h"
#include "internal/member.h"
#include "internal/profile.h"
#include "members_bulk.h"

typedef struct core_rows {
    int64_t *id, *to, *joined; /* in id order; to: -1 for an erased member */
    size_t n, cap;
} core_rows;

static int add_core(void *ctx, int64_t id, int64_t merged_into, int64_t joined_at, int erased)
{
    core_rows *c = ctx;
    if (c->n == c->cap) {
        size_t cap = c->cap ? 2 * c->cap : 1024;
        int64_t *a = patron__realloc(c->id, cap * sizeof *a);
        if (a)
            c->id = a;
        int64_t *b = a ? patron__realloc(c->to, cap * sizeof *b) : NULL;
        if (b)
            c->to = b;
        int64_t *d = b ? patron__realloc(c->joined, cap * sizeof *d) : NULL;
        if (!d)
            return patron__oom();
        c->joined = d;
        c->cap = cap;
    }
    c->id[c->n] = id;
    c->to[c->n] = erased ? -1 : merged_into;
    c->joined[c->n] = joined_at;
    c->n++;
    return PATRON_OK;
}

/* Index of x in the sorted a[0..n), or -1; *hint: see patron__id_seek. */
static long find_id(const int64_t *a, size_t n, int64_t x, size_t *hint)
{
    size_t i = patron__id_seek(a, n, x, hint);
    return i < n && a[i] == x ? (long)i : -1;
}

typedef struct consent_ctx {
    const int64_t *member; /* distinct members of the frame, sorted */
    size_t n;
    const char *const *channels;
    size_t nch;
    int64_t *granted;         /* [n * nch] */
    int64_t *decided, *seq;   /* [n * nch]: the (time, seq) of the decision kept */
    size_t hint;              /* consents come mostly in member order */
} consent_ctx;

/* Decisions come in any order: each cell keeps the latest by (time, seq). */
static int on_consent(void *ctx, int64_t member, const char *channel, int granted, int64_t decided_at,
                      int64_t seq)
{
    consent_ctx *c = ctx;
    long i = find_id(c->member, c->n, member, &c->hint);
    if (i < 0)
        return PATRON_OK;
    int all = !strcmp(channel, "all");
    for (size_t k = 0; k < c->nch; k++) {
        size_t cell = (size_t)i * c->nch + k;
        if ((all || !strcmp(channel, c->channels[k])) &&
            (decided_at > c->decided[cell] || (decided_at == c->decided[cell] && seq > c->seq[cell]))) {
            c->granted[cell] = granted;
            c->decided[cell] = decided_at;
            c->seq[cell] = seq;
        }
    }
    return PATRON_OK;
}

int patron__member_columns_bulk(patron_db *db, const int64_t *ids, size_t n, const char *const *channels,
                                size_t nch, int64_t at, int64_t *member, int64_t *joined, int64_t *consent)
{
    core_rows c = {0};
    consent_ctx cc = {0};
    int64_t *distinct = NULL;
    int rc = patron__member_each(db, add_core, &c);
    if (rc == PATRON_OK && !(distinct = patron__malloc((n ? n : 1) * sizeof *distinct)))
        rc = patron__oom();
    size_t nd = 0, row_hint = 0, out_hint = 0; /* a frame's rows come in id order */
    for (size_t r = 0; rc == PATRON_OK && r < n; r++) {
        long i = find_id(c.id, c.n, ids[r], &row_hint);
        member[r] = 0;
        joined[r] = INT64_MIN;
        if (i < 0)
            continue; /* not a member */
        int64_t who = c.to[i] ? c.to[i] : ids[r];
        size_t any = 0;
        long j = who == ids[r] ? i : find_id(c.id, c.n, who, &any);
        if (who < 0 || (j >= 0 && c.to[j] < 0))
            continue; /* erased: no member any more */
        member[r] = who;
        joined[r] = j >= 0 ? c.joined[j] : 0;
        distinct[nd++] = who;
    }
    if (rc == PATRON_OK && nd) {
        qsort(distinct, nd, sizeof *distinct, patron__id_cmp);
        size_t u = 0;
        for (size_t i = 0; i < nd; i++)
            if (!u || distinct[u - 1] != distinct[i])
                distinct[u++] = distinct[i];
        cc = (consent_ctx){distinct, u, channels, nch, NULL, NULL, NULL, 0};
        if (nch && (!(cc.granted = patron__calloc(u * nch, sizeof *cc.granted)) ||
                    !(cc.decided = patron__malloc(u * nch * sizeof *cc.decided)) ||
                    !(cc.seq = patron__calloc(u * nch, sizeof *cc.seq))))
            rc = patron__oom();
        for (size_t cell = 0; rc == PATRON_OK && cell < u * nch; cell++)
            cc.decided[cell] = INT64_MIN; /* no decision yet */
        if (rc == PATRON_OK && nch)
            rc = patron__profile_consents_each(db, at, on_consent, &cc);
    }
    for (size_t r = 0; rc == PATRON_OK && r < n; r++)
        for (size_t k = 0; k < nch; k++)
            consent[k * n + r] =
                member[r] ? cc.granted[(size_t)find_id(cc.member, cc.n, member[r], &out_hint) * nch + k] : 0;
    patron__free(cc.granted);
    patron__free(cc.decided);
    patron__free(cc.seq);
    patron__free(distinct);
    patron__free(c.id);
    patron__free(c.to);
    patron__free(c.joined);
    return rc;
}
