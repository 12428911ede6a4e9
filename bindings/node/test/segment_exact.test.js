'use strict';
// Segments through the binding (issue 20): a rule with a NUL character is
// refused instead of being cut at the NUL, and a value copied from a frame
// matches itself in a rule.
const test = require('node:test');
const assert = require('node:assert');
const patron = require('..');
const { native } = patron;

const skip = ['patron_rule_select', 'patron_frame_from_arrays'].some((f) => typeof native[f] !== 'function')
  && 'segment module not in this libpatron build yet';

function frame(monetary) {
  return patron.Frame.from_arrays(4, BigInt64Array.from([11n, 12n, 13n, 14n]),
    Float64Array.from([0, 3, 1, 5]), Float64Array.from([0, 20, 3, 30]),
    Float64Array.from([40, 40, 40, 40]), Float64Array.from(monetary));
}

test('a rule with a NUL character is refused', { skip }, () => {
  const f = frame([1, 2, 3, 4]);
  try {
    assert.throws(() => patron.Selection.rule_select(f, 'frequency > 2\u0000 or garbage (', null),
      (e) => e instanceof TypeError && /NUL/.test(e.message));
    assert.throws(() => patron.Rule.compile('frequency > 2\u0000', null), /NUL/);
    const sel = patron.Selection.rule_select(f, 'frequency > 2', null);
    assert.deepStrictEqual([...sel], [1, 3]);
    sel.close();
  } finally {
    f.close();
  }
});

test('17-digit literals match the frame values', { skip }, () => {
  const values = [1e308, 9.866295413738777, 33.333333333333336, 5e-324];
  const f = frame(values);
  try {
    values.forEach((v, row) => {
      const sel = patron.Selection.rule_select(f, `monetary_value == ${String(v)}`, null);
      assert.deepStrictEqual([...sel], [row], String(v));
      sel.close();
    });
  } finally {
    f.close();
  }
});
