'use strict';
// Several arms against a control and Fisher's far tail from Node, against
// the references the C suites use (tests/data/*.json; see their generators).
const test = require('node:test');
const assert = require('node:assert');
const fs = require('node:fs');
const path = require('node:path');
const patron = require('..');

const data = path.join(__dirname, '..', '..', '..', 'tests', 'data');
const skip = typeof patron.native.patron_abtest_many_means !== 'function' && 'no many-arm tests in this build';

const close = (got, want, rel) => assert.ok(Math.abs(got - want) <= rel * Math.abs(want),
  `${got} vs ${want}`);

test('Dunnett adjusted p and critical values', { skip }, () => {
  const { cases } = JSON.parse(fs.readFileSync(path.join(data, 'abtest_many_vectors.json'), 'utf8'));
  for (const c of cases) {
    const k = c.n.length;
    const n = BigInt64Array.from(c.n.map(BigInt));
    const opts = { alpha: c.alpha, sides: c.sides, method: 0 };
    const r = c.kind === 'means'
      ? patron.abtest.many_means(n, Float64Array.from(c.mean), Float64Array.from(c.sd), k, opts)
      : patron.abtest.many_proportions(BigInt64Array.from(c.x.map(BigInt)), n, k, opts);
    assert.strictEqual(Number(r.n_comparisons), k - 1);
    for (let i = 0; i < k - 1; i++) {
      close(r.statistic[i], c.statistic[i], 1e-12);
      close(r.p_adjusted[i], c.p_adjusted[i], 1e-9);
    }
    close(r.critical_value, c.critical_value, 1e-9);
  }
});

test('errors name the arm', { skip }, () => {
  assert.throws(() => patron.abtest.many_proportions(BigInt64Array.from([1n, 20n, 3n]),
    BigInt64Array.from([10n, 10n, 10n]), 3, null), /arm 1: x is 20/);
});

test('Fisher log p where p underflows', () => {
  const { fisher } = JSON.parse(fs.readFileSync(path.join(data, 'abtest_tail_vectors.json'), 'utf8'));
  for (const c of fisher.slice(0, 3)) {
    const r = patron.abtest.fisher(BigInt64Array.from(c.table.map(BigInt)), 0.05);
    close(r.log_p_two_sided, c.log_p_two_sided, 1e-12);
    if (c.log_p_less !== 0) close(r.log_p_less, c.log_p_less, 1e-12);
    if (c.log_p_greater !== 0) close(r.log_p_greater, c.log_p_greater, 1e-12);
  }
});
