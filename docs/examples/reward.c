/* The rewards catalogue: a mug with two units, redeemed once (retried
 * safely), cancelled (points and unit back), redeemed again and fulfilled. */
#include <patron.h>
#include <stdio.h>

#define T0 1767225600 /* 2026-01-01 */

static int64_t available(patron_db *db, int64_t member, int64_t at)
{
    patron_balance b;
    return patron_ledger_balance(db, &b, member, at) == PATRON_OK ? b.available : -1;
}

int main(void)
{
    patron_db *db = NULL;
    int64_t ann = 0;
    int rc = patron_open(&db, ":memory:", NULL);
    patron_profile_fields f = PATRON_PROFILE_FIELDS_INIT;
    f.name = "Ann";
    f.email = "ann@example.com";
    f.consent = "email";
    if (!rc)
        rc = patron_profile_add(db, &ann, &f, T0);
    patron_posting_request earn = PATRON_POSTING_REQUEST_INIT;
    earn.key = "order-1";
    earn.member_id = ann;
    earn.points = 500;
    earn.at = T0;
    if (!rc)
        rc = patron_ledger_earn(db, NULL, &earn);
    patron_reward mug = PATRON_REWARD_INIT;
    mug.code = "mug";
    mug.title = "A mug";
    mug.cost = 200;
    mug.stock = 2;
    if (!rc)
        rc = patron_reward_set(db, NULL, &mug);
    patron_reward_request q = PATRON_REWARD_REQUEST_INIT;
    q.reward = "mug";
    q.member_id = ann;
    q.key = "pos-17-1";
    q.at = T0 + 60;
    patron_redemption r = {.size = sizeof r};
    for (int attempt = 0; !rc && attempt < 2; attempt++) { /* a till retrying after a timeout */
        rc = patron_reward_redeem(db, &r, &q);
        if (!rc)
            printf("redemption %lld: %lld points, replayed %d, available %lld\n", (long long)r.id,
                   (long long)r.points, r.replayed, (long long)available(db, ann, q.at));
    }
    if (!rc)
        rc = patron_reward_cancel(db, &r, "pos-17-1", T0 + 120);
    if (!rc)
        printf("cancelled: available %lld\n", (long long)available(db, ann, T0 + 120));
    q.key = "pos-17-2";
    q.at = T0 + 180;
    if (!rc)
        rc = patron_reward_redeem(db, &r, &q);
    if (!rc)
        rc = patron_reward_fulfil(db, &r, "pos-17-2", T0 + 240);
    patron_reward_info info = {.size = sizeof info};
    if (!rc)
        rc = patron_reward_get(db, &info, "mug");
    if (!rc)
        printf("%s: stock %lld, issued %lld, fulfilled %lld, cancelled %lld\n", info.code, (long long)info.stock,
               (long long)info.issued, (long long)info.fulfilled, (long long)info.cancelled);
    else
        fprintf(stderr, "error: %s\n", patron_errmsg());
    patron_close(db);
    return rc ? 1 : 0;
}
