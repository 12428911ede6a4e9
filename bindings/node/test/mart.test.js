'use strict';
// The store as the data mart from Node: Txlog.from_db reads the purchases a
// store recorded as a transaction log as of a moment; bad options are errors
// that name the option. (Recording purchases with lines from Node needs
// struct-array fields in the generated binding, not there yet; the C, CLI and
// Python tests record them.)
const test = require('node:test');
const assert = require('node:assert');
const patron = require('..');
const { native } = patron;

const skip = typeof native.patron_txlog_from_db !== 'function' && 'patron_txlog_from_db not in this build';

test('Txlog.from_db: an empty store gives an empty log; as_of is required', { skip }, () => {
  const db = patron.open(':memory:');
  try {
    const log = patron.Txlog.from_db(db, { as_of: 1700000000, decimals: 0 });
    assert.strictEqual(log.count(), 0);
    assert.strictEqual(log.decimals(), 0);
    log.close();
    assert.throws(() => patron.Txlog.from_db(db, {}),
      (e) => e instanceof patron.PatronError && e.code === 'PATRON_EINVAL' && /as_of is required/.test(e.message));
    assert.throws(() => patron.Txlog.from_db(db, { as_of: 1700000000000 }),
      (e) => e.code === 'PATRON_EINVAL' && /milliseconds/.test(e.message));
    assert.throws(() => db.txlog_from_db({ as_of: 1700000000, after: 1700000001 }),
      (e) => /not before as_of/.test(e.message));
  } finally {
    db.close();
  }
});

test('member_card: the card of a member as JSON', { skip: typeof native.patron_member_card !== 'function' && 'no card' }, () => {
  const db = patron.open(':memory:');
  try {
    const id = db.profile_add({ name: 'Ann', email: 'ann@example.com', consent: 'email' }, 1700000000);
    db.ledger_earn({ key: 'k1', member_id: id, points: 120, at: 1700000100 });
    const card = JSON.parse(db.member_card(id, { as_of: 1700000200 }));
    assert.strictEqual(card.member_id, id);
    assert.strictEqual(card.profile.name, 'Ann');
    assert.deepStrictEqual(card.consents, { email: true });
    assert.strictEqual(card.points.available, 120);
    assert.strictEqual(card.purchases.orders, 0);
    assert.strictEqual(card.purchases.first_at, null);
    assert.strictEqual(card.segments, null);
    assert.throws(() => db.member_card(id, { as_of: 1700000200, expiring_days: 0 }),
      (e) => e.code === 'PATRON_EINVAL' && /expiring_days 0/.test(e.message));
  } finally {
    db.close();
  }
});

test('scores_refresh: refused on a store without purchases, naming why', { skip: typeof native.patron_scores_refresh !== 'function' && 'no scores' }, () => {
  const db = patron.open(':memory:');
  try {
    assert.throws(() => db.scores_refresh({ as_of: 1700000000 }),
      (e) => e.code === 'PATRON_EINVAL' && /no purchase recorded/.test(e.message));
    assert.throws(() => db.scores_refresh({}), (e) => /as_of is required/.test(e.message));
  } finally {
    db.close();
  }
});

test('behaviour_record: idempotent per member and key, on the card', { skip: typeof native.patron_behaviour_record !== 'function' && 'no behaviour' }, () => {
  const db = patron.open(':memory:');
  try {
    const id = db.profile_add({ name: 'Ann', email: 'ann@example.com', consent: 'email' }, 1700000000);
    const ev = { key: 'v1', member_id: id, at: 1700000060, kind: native.PATRON_BEHAVIOUR_VISIT, source: 'web' };
    assert.strictEqual(db.behaviour_record(ev), 0);
    assert.strictEqual(db.behaviour_record(ev), 1);
    assert.throws(() => db.behaviour_record({ ...ev, source: 'app' }), (e) => e.code === 'PATRON_ECONFLICT');
    const card = JSON.parse(db.member_card(id, { as_of: 1700000120 }));
    assert.strictEqual(card.behaviour.visits_30d, 1);
  } finally {
    db.close();
  }
});

test('earn_purchase with lines from Node: the store reads them back', { skip: typeof native.patron_txlog_from_db !== 'function' && 'no mart' }, () => {
  const db = patron.open(':memory:');
  try {
    const id = db.profile_add({ name: 'Ann', email: 'ann@example.com', consent: 'email' }, 1700000000);
    const r = db.earn_purchase({ key: 'P-1', member_id: id, at: 1700086400, channel: 'pos',
      lines: [{ category: 'shoes', product: 'SH-1', amount: 3000 }, { category: 'socks', product: null, amount: 500 }],
      n_lines: 2 });
    assert.strictEqual(r.replayed, 0);
    const log = patron.Txlog.from_db(db, { as_of: 1700100000 });
    assert.strictEqual(log.count(), 1);
    log.close();
    const card = JSON.parse(db.member_card(id, { as_of: 1700100000 }));
    assert.strictEqual(card.purchases.spend, 3500);
    assert.strictEqual(card.purchases.favourite_category, 'shoes');
    assert.deepStrictEqual(card.purchases.recent[0].lines.map((l) => l.category), ['shoes', 'socks']);
    assert.throws(() => db.earn_purchase({ key: 'P-2', member_id: id, at: 1700086400, lines: 'no', n_lines: 1 }),
      (e) => e instanceof TypeError || e instanceof patron.PatronError);
  } finally {
    db.close();
  }
});

test('Frame.summary_from_db: the store summarised as of a moment', { skip: typeof native.patron_summary_from_db !== 'function' && 'no summary_from_db' }, () => {
  const db = patron.open(':memory:');
  try {
    const id = db.profile_add({ name: 'Ann', email: 'ann@example.com', consent: 'email' }, 1700000000);
    db.earn_purchase({ key: 'P-1', member_id: id, at: 1700086400, lines: [{ amount: 3000 }], n_lines: 1 });
    db.earn_purchase({ key: 'P-2', member_id: id, at: 1700386400, lines: [{ amount: 1000 }], n_lines: 1 });
    const f = db.summary_from_db({ as_of: 1701000000 });
    assert.strictEqual(f.rows(), 1);
    f.close();
    assert.throws(() => db.summary_from_db({}), (e) => e.code === 'PATRON_EINVAL' && /as_of is required/.test(e.message));
  } finally {
    db.close();
  }
});

test('earn_import_csv: purchase history from a file, all or nothing', { skip: typeof native.patron_earn_import_csv !== 'function' && 'no import' }, () => {
  const fs = require('node:fs');
  const os = require('node:os');
  const path = require('node:path');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'patron-import-'));
  const db = patron.open(':memory:');
  try {
    db.profile_add({ name: 'Ann', email: 'ann@example.com', consent: 'email' }, 1700000000);
    const file = path.join(dir, 'p.csv');
    fs.writeFileSync(file, 'member,at,key,amount,category\n#1,1700000100,A-1,2500,shoes\n#1,1700000100,A-1,700,socks\n');
    assert.strictEqual(Number(db.earn_import_csv(file)), 1);
    assert.strictEqual(Number(db.earn_import_csv(file)), 0);
    const bad = path.join(dir, 'bad.csv');
    fs.writeFileSync(bad, 'member,at,key,amount\n#7,1700000100,B-1,100\n');
    assert.throws(() => db.earn_import_csv(bad), (e) => e.code === 'PATRON_ENOTFOUND' && /line 2: member/.test(e.message));
  } finally {
    db.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
