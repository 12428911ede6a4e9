'use strict';
const test = require('node:test');
const assert = require('node:assert');
const patron = require('..');
const { native } = patron;

const skip = typeof native.patron_summarize !== 'function' && 'summary module not in this libpatron build';

test('txlog handle: methods, close(), closed handles refuse calls', { skip }, () => {
  const log = patron.Txlog.new({ decimals: 2 });
  log.add_id(7, 0, 100);
  log.add_id(7, 86400 * 10, 250);
  assert.strictEqual(log.count(), 2);
  log.close();
  assert.strictEqual(log.closed, true);
  log.close(); // idempotent
  assert.throws(() => log.count(), /closed/);
});

test('C failures throw PatronError with code and errmsg detail', { skip }, () => {
  const log = patron.Txlog.new();
  try {
    assert.throws(() => log.add_id(1, 1e15, 5), (e) => {
      assert.ok(e instanceof patron.PatronError);
      assert.strictEqual(e.code, 'PATRON_ERANGE');
      assert.strictEqual(e.status, native.PATRON_ERANGE);
      assert.match(e.message, /time/);
      return true;
    });
  } finally {
    log.close();
  }
});

test('batch add from TypedArrays (zero-copy) and summarize', { skip }, () => {
  const log = patron.Txlog.new();
  const ids = BigInt64Array.from([1n, 1n, 2n]);
  const t = BigInt64Array.from([0n, 864000n, 345600n]);
  const amt = BigInt64Array.from([1000n, 2050n, 500n]);
  log.add_batch(ids, t, amt, 3);
  assert.throws(() => log.add_batch(new Float64Array(3), t, amt, 3), TypeError);
  const f = log.summarize();
  assert.ok(f instanceof patron.Frame);
  assert.strictEqual(f.rows(), 2);
  const col = f.find('frequency', native.PATRON_COL_DOUBLE);
  assert.strictEqual(typeof col, 'number');
  f.close();
  log.close();
});

test('struct arrays: returned (report weekly) and passed (tier definitions)', {
  skip: (typeof native.patron_report_weekly !== 'function' || typeof native.patron_tier_configure !== 'function') &&
    'report/tier modules not in this libpatron build',
}, () => {
  const at = 1768435200;
  const log = patron.Txlog.new();
  log.add_id(1, at, 1000);
  log.add_id(2, at + 8 * 86400, 500);
  const weeks = native.patron_report_weekly(log, null);
  log.close();
  assert.ok(Array.isArray(weeks) && weeks.length >= 2);
  assert.strictEqual(weeks.reduce((s, w) => s + w.purchases, 0), 2);
  assert.strictEqual(weeks.reduce((s, w) => s + w.spend, 0), 1500);
  const db = patron.open(':memory:');
  try {
    db.tier_configure(null, [{ name: 'silver', threshold: 0 }, { name: 'gold', threshold: 1000 }], 2);
    const id = db.profile_add({ name: 'Bo', email: 'bo@example.com', consent: 'none' }, at);
    assert.strictEqual(db.tier_evaluate(id, at).tier, 'silver');
  } finally {
    db.close();
  }
});
