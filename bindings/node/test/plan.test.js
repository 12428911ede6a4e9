'use strict';
// The program projection through the Node binding: patron.plan.project on
// a fitted BG/NBD and Gamma-Gamma with their covariances, the accessors,
// the JSON, a campaign, the seed, and the C messages for bad input.
const test = require('node:test');
const assert = require('node:assert');
const patron = require('..');

const N = patron.native;
const data = {
  n: 12,
  frequency: new Float64Array([0, 1, 2, 0, 4, 1, 3, 0, 2, 5, 1, 0]),
  recency: new Float64Array([0, 10, 20, 0, 30, 5, 25, 0, 12, 33, 8, 0]),
  T: new Float64Array([40, 38, 35, 30, 40, 20, 39, 25, 30, 36, 22, 18]),
  monetary: new Float64Array([0, 2500, 1800, 0, 4200, 3100, 2500, 0, 1900, 2200, 4000, 0]),
  weights: null,
};

function fit(model, p, sd) {
  const f = { params: { model, p: new Float64Array(4) }, n_params: p.length, cov: new Float64Array(16) };
  p.forEach((v, i) => { f.params.p[i] = v; f.cov[i * 4 + i] = sd[i] * sd[i]; });
  return f;
}
const bg = fit(N.PATRON_CLV_BGNBD, [0.243, 4.414, 0.793, 2.426], [0.013, 0.38, 0.19, 0.71]);
const gg = fit(N.PATRON_CLV_GG, [6.25, 3.74, 1544], [1.2, 0.5, 400]);
const acq = new BigInt64Array([10n, 0n, 5n, 20n]);
const opts = { years: 3, draws: 25, seed: 7n, periods_per_year: 52 };

test('a projection: members counted, scenarios ordered, JSON the same values', () => {
  const plan = patron.plan.project(bg, gg, data, acq, 4, opts);
  assert.strictEqual(patron.plan.years(plan), 3);
  assert.strictEqual(patron.plan.draws(plan), 25);
  assert.strictEqual(patron.plan.value(plan, 1, N.PATRON_PLAN_MEMBERS, N.PATRON_PLAN_ESTIMATE), 12 + 35);
  for (let y = 1; y <= 3; y++) {
    const p10 = patron.plan.value(plan, y, N.PATRON_PLAN_REVENUE, N.PATRON_PLAN_P10);
    const p50 = patron.plan.value(plan, y, N.PATRON_PLAN_REVENUE, N.PATRON_PLAN_P50);
    const p90 = patron.plan.value(plan, y, N.PATRON_PLAN_REVENUE, N.PATRON_PLAN_P90);
    assert.ok(p10 <= p50 && p50 <= p90 && p10 < p90);
  }
  const doc = JSON.parse(patron.plan.to_json(plan));
  assert.strictEqual(doc.rows.length, 3 * N.PATRON_PLAN_N_METRICS);
  const row = doc.rows.find((r) => r.year === 2 && r.metric === 'points_issued');
  assert.strictEqual(row.p50, patron.plan.value(plan, 2, N.PATRON_PLAN_POINTS_ISSUED, N.PATRON_PLAN_P50));
  assert.strictEqual(patron.plan.metric_name(N.PATRON_PLAN_CUMULATIVE_ROI), 'cumulative_roi');
  const again = patron.plan.project(bg, gg, data, acq, 4, opts);
  assert.strictEqual(patron.plan.to_json(again), patron.plan.to_json(plan));
  const other = patron.plan.project(bg, gg, data, acq, 4, { ...opts, seed: 8n });
  assert.notStrictEqual(patron.plan.to_json(other), patron.plan.to_json(plan));
});

test('a campaign against the projection', () => {
  const plan = patron.plan.project(bg, gg, data, acq, 4, opts);
  const r = patron.plan.campaign_project(plan, { year: 2, target_share: 0.5, points: 1000, fixed_cost: 100, lift: 0.05, lift_se: 0.02 });
  assert.strictEqual(r.budget, 1100);
  const rev = patron.plan.value(plan, 2, N.PATRON_PLAN_REVENUE, N.PATRON_PLAN_ESTIMATE);
  assert.ok(Math.abs(r.incremental_revenue[0] - 0.5 * rev * 0.05) <= 1e-9 * rev);
  assert.ok(r.roi[1] <= r.roi[2] && r.roi[2] <= r.roi[3]);
});

