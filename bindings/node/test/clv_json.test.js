'use strict';
// The CLV parameters format through the Node binding: the library writes and
// reads it (patron.clv.fit_to_json / fit_from_json / params_to_json /
// params_from_json), exactly, and errors name the member at fault.
const test = require('node:test');
const assert = require('node:assert');
const patron = require('..');

const data = {
  n: 12,
  frequency: new Float64Array([0, 1, 2, 0, 4, 1, 3, 0, 2, 5, 1, 0]),
  recency: new Float64Array([0, 10, 20, 0, 30, 5, 25, 0, 12, 33, 8, 0]),
  T: new Float64Array([40, 38, 35, 30, 40, 20, 39, 25, 30, 36, 22, 18]),
  monetary: null,
  weights: null,
};

test('a fit round-trips through the library JSON exactly', () => {
  const fit = patron.clv.fit(patron.native.PATRON_CLV_BGNBD, data, { penalizer: 0.01 });
  const js = patron.clv.fit_to_json(fit);
  const doc = JSON.parse(js);
  assert.strictEqual(doc.model, 'bgnbd');
  assert.deepStrictEqual(Object.keys(doc.params), ['r', 'alpha', 'a', 'b']);
  const back = patron.clv.fit_from_json(js, Buffer.byteLength(js));
  assert.deepStrictEqual(Array.from(back.params.p), Array.from(fit.params.p));
  assert.deepStrictEqual(Array.from(back.se), Array.from(fit.se));
  assert.strictEqual(back.log_likelihood, fit.log_likelihood);
  const p = patron.clv.params_from_json(js, Buffer.byteLength(js));
  assert.deepStrictEqual(Array.from(p.p), Array.from(fit.params.p));
  assert.strictEqual(patron.clv.params_to_json(p), patron.clv.params_to_json(fit.params));
});

test('errors name the member', () => {
  const bad = '{"model": "bgnbd", "params": {"r": 1}}';
  assert.throws(() => patron.clv.params_from_json(bad, bad.length),
    (e) => e.code === 'PATRON_EINVAL' && /params\.alpha is missing/.test(e.message));
});
