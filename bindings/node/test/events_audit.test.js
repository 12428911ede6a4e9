'use strict';
// The events outbox and the audit trail through the generated classes:
// switch on, the events of a posting in order, a consumer that reads, dies
// before acknowledging, reads the same events again and acknowledges; the
// audit entry of an adjustment with the handle's actor, listed by actor.
const test = require('node:test');
const assert = require('node:assert');
const patron = require('..');
const { native } = patron;

const skip = typeof native.patron_events_read !== 'function' && 'no events outbox in this libpatron build';
const stores = require('../test-support/stores');
const storeUri = (backend) => stores.storeUri(backend, 'ev');

for (const [backend, skipIt] of stores.backends(skip)) {
  test(`events outbox, consumer and audit trail (${backend})`, { skip: skipIt }, () => {
    const at = Date.UTC(2026, 0, 15) / 1000;
    const db = patron.open(storeUri(backend));
    try {
      assert.strictEqual(db.events_enabled(), 0);
      db.set_actor('alice');
      db.events_enable(1);
      const id = db.profile_add({ name: 'Ada', email: 'ada@example.com', consent: 'email' }, at);
      db.ledger_earn({ key: 'order-1', member_id: id, points: 120, at });
      db.ledger_adjust({ key: 'fix-1', member_id: id, points: -20, at: at + 5, reason: 'typo', operator_name: 'bob' });
      const all = db.events_read(0, 100);
      const evs = [...all];
      assert.deepStrictEqual(evs.map((e) => e.kind), ['member.enrolled', 'points.earned', 'points.adjusted']);
      assert.deepStrictEqual(evs.slice(1).map((e) => JSON.parse(e.payload).points), [120, -20]);
      assert.strictEqual(Number(all.last()), Number(evs[2].position));
      all.close();
      const first = db.events_fetch('crm', 2);
      const seen = [...first].map((e) => Number(e.position));
      first.close();
      const again = db.events_fetch('crm', 2); // not acknowledged: the same events
      assert.deepStrictEqual([...again].map((e) => Number(e.position)), seen);
      db.events_ack('crm', again.last());
      again.close();
      assert.strictEqual(Number(db.events_cursor('crm')), seen[1]);
      const rest = db.events_fetch('crm', 10);
      assert.deepStrictEqual([...rest].map((e) => e.kind), ['points.adjusted']);
      rest.close();
      assert.throws(() => db.events_ack('crm', 1000),
        (e) => e instanceof patron.PatronError && e.code === 'PATRON_EINVAL' && /never given/.test(e.message));
      const entries = db.audit_list({ actor: 'alice' });
      const list = [...entries];
      assert.deepStrictEqual(list.map((e) => e.action), ['events.enable', 'points.adjust']);
      assert.strictEqual(Number(list[1].member_id), Number(id));
      assert.strictEqual(JSON.parse(list[1].detail).reason, 'typo');
      entries.close();
    } finally {
      db.close();
    }
  });
}