test('bad input throws with the C message', () => {
  assert.throws(() => patron.plan.project(bg, gg, data, new BigInt64Array([1n, -4n]), 2, opts),
    (e) => e.code === 'PATRON_EINVAL' && /acquisitions month 2 is -4/.test(e.message));
  assert.throws(() => patron.plan.project(bg, gg, data, null, 0, { ...opts, years: 51 }),
    (e) => e.code === 'PATRON_EINVAL' && /years 51 is not within 1\.\.50/.test(e.message));
  assert.throws(() => patron.plan.project(bg, gg, data, null, 0, { ...opts, margin: NaN }),
    (e) => e.code === 'PATRON_EINVAL' && /option margin is nan/.test(e.message));
});

test('a plan file through the library', () => {
  const o = { ...opts };
  const buf = new BigInt64Array(600);
  const text = '{"years": 3, "draws": 25, "seed": 7, "periods_per_year": 52, "acquisitions": [10, 0, 5, 20]}';
  const n = patron.plan.inputs_from_json(o, buf, 600, text, Buffer.byteLength(text));
  assert.strictEqual(Number(n), 4);
  const a = patron.plan.project(bg, gg, data, buf.subarray(0, 4), 4, opts);
  assert.strictEqual(patron.plan.to_json(a), patron.plan.to_json(patron.plan.project(bg, gg, data, acq, 4, opts)));
  assert.throws(() => patron.plan.inputs_from_json(o, buf, 600, '{"x": 1}', 8),
    (e) => e.code === 'PATRON_EINVAL' && /unknown key "x"/.test(e.message));
});


test('a store projection starts from the stored fit; refit fits again', { skip: typeof N.patron_plan_fit_id !== 'function' && 'no stored-fit plan' }, () => {
  const db = patron.open(':memory:');
  try {
    const T0 = 1700000000, DAY = 86400;
    let seed = 7;
    const rnd = () => { seed = (seed * 1103515245 + 12345) % 2147483648; return seed / 2147483648; };
    db.batch_begin();
    let k = 0;
    for (let i = 0; i < 300; i++) {
      const m = db.profile_add({ name: 'M', email: `m${i}@example.com`, consent: 'none' }, T0);
      // a member's own purchase rate (exponential, mean 16 a month), mean spend and dropout chance
      const rate = -Math.log(1 - rnd()) * 16;
      const spend = 1000 + -Math.log(1 - rnd()) * 3000; // own mean spend
      const drop = 0.05 + 0.5 * rnd() * rnd(); // and own dropout chance after a purchase
      for (let t = T0 + Math.floor(rnd() * 60 * DAY); t < T0 + 300 * DAY;) {
        db.earn_purchase({ key: `o-${k++}`, member_id: m, at: t, lines: [{ amount: Math.floor(spend * (0.5 + rnd())) }], n_lines: 1 });
        if (rnd() < drop) break;
        t += Math.floor(-Math.log(1 - rnd()) / Math.max(rate / 30, 1e-3) * DAY) + 1;
      }
    }
    db.batch_commit();
    const asOf = T0 + 200 * DAY;
    const res = db.scores_refresh({ as_of: asOf, model: N.PATRON_CLV_MBGNBD });
    const o = { years: 2, draws: 10, seed: 2n, expiry_months: 12 };
    const plan = db.plan_from_db(asOf, new BigInt64Array(12).fill(5n), 12, o);
    assert.strictEqual(plan.fit_id(), res.fit_id);
    assert.strictEqual(plan.model(), N.PATRON_CLV_MBGNBD);
    assert.strictEqual(JSON.parse(plan.to_json()).model, "mbgnbd");
    assert.deepStrictEqual(JSON.parse(plan.to_json()).fit, { fit_id: Number(res.fit_id), as_of: asOf });
    const again = db.plan_from_db(asOf, new BigInt64Array(12).fill(5n), 12, { ...o, refit: 1 });
    assert.strictEqual(again.fit_id(), 0);
    assert.strictEqual(JSON.parse(again.to_json()).fit, null);
  } finally {
    db.close();
  }
});
