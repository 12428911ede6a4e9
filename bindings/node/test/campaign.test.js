'use strict';
// Campaigns from Node: create, target the segment, record sends, measure
// the treatment against the control; the counts checked against what the
// test recorded.
const test = require('node:test');
const assert = require('node:assert');
const patron = require('..');
const { native } = patron;

const skip = typeof native.patron_campaign_measure !== 'function' && 'patron_campaign_measure not in this build';
const T0 = 1700000000;
const DAY = 86400;

test('campaign: target, send, measure against the control', { skip }, () => {
  const db = patron.open(':memory:');
  try {
    const ids = [];
    for (let i = 0; i < 20; i++) {
      const id = db.profile_add({ name: `M${i}`, email: `m${i}@example.com`, consent: 'email' }, T0);
      db.earn_purchase({ key: `first-${i}`, member_id: id, at: T0 + 60, lines: [{ amount: 1000 }], n_lines: 1 });
      ids.push(id);
    }
    db.campaign_create({ name: 'spring', segment: 'orders >= 1', control_share: 0.4, conversion_days: 7 });
    const members = db.campaign_target('spring', T0 + DAY);
    assert.deepStrictEqual(members.map((m) => Number(m.member_id)), ids);
    const treated = members.filter((m) => m.group === native.PATRON_CAMPAIGN_TREATMENT);
    const control = members.filter((m) => m.group === native.PATRON_CAMPAIGN_CONTROL);
    assert.ok(treated.length > 0 && control.length > 0);
    assert.deepStrictEqual(db.campaign_assign('spring', members[0].member_id, T0 + 2 * DAY),
      { group: members[0].group, assigned_at: T0 + DAY });
    for (const m of treated) {
      db.behaviour_record({ key: `sent-${m.member_id}`, member_id: m.member_id, at: T0 + DAY,
        kind: native.PATRON_BEHAVIOUR_SENT, campaign: 'spring', source: 'email' });
      db.earn_purchase({ key: `again-${m.member_id}`, member_id: m.member_id, at: T0 + 3 * DAY,
        lines: [{ amount: 2500 }], n_lines: 1 });
    }
    const r = db.campaign_measure('spring', T0 + 10 * DAY);
    assert.strictEqual(Number(r.treatment.measured), treated.length);
    assert.strictEqual(Number(r.treatment.sent), treated.length);
    assert.strictEqual(Number(r.treatment.converted), treated.length);
    assert.strictEqual(Number(r.treatment.revenue), 2500 * treated.length);
    assert.strictEqual(Number(r.control.converted), 0);
    assert.strictEqual(r.conversion_diff, 1);
    assert.ok(r.conversion_p_value < 0.001);
    assert.throws(() => db.campaign_measure('autumn', T0),
      (e) => e instanceof patron.PatronError && e.code === 'PATRON_ENOTFOUND' && /autumn/.test(e.message));
  } finally {
    db.close();
  }
});
