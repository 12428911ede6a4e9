'use strict';
// Every C function that writes an output array, called through the Node
// binding with a large n (issues #18/#20/#21: the generator once bound such
// arrays as one element and the C function wrote n into it). The list comes
// from the header annotations (tools/bindgen/generate --array-outputs), so a
// new array-output function without a case here fails the first test. Each
// case fills its outputs with a sentinel, calls with N elements and checks
// all N were written; a buffer one element short must be refused (RangeError).
const test = require('node:test');
const assert = require('node:assert');
const path = require('path');
const { execFileSync } = require('child_process');
const { native } = require('..');

const ROOT = path.join(__dirname, '..', '..', '..');
const N = 200000;
const listed = JSON.parse(execFileSync('python3', [path.join(ROOT, 'tools', 'bindgen', 'generate'), '--array-outputs'],
  { encoding: 'utf8' }));

const SENTINEL = { Float64Array: NaN, Uint8Array: 255, Int32Array: -7, BigInt64Array: -7n, BigUint64Array: 2n ** 64n - 1n };
const buf = (T, n) => new T(n).fill(SENTINEL[T.name]);
const written = (a) => (a instanceof Float64Array ? !a.some(Number.isNaN) : !a.some((v) => v === SENTINEL[a.constructor.name]));

// deterministic pseudo-random numbers (no dependency)
function lcg(seed) {
  let s = BigInt(seed);
  return () => { s = (s * 6364136223846793005n + 1442695040888963407n) & 0xffffffffffffffffn; return Number(s >> 11n) / 2 ** 53; };
}

function clvArrays(n) {
  const u = lcg(7);
  const T = new Float64Array(n), x = new Float64Array(n), t = new Float64Array(n), m = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    T[i] = 10 + 30 * u();
    x[i] = Math.floor(8 * u());
    t[i] = x[i] > 0 ? T[i] * (0.1 + 0.9 * u()) : 0;
    m[i] = x[i] > 0 ? 5 + 45 * u() : 0;
  }
  return { x, t, T, m };
}
const params = (model, ...p) => ({ model, p: [...p, 0, 0, 0, 0].slice(0, 4) });
const BGNBD = params(native.PATRON_CLV_BGNBD, 0.243, 4.414, 0.793, 2.426);
const PNBD = params(native.PATRON_CLV_PNBD, 0.553, 10.58, 0.606, 11.67);
const GG = params(native.PATRON_CLV_GG, 6.25, 3.74, 15.44);

// the low layer takes patron_clv_data with typed-array columns
function clvData(n) {
  const a = clvArrays(n);
  return { n, frequency: a.x, recency: a.t, T: a.T, monetary: a.m, weights: null };
}
function frame(n) {
  const a = clvArrays(n);
  const m = a.m.map((v) => v + 1);
  return native.patron_frame_from_arrays(n, null, a.x, a.t, a.T, m);
}
function survival(n) {
  const time = new Float64Array(n), event = new Int32Array(n).fill(1), arm = new Int32Array(n);
  for (let i = 0; i < n; i++) time[i] = ((i * 7919) % n) + 1; // distinct times (7919 is prime)
  return { time, event, arm };
}

function bgbbData(n) {
  const u = lcg(3);
  const x = new Float64Array(n), t = new Float64Array(n), T = new Float64Array(n).fill(10), m = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    x[i] = Math.floor(6 * u());
    t[i] = x[i] > 0 ? Math.min(10, x[i] + Math.floor(5 * u())) : 0;
  }
  return { n, frequency: x, recency: t, T, monetary: m, weights: null };
}
const BGBB = params(native.PATRON_CLV_BGBB, 1.204, 0.750, 0.657, 2.783);
let fitOnce = null;
const fit = () => fitOnce || (fitOnce = native.patron_clv_fit(native.PATRON_CLV_GG, clvData(2000)));

