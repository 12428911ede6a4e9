'use strict';
// Several programs in one store through the generated classes, on SQLite
// and PostgreSQL: a program created and chosen on the handle, a member
// joined, independent balances and policies, a key of the other program
// refused, the members and a member's programs.
const test = require('node:test');
const assert = require('node:assert');
const patron = require('..');
const stores = require('../test-support/stores');

const { native } = patron;
const skip = typeof native.patron_program_create !== 'function' && 'no programs in this libpatron build';

function names(list) {
  const out = [];
  for (let i = 0; i < list.count(); i++) out.push(list.get(i));
  list.close();
  return out;
}

for (const [backend, skipIt] of stores.backends(skip)) {
  test(`two programs in one store (${backend})`, { skip: skipIt }, () => {
    const at = Date.UTC(2026, 0, 15) / 1000;
    const db = patron.open(stores.storeUri(backend, 'pg'));
    try {
      const ann = db.profile_add({ name: 'Ann', email: 'ann@example.com', consent: 'email' }, at);
      const ben = db.profile_add({ name: 'Ben', email: 'ben@example.com', consent: 'email' }, at);
      db.ledger_earn({ key: 'cafe-1', member_id: ann, points: 100, at });
      assert.strictEqual(db.program_current(), 'default');
      db.program_create('bakery');
      assert.deepStrictEqual(names(db.program_list()), ['default', 'bakery']);
      db.program_use('bakery');
      assert.strictEqual(db.program_current(), 'bakery');
      db.ledger_set_policy({ expiry_months: 1 });
      db.program_join(ann, at);
      db.ledger_earn({ key: 'bakery-1', member_id: ann, points: 30, at });
      assert.strictEqual(Number(db.ledger_balance(ann, at + 1).available), 30);
      assert.strictEqual(Number(db.ledger_balance(ann, at + 40 * 86400).available), 0);
      assert.throws(() => db.ledger_earn({ key: 'bakery-2', member_id: ben, points: 5, at }),
        (e) => e.code === 'PATRON_ENOTFOUND' && /has not joined program 'bakery'/.test(e.message));
      assert.throws(() => db.ledger_earn({ key: 'cafe-1', member_id: ann, points: 100, at }),
        (e) => e.code === 'PATRON_ECONFLICT' && /'default'/.test(e.message));
      const members = db.program_members();
      assert.deepStrictEqual(members.map((m) => [Number(m.member_id), Number(m.joined_at)]), [[Number(ann), at]]);
      assert.deepStrictEqual(names(db.program_member_list(ann)), ['default', 'bakery']);
      db.program_use('default');
      assert.strictEqual(Number(db.ledger_balance(ann, at + 40 * 86400).available), 100);
      assert.throws(() => db.program_use('nope'), (e) => e.code === 'PATRON_ENOTFOUND');
    } finally {
      db.close();
    }
  });
}
