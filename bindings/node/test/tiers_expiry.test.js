'use strict';
// Tiers of 0.2 and the ledger's expiry rounding through the generated
// classes, on SQLite and PostgreSQL: a one-level downgrade after the tier's
// expiry date stopped by a lifetime tier, the benefits a till shows, the
// detail status, and points expiring at the end of a week.
const test = require('node:test');
const assert = require('node:assert');
const patron = require('..');
const { native } = patron;

const skip = typeof native.patron_tier_get_detail !== 'function' && 'no 0.2 tiers in this libpatron build';
const stores = require('../test-support/stores');
const storeUri = (backend) => stores.storeUri(backend, 'tier');

const T0 = Date.UTC(2026, 0, 15) / 1000;
const DAY = 86400;

for (const [backend, skipIt] of stores.backends(skip)) {
  test(`tier modes, lifetime tiers, benefits (${backend})`, { skip: skipIt }, () => {
    const db = patron.open(storeUri(backend));
    try {
      db.earn_rule_add({ name: 'base', kind: native.PATRON_EARN_BASE, points: 1, per_amount: 100 });
      db.tier_configure({ window_days: 30, grace_days: 0, downgrade: native.PATRON_TIER_DOWNGRADE_ONE_LEVEL, expiry_months: 1 },
        [{ name: 'basic', threshold: 0 }, { name: 'silver', threshold: 50000 }, { name: 'gold', threshold: 200000 }], 3);
      db.tier_set_lifetime('silver', 1);
      db.tier_set_benefits('gold', ['free shipping', 'lounge'], 2);
      const ann = db.profile_add({ name: 'Ann', email: 'ann@example.com', consent: 'email' }, T0);
      db.earn_purchase({ key: 'o1', member_id: ann, at: T0, lines: [{ category: null, product: null, amount: 250000 }], n_lines: 1 });
      const d = db.tier_get_detail(ann, T0);
      assert.strictEqual(d.tier, 'gold');
      assert.strictEqual(Number(d.available), 2500);
      const until = Number(d.valid_until);
      assert.strictEqual(until, Date.UTC(2026, 1, 15) / 1000);
      assert.deepStrictEqual(db.tier_member_benefits(ann).map((b) => b.name), ['free shipping', 'lounge']);
      db.tier_review(until - 1);
      assert.strictEqual(db.tier_get_detail(ann, until - 1).tier, 'gold');
      db.tier_review(until);
      assert.strictEqual(db.tier_get_detail(ann, until).tier, 'silver');
      db.tier_review(until + 400 * DAY);
      const later = db.tier_get_detail(ann, until + 400 * DAY);
      assert.strictEqual(later.tier, 'silver');
      assert.strictEqual(later.lifetime, 'silver');
      assert.deepStrictEqual(db.tier_member_benefits(ann), []);
      assert.throws(() => db.tier_set_benefits('gold', ['lounge', 'lounge'], 2), /listed twice/);
    } finally {
      db.close();
    }
  });

  test(`expiry rounded to the end of the week (${backend})`, { skip: skipIt }, () => {
    const db = patron.open(storeUri(backend));
    try {
      db.ledger_set_policy({ expiry_months: 1, expiry_round: native.PATRON_EXPIRY_END_OF_WEEK });
      assert.strictEqual(db.ledger_get_policy().expiry_round, native.PATRON_EXPIRY_END_OF_WEEK);
      const ann = db.profile_add({ name: 'Ann', email: 'ann@example.com', consent: 'email' }, T0);
      db.ledger_earn({ key: 'e1', member_id: ann, points: 70, at: T0 }); // 2026-02-15 is a Sunday: Monday 02-16
      const monday = Date.UTC(2026, 1, 16) / 1000;
      assert.strictEqual(Number(db.ledger_balance(ann, monday - 1).available), 70);
      assert.strictEqual(Number(db.ledger_balance(ann, monday).available), 0);
    } finally {
      db.close();
    }
  });
}

for (const [backend, skipIt] of stores.backends(skip)) {
  test(`points pending until an action (${backend})`, { skip: skipIt }, () => {
    const db = patron.open(storeUri(backend));
    try {
      db.earn_rule_add({ name: 'base', kind: native.PATRON_EARN_BASE, points: 1, per_amount: 100 });
      const ann = db.profile_add({ name: 'Ann', email: 'ann@example.com', consent: 'email' }, T0);
      assert.strictEqual(native.PATRON_NEVER, 9223372036854775807n); /* exact, not the double 2^63 */
      db.ledger_earn({ key: 'web-1', member_id: ann, points: 40, at: T0, mature_at: native.PATRON_NEVER }); // a BigInt: a Number cannot hold INT64_MAX
      const held = db.ledger_balance(ann, T0 + 900 * DAY);
      assert.deepStrictEqual([Number(held.available), Number(held.pending)], [0, 40]);
      const r = db.ledger_release('web-1', T0 + 2 * DAY);
      assert.strictEqual(Number(r.points), 40);
      assert.strictEqual(db.ledger_release('web-1', T0 + 3 * DAY).replayed, 1);
      db.earn_purchase({ key: 'web-2', member_id: ann, at: T0, lines: [{ category: null, product: null, amount: 5000 }],
        n_lines: 1, hold_until_action: 1 });
      assert.strictEqual(Number(db.ledger_balance(ann, T0 + 3 * DAY).pending), 50);
      assert.strictEqual(Number(db.earn_release('web-2', T0 + 4 * DAY)), 50);
      assert.strictEqual(Number(db.ledger_balance(ann, T0 + 4 * DAY).available), 90);
      assert.throws(() => db.ledger_release('nosuch', T0), /no posting with key/);
    } finally {
      db.close();
    }
  });
}
