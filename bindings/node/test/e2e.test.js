'use strict';
// End-to-end flow of issue 7: open a :memory: store, enrol a member, earn and
// redeem points with idempotency keys, evaluate a segment, run an A/B test.
// The same steps are shown in docs/guide/node.md.
const test = require('node:test');
const assert = require('node:assert');
const patron = require('..');
const { native } = patron;

const missing = ['patron_open', 'patron_profile_add', 'patron_ledger_earn', 'patron_rule_select',
                 'patron_abtest_proportions', 'patron_frame_from_arrays']
  .filter((f) => typeof native[f] !== 'function');
const skip = missing.length > 0 && `modules not in this libpatron build yet: ${missing.join(', ')}`;

// Each store test runs on SQLite (':memory:') and on the PostgreSQL server
// PATRON_TEST_PG names (a fresh schema, dropped when the process exits).
const stores = require('../test-support/stores');
const storeUri = (backend) => stores.storeUri(backend, 'e2e');
const backends = stores.backends(skip);

for (const [backend, skipIt] of backends) {
test(`store -> member -> points -> segment -> A/B test (${backend})`, { skip: skipIt }, () => {
  const at = Date.UTC(2026, 0, 15) / 1000;
  const db = patron.open(storeUri(backend));
  try {
    // enrol
    const id = db.profile_add({ name: 'Ada Lovelace', email: 'ada@example.com', consent: 'email' }, at);
    assert.ok(id > 0);
    const again = () => db.profile_add({ name: 'Ada L', email: 'ADA@example.com', consent: 'email' }, at);
    assert.throws(again, (e) => e instanceof patron.PatronError && e.code === 'PATRON_ECONFLICT');

    // earn, with an idempotent retry
    const earn = { key: 'order-1001', member_id: id, points: 120, at, spend: 12000 };
    const r1 = db.ledger_earn(earn);
    assert.strictEqual(r1.points, 120);
    assert.strictEqual(r1.replayed, 0);
    const r2 = db.ledger_earn(earn);
    assert.strictEqual(r2.replayed, 1);
    assert.strictEqual(r2.posting_id, r1.posting_id);
    assert.throws(() => db.ledger_earn({ ...earn, points: 999 }),
      (e) => e instanceof patron.PatronError && e.code === 'PATRON_ECONFLICT' && e.message.length > 0);

    // redeem; too much fails with EBALANCE and changes nothing
    const red = db.ledger_redeem({ key: 'redeem-7', member_id: id, points: 50, at: at + 60 });
    assert.strictEqual(red.points, -50);
    assert.throws(() => db.ledger_redeem({ key: 'redeem-8', member_id: id, points: 1000, at: at + 70 }),
      (e) => e.code === 'PATRON_EBALANCE' && e.status === native.PATRON_EBALANCE);
    const bal = db.ledger_balance(id, at + 3600);
    assert.strictEqual(bal.available, 70);

    // statement is iterable
    const st = db.ledger_statement(id, at - 1, at + 3600);
    const postings = [...st];
    assert.strictEqual(postings.length, 2);
    assert.deepStrictEqual(postings.map((p) => p.points), [120, -50]);
    assert.strictEqual(postings[0].key, 'order-1001');
    st.close();

    // segment: frequent buyers in a summary frame
    const frame = patron.Frame.from_arrays(4, BigInt64Array.from([11n, 12n, 13n, 14n]),
      Float64Array.from([0, 3, 1, 5]), Float64Array.from([0, 20, 3, 30]),
      Float64Array.from([40, 40, 40, 40]), null);
    const sel = patron.Selection.rule_select(frame, 'frequency >= 2', null);
    assert.deepStrictEqual([...sel], [1, 3]);
    assert.strictEqual(sel.count(), 2);
    sel.close();
    assert.throws(() => patron.Selection.rule_select(frame, 'frequency >=', null),
      (e) => e instanceof patron.PatronError && e.code === 'PATRON_EPARSE');
    frame.close();

    // A/B test: deterministic assignment, then a two-proportion test
    const arms = [0, 0];
    for (let i = 0; i < 200; i++) arms[patron.abtest.assign('promo-2026', `m${i}`, Float64Array.from([1, 1]), 2, null)]++;
    assert.strictEqual(arms[0] + arms[1], 200);
    assert.ok(arms[0] > 70 && arms[1] > 70);
    const ab = patron.abtest.proportions(120, 1000, 150, 1000, 0.05);
    const p = 270 / 2000;
    const z = (0.15 - 0.12) / Math.sqrt(p * (1 - p) * (2 / 1000));
    assert.ok(Math.abs(ab.pooled.statistic - z) < 1e-12);
    assert.strictEqual(ab.pooled.significant, ab.pooled.p_two_sided <= 0.05 ? 1 : 0);
  } finally {
    db.close();
  }
  assert.strictEqual(db.closed, true);
  assert.throws(() => db.ledger_balance(1, 0), /closed/);
});

test(`negative balances when the policy allows them (${backend})`, { skip: skipIt }, () => {
  const at = Date.UTC(2026, 0, 15) / 1000;
  const db = patron.open(storeUri(backend));
  try {
    const id = db.profile_add({ name: 'Cy', email: 'cy@example.com', consent: 'none' }, at);
    const earn = db.ledger_earn({ key: 'o-1', member_id: id, points: 100, at });
    db.ledger_redeem({ key: 'r-1', member_id: id, points: 100, at: at + 1 });
    const refund = { key: 'refund-1', target: earn.posting_id, at: at + 2 };
    assert.throws(() => db.ledger_reverse(refund), (e) => e.code === 'PATRON_EBALANCE');
    db.ledger_set_policy({ overdraft_limit: 150 });
    assert.strictEqual(db.ledger_get_policy().overdraft_limit, 150);
    db.ledger_reverse(refund);
    assert.strictEqual(db.ledger_balance(id, at + 3).available, -100);
    assert.throws(() => db.ledger_redeem({ key: 'r-2', member_id: id, points: 51, at: at + 4 }),
      (e) => e.code === 'PATRON_EBALANCE' && /overdraft limit/.test(e.message));
    db.ledger_earn({ key: 'o-2', member_id: id, points: 130, at: at + 5 });
    assert.strictEqual(db.ledger_balance(id, at + 6).available, 30);
    assert.strictEqual(db.ledger_check().problems, 0);
  } finally {
    db.close();
  }
});

test(`earn_many: an array of requests, all or nothing (${backend})`, { skip: skipIt }, () => {
  const at = Date.UTC(2026, 0, 15) / 1000;
  const db = patron.open(storeUri(backend));
  try {
    const a = db.profile_add({ name: 'A', phone: '+972501234001', consent: 'none' }, at);
    const b = db.profile_add({ name: 'B', phone: '+972501234002', consent: 'none' }, at);
    const reqs = [0, 1, 2, 3, 4].map((i) => ({ key: `o-${i}`, member_id: i % 2 ? b : a, points: 10 + i, at: at + i }));
    const res = db.ledger_earn_many(reqs, reqs.length);
    assert.deepStrictEqual(res.map((r) => Number(r.points)), [10, 11, 12, 13, 14]);
    assert.deepStrictEqual(res.map((r) => r.replayed), [0, 0, 0, 0, 0]);
    const again = db.ledger_earn_many([reqs[0], reqs[1], { key: 'o-new', member_id: a, points: 1, at }], 3);
    assert.deepStrictEqual(again.map((r) => r.replayed), [1, 1, 0]);
    assert.strictEqual(again[1].posting_id, res[1].posting_id);
    const bad = [{ key: 'o-x', member_id: a, points: 5, at }, { key: 'o-y', member_id: a, points: 0, at }];
    assert.throws(() => db.ledger_earn_many(bad, 2),
      (e) => e.code === 'PATRON_EINVAL' && /request 1:/.test(e.message));
    assert.strictEqual(Number(db.ledger_balance(a, at + 3600).available), 10 + 12 + 14 + 1);
    assert.strictEqual(Number(db.ledger_balance(b, at + 3600).available), 11 + 13);
  } finally {
    db.close();
  }
});
}
