'use strict';
// Probability to be best, margins and planning with variance reduction or
// for ratio metrics from Node, against the references the C suites use
// (tests/data/abtest_{best,margin,plan}_vectors.json; see their generators).
const test = require('node:test');
const assert = require('node:assert');
const fs = require('node:fs');
const path = require('node:path');
const patron = require('..');

const data = path.join(__dirname, '..', '..', '..', 'tests', 'data');
const skip = typeof patron.native.patron_abtest_best_means !== 'function' && 'no decision functions in this build';
const read = (name) => JSON.parse(fs.readFileSync(path.join(data, name), 'utf8'));

const close = (got, want, rel, abs = 0) => assert.ok(Math.abs(got - want) <= rel * Math.abs(want) + abs,
  `${got} vs ${want}`);

test('probability to be best and expected loss', { skip }, () => {
  for (const c of read('abtest_best_vectors.json').cases) {
    const k = c.n.length;
    const n = BigInt64Array.from(c.n.map(BigInt));
    const r = c.kind === 'means'
      ? patron.abtest.best_means(n, Float64Array.from(c.mean), Float64Array.from(c.sd), k)
      : patron.abtest.best_proportions(BigInt64Array.from(c.x.map(BigInt)), n, k, c.prior[0], c.prior[1]);
    assert.strictEqual(Number(r.n_arms), k);
    for (let i = 0; i < k; i++) {
      close(r.prob_best[i], c.prob_best[i], 1e-10, 1e-13);
      close(r.expected_loss[i], c.expected_loss[i], 0, 1e-11 * r.posterior_sd[i]);
    }
  }
  assert.throws(() => patron.abtest.best_proportions(BigInt64Array.from([1n, 12n]),
    BigInt64Array.from([10n, 10n]), 2, 1, 1), /arm 1 has x = 12, n = 10/);
});

test('non-inferiority and superiority margins', { skip }, () => {
  for (const c of read('abtest_margin_vectors.json').cases) {
    const opts = { kind: c.superiority, margin: c.margin, relative: c.relative, lower_is_better: c.lower_is_better,
      alpha: c.alpha, pooled_variance: c.pooled };
    const [a, b] = [c.a, c.b];
    const r = c.kind === 'means'
      ? patron.abtest.margin_means({ n: a[0], mean: a[1], sd: a[2] }, { n: b[0], mean: b[1], sd: b[2] }, opts)
      : patron.abtest.margin_proportions(a[0], a[1], b[0], b[1], opts);
    close(r.p, c.p, 1e-10);
    close(r.bound, c.bound, 1e-9, 1e-14);
    assert.strictEqual(r.threshold, c.threshold);
    assert.strictEqual(r.reject, c.p <= c.alpha ? 1 : 0);
  }
});

test('power with variance reduction and for ratio metrics', { skip }, () => {
  const doc = read('abtest_plan_vectors.json');
  const design = (c) => ({ alpha: c.alpha, power: c.power, ratio: c.ratio, sides: c.sides, n1_given: c.n1_given });
  for (const c of doc.reduced) {
    const r = patron.abtest.power_reduced(c.delta, c.sd, c.variance_reduction, design(c));
    close(r.n1_z, c.n1_z, 1e-12);
    close(r.n1_t, c.n1_t, 1e-7);
  }
  for (const c of doc.ratio) {
    const r = patron.abtest.power_ratio(c.mean_num, c.mean_den, c.var_num, c.var_den, c.cov, c.relative_lift,
      design(c));
    close(r.n1_t, c.n1_t, 1e-7);
    close(patron.abtest.ratio_unit_variance(c.mean_num, c.mean_den, c.var_num, c.var_den, c.cov),
      c.unit_variance, 1e-13);
  }
  assert.throws(() => patron.abtest.power_reduced(1, 10, 1), /variance_reduction 1 is outside/);
});
