'use strict';
// Campaign budgets and the points liability from Node, on SQLite and on the
// PostgreSQL server PATRON_TEST_PG names: a points budget with a daily
// per-member limit stops at exactly its size (the award at the boundary gets
// the remainder); usage read back; the liability at half a minor unit a point.
const test = require('node:test');
const assert = require('node:assert');
const patron = require('..');
const { native } = patron;

const skip = (typeof native.patron_earn_budget_set !== 'function' || typeof native.patron_report_liability !== 'function')
  && 'budgets or liability not in this build';
const stores = require('../test-support/stores');
const storeUri = (backend) => stores.storeUri(backend, 'budget');
const MON = Date.UTC(2026, 0, 5) / 1000; // a Monday
const DAY = 86400;

for (const [backend, skipIt] of stores.backends(skip)) {
  test(`budget stops at its size; liability of what was posted (${backend})`, { skip: skipIt }, () => {
    const db = patron.open(storeUri(backend));
    try {
      const id = db.profile_add({ name: 'Ann', email: 'ann@example.com', consent: 'email' }, MON - DAY);
      db.earn_rule_add({ name: 'flash', kind: native.PATRON_EARN_CAMPAIGN, points: 40 });
      db.earn_budget_set('flash', { points: 100, member_window: native.PATRON_EARN_WINDOW_DAY, member_points: 60 });
      const buy = (key, at) => {
        const p = { key, member_id: id, at, lines: [{ category: null, product: null, amount: 1000 }], n_lines: 1 };
        const quote = db.earn_quote(p);
        const r = db.earn_purchase(p);
        assert.strictEqual(Number(r.points), Number(quote));
        return Number(r.points);
      };
      assert.deepStrictEqual([buy('o0', MON), buy('o1', MON + 1), buy('o2', MON + 2)], [40, 20, 0]);
      assert.strictEqual(buy('o3', MON + DAY), 40);
      assert.strictEqual(buy('o4', MON + DAY + 1), 0);
      const { budget, usage } = db.earn_budget_get('flash', MON, id, null);
      assert.strictEqual(Number(budget.points), 100);
      assert.deepStrictEqual([usage.points_used, usage.awards_used, usage.points_left].map(Number), [100, 3, 0]);
      assert.deepStrictEqual([usage.member_start, usage.member_end, usage.member_points_used].map(Number),
        [MON, MON + DAY, 60]);
      assert.throws(() => db.earn_budget_set('nope', { points: 1 }),
        (e) => e instanceof patron.PatronError && e.code === 'PATRON_ENOTFOUND' && /nope/.test(e.message));
      const months = db.report_liability({ cost_minor: 1, cost_points: 2 });
      assert.strictEqual(months.length, 1);
      const m = months[0];
      assert.deepStrictEqual([m.month_start, m.issued, m.outstanding, m.value, m.expected_cost].map(Number),
        [Date.UTC(2026, 0, 1) / 1000, 100, 100, 50, 50]);
      assert.ok(Number.isNaN(m.breakage_rate));
    } finally {
      db.close();
    }
  });
}
