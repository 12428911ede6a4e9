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