const CASES = {
  patron_clv_prob_alive_ahead: [{ out: Float64Array }, N,
    (o, n) => native.patron_clv_prob_alive_ahead(o.out, BGBB, bgbbData(n), 0)],
  patron_clv_prob_purchases_conditional: [{ out: Float64Array }, N,
    (o, n) => native.patron_clv_prob_purchases_conditional(o.out, BGNBD, clvData(n), 4, 1)],
  patron_clv_predict_with: [{ expected: Float64Array, alive: Float64Array }, N,
    (o, n) => native.patron_clv_predict_with(o.expected, o.alive, BGNBD, clvData(n), 4, null)],
  patron_clv_lifetime_value_with: [{ out: Float64Array }, N,
    (o, n) => native.patron_clv_lifetime_value_with(o.out, BGNBD, GG, clvData(n), 12, 0.01, 1, null)],
  patron_clv_mixing_density: [{ out: Float64Array }, N, (o, n) => {
    const x = new Float64Array(n);
    for (let i = 0; i < n; i++) x[i] = 0.01 + (5 * i) / n;
    native.patron_clv_mixing_density(o.out, BGNBD, native.PATRON_CLV_MIX_PURCHASE, x, n);
  }],
  patron_clv_param_intervals: [{ lower: Float64Array, upper: Float64Array }, 3,
    (o) => native.patron_clv_param_intervals(o.lower, o.upper, fit(), 0.95)],
  patron_rng_draw: [{ out: Float64Array }, N, (o, n) => {
    // a patron_rng passed as an object is converted for the call (its state is not written back)
    native.patron_rng_draw({ s: [1n, 2n, 3n, 4n] }, native.PATRON_DIST_UNIFORM, 0, 1, o.out, n);
  }],
  patron_clv_log_likelihood: [{ out: Float64Array }, N, (o, n) => native.patron_clv_log_likelihood(o.out, BGNBD, clvData(n))],
  patron_clv_expected_purchases: [{ out: Float64Array }, N,
    (o, n) => native.patron_clv_expected_purchases(o.out, BGNBD, clvData(n), 4)],
  patron_clv_prob_alive: [{ out: Float64Array }, N, (o, n) => native.patron_clv_prob_alive(o.out, BGNBD, clvData(n))],
  patron_clv_predict: [{ expected: Float64Array, alive: Float64Array }, N,
    (o, n) => native.patron_clv_predict(o.expected, o.alive, BGNBD, clvData(n), 4)],
  patron_clv_expected_purchases_new: [{ out: Float64Array }, N, (o, n) => {
    const t = Float64Array.from({ length: n }, (_, i) => 0.5 + (40 * i) / n);
    native.patron_clv_expected_purchases_new(o.out, BGNBD, t, n);
  }],
  patron_clv_prob_purchases: [{ out: Float64Array }, N, (o, n) => {
    const k = BigInt64Array.from({ length: n }, (_, i) => BigInt(i % 5));
    native.patron_clv_prob_purchases(o.out, BGNBD, new Float64Array(n).fill(10), k, n);
  }],
  patron_clv_expected_cohort: [{ out: Float64Array }, N, (o, n) => {
    const h = Float64Array.from({ length: n }, (_, i) => 1 + (49 * i) / n);
    native.patron_clv_expected_cohort(o.out, BGNBD, Float64Array.of(0, 1, 2), null, 3, h, n);
  }],
  patron_clv_expected_spend: [{ out: Float64Array }, N, (o, n) => native.patron_clv_expected_spend(o.out, GG, clvData(n))],
  patron_clv_lifetime_value: [{ out: Float64Array }, N,
    (o, n) => native.patron_clv_lifetime_value(o.out, BGNBD, GG, clvData(n), 12, 0.01, 1)],
  patron_clv_dert: [{ out: Float64Array }, N, (o, n) => native.patron_clv_dert(o.out, PNBD, clvData(n), 0.01)],
  patron_abtest_km: [{ surv: Float64Array, std_err: Float64Array }, N, (o, n) => {
    const m = 1000; // observations; the output length is the number of time points (km is O(m * n))
    const s = survival(m);
    const at = Float64Array.from({ length: n }, (_, i) => (m * i) / n);
    native.patron_abtest_km(o.surv, o.std_err, s.time, s.event, s.arm, m, 0, at, n);
  }],
  patron_abtest_km_curve: [{ times: Float64Array, surv: Float64Array, std_err: Float64Array, at_risk: BigInt64Array }, N,
    (o, n) => {
      const s = survival(n);
      const r = native.patron_abtest_km_curve(o.times, o.surv, o.std_err, o.at_risk, n, s.time, s.event, s.arm, n, 0);
      assert.strictEqual(Number(r), n);
    }],
  patron_abtest_msprt: [{ lambda: Float64Array, p_value: Float64Array, reject: Int32Array }, N, (o, n) => {
    const looks = BigInt64Array.from({ length: n }, (_, i) => BigInt((i + 1) * 10));
    native.patron_abtest_msprt(o.lambda, o.p_value, o.reject, looks, new Float64Array(n).fill(0.01), null, null, n,
      1, 0.01, 0, 0.05);
  }],
  // k is at most 50 (the function's documented limit): the largest n it takes
  patron_abtest_group_sequential: [{ cumulative_alpha: Float64Array, z_bounds: Float64Array, nominal_p: Float64Array }, 50,
    (o, n) => native.patron_abtest_group_sequential(o.cumulative_alpha, o.z_bounds, o.nominal_p,
      Float64Array.from({ length: n }, (_, i) => (i + 1) / n), n, 0.025, native.PATRON_ABTEST_SPEND_OBF)],
  patron_abtest_adjust: [{ holm: Float64Array, bh: Float64Array, bonferroni: Float64Array }, N, (o, n) => {
    const p = Float64Array.from({ length: n }, (_, i) => 1e-6 + i / n);
    native.patron_abtest_adjust(o.holm, o.bh, o.bonferroni, p, n);
  }],
  patron_abtest_winsorize: [{ out_a: Float64Array, out_b: Float64Array }, N, (o, n) => {
    const a = Float64Array.from({ length: n }, (_, i) => i / n), b = Float64Array.from({ length: n }, (_, i) => 2 * i / n);
    native.patron_abtest_winsorize(o.out_a, o.out_b, a, n, b, n, 0.01, 0.99);
  }],
  patron_selection_rows: [{ rows: BigUint64Array }, N, (o, n) => {
    const sel = native.patron_selection_new(n);
    for (let r = 0; r < n; r++) native.patron_selection_set(sel, r, 1);
    assert.strictEqual(Number(native.patron_selection_rows(sel, o.rows, n)), n);
    assert.strictEqual(o.rows[n - 1], BigInt(n - 1));
    native.patron_selection_free(sel);
  }],
  patron_ntile_scores: [{ scores: Uint8Array }, N, (o, n) => {
    const u = lcg(1);
    native.patron_ntile_scores(o.scores, Float64Array.from({ length: n }, u), n, 5, 1);
    assert.deepStrictEqual([...new Set(o.scores)].sort(), [1, 2, 3, 4, 5]);
  }],
  patron_rfm_score: [{ r: Uint8Array, f: Uint8Array, m: Uint8Array }, N,
    (o, n) => native.patron_rfm_score(o.r, o.f, o.m, frame(n), null)],
  patron_value_deciles: [{ deciles: Uint8Array }, N,
    (o, n) => native.patron_value_deciles(o.deciles, frame(n), 'monetary_value')],
  patron_plan_inputs_from_json: [{ acquisitions: BigInt64Array }, N,
    (o, n) => native.patron_plan_inputs_from_json({}, o.acquisitions, n, '{"acquisitions": [5, 6]}', 24)],
};
const RETURNED = new Set(['patron_report_campaigns', 'patron_ledger_earn_many']); // struct arrays the binding allocates and returns
const MAY_BE_NAN = new Set(['patron_abtest_km.std_err', 'patron_abtest_km_curve.std_err']); // NaN where S = 0

