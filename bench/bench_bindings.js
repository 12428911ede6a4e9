'use strict';
// Binding overhead, Node side: the operations of bench_bindings.c through the
// patron addon. Usage:
//   PATRON_BUILD_DIR=build node bench/bench_bindings.js [customers]
const path = require('path');
const patron = require(path.join(__dirname, '..', 'bindings', 'node'));
const { native } = patron;

// Best of 7 runs: the machine is shared, the minimum is the least noisy estimate.
const median3 = (f) => Math.min(...Array.from({ length: 7 }, f));
const now = () => Number(process.hrtime.bigint()) / 1e9;
function perCall(fn, calls) {
  return median3(() => {
    const t0 = now();
    for (let i = 0; i < calls; i++) fn();
    return (now() - t0) / calls;
  });
}

const n = Number(process.argv[2] || 1000000);
console.log(`node trivial_call_ns ${(perCall(native.patron_version, 5000000) * 1e9).toFixed(1)}`);

const at = 1768435200;
const db = patron.open(':memory:');
const m = db.profile_add({ name: 'Ada Lovelace', email: 'ada@example.com', consent: 'email' }, at);
db.ledger_earn({ key: 'order-1', member_id: m, points: 120, at });
console.log(`node balance_lookup_us ${(perCall(() => db.ledger_balance(m, at + 60), 100000) * 1e6).toFixed(3)}`);
db.close();

const x = new Float64Array(n);
const tx = new Float64Array(n);
const T = new Float64Array(n);
for (let i = 0; i < n; i++) {
  x[i] = i % 13;
  T[i] = 39.0 - (i % 27) * 0.5;
  tx[i] = x[i] > 0 ? (T[i] * (i % 7)) / 7.0 : 0.0;
}
const params = { model: native.PATRON_CLV_BGNBD, p: [0.243, 4.414, 0.793, 2.426] };
const data = { n, frequency: x, recency: tx, T };
const sum = (a) => a.reduce((s, v) => s + v, 0);
let out;
let ms = median3(() => {
  const t0 = now();
  out = new Float64Array(n);
  patron.clv.expected_purchases(out, params, data, 39.0);
  return now() - t0;
}) * 1e3;
console.log(`node clv_predict_alloc_ms ${ms.toFixed(2)} n=${n} checksum=${sum(out).toFixed(6)} (allocates the output)`);
const out2 = new Float64Array(n);
native.patron_clv_expected_purchases(out2, params, data, 39.0);
const cpu = [];
ms = median3(() => {
  const t0 = now();
  const c0 = process.cpuUsage();
  native.patron_clv_expected_purchases(out2, params, data, 39.0);
  const c = process.cpuUsage(c0);
  cpu.push((c.user + c.system) / 1e3);
  return now() - t0;
}) * 1e3;
console.log(`node clv_predict_ms ${ms.toFixed(2)} cpu_ms ${Math.min(...cpu).toFixed(2)} n=${n} ` +
            `checksum=${sum(out2).toFixed(6)} (output preallocated)`);
