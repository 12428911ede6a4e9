'use strict';
// The relative-effect Bayesian model, one-sided confidence sequences and
// group-sequential futility bounds from Node, against the references the C
// suite uses (tests/data/abtest_seqbayes_vectors.json; see its generator).
const test = require('node:test');
const assert = require('node:assert');
const fs = require('node:fs');
const path = require('node:path');
const patron = require('..');

const data = path.join(__dirname, '..', '..', '..', 'tests', 'data');
const ref = JSON.parse(fs.readFileSync(path.join(data, 'abtest_seqbayes_vectors.json'), 'utf8'));
const skip = typeof patron.native.patron_abtest_bayes_relative !== 'function' && 'no relative Bayesian model in this build';
const close = (got, want, rel, abs = 0) => assert.ok(Math.abs(got - want) <= rel * Math.abs(want) + abs,
  `${got} vs ${want}`);
const spend = (s) => (s === 'pocock' ? patron.native.PATRON_ABTEST_SPEND_POCOCK : patron.native.PATRON_ABTEST_SPEND_OBF);

test('relative-effect Bayesian model', { skip }, () => {
  for (const c of ref.bayes_relative) {
    const e = c.expected;
    const r = c.kind === 'proportions'
      ? patron.abtest.bayes_relative_proportions(c.x_a, c.n_a, c.x_b, c.n_b, c.alpha, c.prior_mean, c.prior_variance)
      : patron.abtest.bayes_relative({ n: c.n_a, mean: c.mean_a, sd: c.sd_a }, { n: c.n_b, mean: c.mean_b, sd: c.sd_b },
        c.alpha, c.prior_mean, c.prior_variance);
    close(r.posterior_mean, e.posterior_mean, 1e-12, 1e-15 * e.posterior_sd);
    close(r.posterior_sd, e.posterior_sd, 1e-12);
    close(r.chance_to_win, e.chance_to_win, 1e-11, 1e-16);
    close(r.risk_choose_treatment, e.risk_choose_treatment, 1e-10, 1e-16);
    close(r.credible_interval[1], e.credible_interval[1], 1e-11);
  }
  assert.throws(() => patron.abtest.bayes_relative_proportions(0, 100, 3, 100, 0.05, 0, 0), /A's mean is 0/);
});

test('one-sided confidence sequence', { skip }, () => {
  for (const c of ref.cs_one_sided) {
    const r = patron.abtest.confidence_sequence_one_sided(c.estimate, c.se, c.n_total, c.alpha, c.n_star,
      c.test_value, c.direction);
    close(r.bound, c.expected.bound, 1e-12, 1e-15);
    close(r.p_value, c.expected.p_value, 1e-10, 1e-300);
    assert.strictEqual(Boolean(r.significant), c.expected.significant);
  }
});

test('futility bounds', { skip }, () => {
  for (const c of ref.gs_futility) {
    const k = c.information_rates.length;
    const r = patron.abtest.group_sequential_futility(Float64Array.from(c.information_rates), k, c.alpha, c.beta,
      spend(c.alpha_spending), spend(c.beta_spending));
    close(r.drift, c.expected.drift, 1e-10);
    for (let i = 0; i < k; i++) close(r.futility_z[i], c.expected.futility_z[i], 1e-9, 1e-10);
  }
  assert.throws(() => patron.abtest.group_sequential_futility(Float64Array.from([0.5, 1]), 2, 0.025, 0.6,
    spend('obf'), spend('obf')), /beta 0.6 is outside/);
});