test('every array-output function has a case', () => {
  assert.deepStrictEqual(Object.keys(listed).sort(), [...Object.keys(CASES), ...RETURNED].sort());
  for (const [name, [outs]] of Object.entries(CASES)) {
    assert.deepStrictEqual(Object.keys(outs).sort(), Object.keys(listed[name]).sort(), name);
  }
});

for (const [name, [outs, n, call]] of Object.entries(CASES)) {
  test(`${name} writes all ${n} elements`, () => {
    const o = Object.fromEntries(Object.entries(outs).map(([k, T]) => [k, buf(T, n)]));
    call(o, n);
    for (const k of Object.keys(outs)) {
      if (MAY_BE_NAN.has(`${name}.${k}`)) continue;
      if (name === 'patron_abtest_msprt' && k === 'reject') assert.ok(o[k].every((v) => v === 0 || v === 1));
      else assert.ok(written(o[k]), `${name}: '${k}' not fully written`);
    }
  });
  test(`${name} refuses an output one element short`, () => {
    for (const short of Object.keys(outs)) {
      const o = Object.fromEntries(Object.entries(outs).map(([k, T]) => [k, buf(T, k === short ? n - 1 : n)]));
      assert.throws(() => call(o, n), (e) => e instanceof RangeError &&
        e.message.includes(`argument '${short}': has ${n - 1} elements`), `${name}.${short}`);
    }
  });
}

test('patron_report_campaigns returns n reports', () => {
  const counts = Array.from({ length: N }, (_, i) => ({ name: `c${i}`, sent: 1000 + i, opened: 500, clicked: 100, converted: i % 50 }));
  const reports = native.patron_report_campaigns(counts, N, null);
  assert.strictEqual(reports.length, N);
  const last = reports[N - 1];
  assert.strictEqual(last.name, `c${N - 1}`);
  assert.strictEqual(Number(last.sent), 1000 + N - 1);
  assert.ok(Math.abs(last.open_rate - 500 / (1000 + N - 1)) < 1e-12);
  assert.throws(() => native.patron_report_campaigns(counts.slice(0, 2), 3, null),
    (e) => e instanceof RangeError && e.message.includes("argument 'in': has 2 elements"));
});
