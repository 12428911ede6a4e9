'use strict';
// The rewards catalogue and coupons through the generated classes, on
// SQLite and PostgreSQL: a reward redeemed, retried, out of stock and
// cancelled (points and unit back); a pattern campaign validated, redeemed
// and published; a gift card drawn down in parts and refused below zero.
const test = require('node:test');
const assert = require('node:assert');
const patron = require('..');
const { native } = patron;

const skip = typeof native.patron_reward_redeem !== 'function' && 'no rewards catalogue in this libpatron build';
const stores = require('../test-support/stores');
const storeUri = (backend) => stores.storeUri(backend, 'rw');

for (const [backend, skipIt] of stores.backends(skip)) {
  test(`rewards, coupons and gift cards (${backend})`, { skip: skipIt }, () => {
    const at = Date.UTC(2026, 0, 15) / 1000;
    const db = patron.open(storeUri(backend));
    try {
      const id = db.profile_add({ name: 'Ada', email: 'ada@example.com', consent: 'email' }, at);
      db.ledger_earn({ key: 'order-1', member_id: id, points: 500, at });
      assert.strictEqual(db.reward_set({ code: 'mug', cost: 200, stock: 1 }), 1);
      const r = db.reward_redeem({ key: 'r1', reward: 'mug', member_id: id, at: at + 10 });
      assert.strictEqual(Number(r.points), 200);
      assert.strictEqual(r.status, native.PATRON_REWARD_ISSUED);
      assert.strictEqual(Number(db.ledger_balance(id, at + 10).available), 300);
      assert.strictEqual(db.reward_redeem({ key: 'r1', reward: 'mug', member_id: id, at: at + 20 }).replayed, 1);
      assert.throws(() => db.reward_redeem({ key: 'r2', reward: 'mug', member_id: id, at: at + 20 }),
        (e) => e instanceof patron.PatronError && e.code === 'PATRON_ERANGE' && /out of stock/.test(e.message));
      assert.strictEqual(db.reward_cancel('r1', at + 30).status, native.PATRON_REWARD_CANCELLED);
      assert.strictEqual(Number(db.ledger_balance(id, at + 30).available), 500);
      assert.strictEqual(Number(db.reward_get('mug').stock), 1);

      assert.strictEqual(Number(db.coupon_create({ name: 'summer', amount_off: 500, pattern: 'S-####', count: 2, seed: 3 })), 2);
      const list = db.coupon_list('summer');
      const codes = [...list].map((c) => c.code);
      list.close();
      assert.strictEqual(codes.length, 2);
      assert.match(codes[0], /^S-[0-9]{4}$/);
      const v = db.coupon_validate({ code: codes[0], at, basket: 300 });
      assert.strictEqual(v.verdict, native.PATRON_COUPON_VALID);
      assert.strictEqual(Number(v.value), 300); /* never more than the basket */
      const red = db.coupon_redeem({ code: codes[0], key: 'c1', member_id: id, at, basket: 3000 });
      assert.strictEqual(Number(red.value), 500);
      assert.strictEqual(db.coupon_validate({ code: codes[0], at }).verdict, native.PATRON_COUPON_USED_UP);
      const p = db.coupon_publish('summer', null, id, at);
      assert.strictEqual(p.code, codes[1]);
      assert.strictEqual(db.coupon_validate({ code: codes[1], at }).verdict, native.PATRON_COUPON_WRONG_MEMBER);

      db.coupon_create({ name: 'gift', kind: native.PATRON_COUPON_GIFT_CARD, amount_off: 5000, max_uses: 0 });
      assert.strictEqual(Number(db.coupon_import('gift', ['GC-1'], 1)), 1);
      assert.strictEqual(Number(db.coupon_redeem({ code: 'GC-1', key: 'g1', at, amount: 1200 }).balance), 3800);
      assert.throws(() => db.coupon_redeem({ code: 'GC-1', key: 'g2', at, amount: 4000 }),
        (e) => e instanceof patron.PatronError && e.code === 'PATRON_EBALANCE');
    } finally {
      db.close();
    }
  });
}
