'use strict';
// Regression adjustment, post-stratification, quantiles, bootstrap and
// winsorising from Node, against the references the C suites use
// (tests/data/abtest_adjust_vectors.json: statsmodels/numpy/scipy;
// tests/data/abtest_boot_vectors.json: a Python model of the resampling
// stream; see gen_abtest_adjust.py and gen_abtest_boot.py).
const test = require('node:test');
const assert = require('node:assert');
const fs = require('node:fs');
const path = require('node:path');
const patron = require('..');

const data = path.join(__dirname, '..', '..', '..', 'tests', 'data');
const skip = typeof patron.native.patron_abtest_cuped_rows !== 'function' && 'no regression adjustment in this build';
const adj = () => JSON.parse(fs.readFileSync(path.join(data, 'abtest_adjust_vectors.json'), 'utf8')).cases;
const boot = () => JSON.parse(fs.readFileSync(path.join(data, 'abtest_boot_vectors.json'), 'utf8'));
const close = (got, want, rel, what) => assert.ok(Math.abs(got - want) <= rel * Math.abs(want) + 1e-12,
  `${what}: ${got} vs ${want}`);
const flat = (rows) => ({ v: Float64Array.from(rows.flat()), n: rows.length, p: rows[0].length });

test('CUPED with several covariates: rows and sufficient statistics agree with statsmodels', { skip }, () => {
  for (const c of adj().filter((x) => x.kind === 'cuped' || x.kind === 'ratio')) {
    const a = flat(c.rows_a), b = flat(c.rows_b);
    const ratio = c.kind === 'ratio';
    const r = ratio ? patron.abtest.ratio_cuped_rows(a.v, a.n, b.v, b.n, a.p, c.alpha)
      : patron.abtest.cuped_rows(a.v, a.n, b.v, b.n, a.p, c.alpha);
    const ma = patron.abtest.moments_from_rows(a.v, a.n, a.p), mb = patron.abtest.moments_from_rows(b.v, b.n, b.p);
    const m = ratio ? patron.abtest.ratio_cuped_moments(ma, mb, c.alpha) : patron.abtest.cuped_moments(ma, mb, c.alpha);
    for (const [res, rel] of [[r, 1e-10], [m, 1e-8]]) {
      close(res.effect.effect, c.effect, rel, 'effect');
      close(res.effect.se, c.se, rel, 'se');
      c.beta.forEach((v, i) => close(res.beta[i], v, rel, 'beta'));
      if (!ratio) close(res.ols.se, c.ols_se, rel, 'ols se');
    }
  }
});

test('post-stratification and quantiles', { skip }, () => {
  const cases = adj();
  const ps = cases.find((x) => x.kind === 'poststrat' && x.weights === null);
  const summary = (v) => {
    const n = v.length, mean = v.reduce((s, x) => s + x, 0) / n;
    return { n: BigInt(n), mean, sd: Math.sqrt(v.reduce((s, x) => s + (x - mean) ** 2, 0) / (n - 1)) };
  };
  const r = patron.abtest.poststratify(ps.strata_a.map(summary), ps.strata_b.map(summary), null, ps.strata_a.length,
    ps.alpha);
  close(r.effect.effect, ps.effect, 1e-10, 'poststrat effect');
  close(r.effect.se, ps.se, 1e-10, 'poststrat se');
  for (const c of cases.filter((x) => x.kind === 'quantile')) {
    const q = patron.abtest.quantile(Float64Array.from(c.a), c.a.length, Float64Array.from(c.b), c.b.length, c.q, c.alpha);
    close(q.quantile_b, c.quantile_b, 1e-14, 'quantile');
    close(q.diff.se, c.se, 1e-12, 'quantile se');
    assert.deepStrictEqual([...q.ci_a], c.ci_a);
  }
  assert.throws(() => patron.abtest.quantile(Float64Array.from([1, 2]), 2, Float64Array.from([1, 2]), 2, 1.5, 0.05),
    /q 1.5 is outside/);
});

test('bootstrap replicates follow the specified stream; winsorising', { skip }, () => {
  const d = boot();
  for (const c of d.cases) {
    const a = flat(c.rows_a), b = flat(c.rows_b);
    const r = patron.abtest.bootstrap(a.v, a.n, b.v, b.n, a.p, c.stat,
      { replicates: c.replicates, seed: BigInt(c.seed), alpha: c.alpha, q: c.q, relative: c.relative });
    const tol = c.stat === 3 ? 1e-10 : 1e-13;
    close(r.estimate, c.estimate, tol, 'estimate');
    close(r.ci_percentile[0], c.ci_percentile[0], tol, 'percentile');
    close(r.ci_percentile[1], c.ci_percentile[1], tol, 'percentile');
    if (c.stat !== 2) close(r.ci_bca[1], c.ci_bca[1], tol * 10, 'bca');
  }
  const w = d.winsorize;
  const oa = new Float64Array(w.a.length), ob = new Float64Array(w.b.length);
  const caps = patron.abtest.winsorize(oa, ob, Float64Array.from(w.a), w.a.length, Float64Array.from(w.b), w.b.length,
    w.lower_q, w.upper_q);
  close(caps.cap_low, w.caps[0], 1e-15, 'cap');
  close(caps.cap_high, w.caps[1], 1e-15, 'cap');
  w.out_a.forEach((v, i) => close(oa[i], v, 1e-15, 'capped'));
});
