'use strict';
const test = require('node:test');
const assert = require('node:assert');
const patron = require('..');
const { native } = patron;

test('version agrees with the headers', () => {
  assert.strictEqual(patron.version(), native.PATRON_VERSION_STRING);
  assert.strictEqual(native.patron_version(), native.PATRON_VERSION_NUMBER);
});

test('status codes and strerror', () => {
  assert.strictEqual(native.PATRON_OK, 0);
  assert.strictEqual(patron.Status.PATRON_EINVAL, -1);
  assert.strictEqual(patron.strerror(12345), 'unknown error');
});

test('PatronError carries code, status and message', () => {
  const e = new patron.PatronError('row 3: bad', -3);
  assert.ok(e instanceof Error);
  assert.strictEqual(e.code, 'PATRON_EPARSE');
  assert.strictEqual(e.status, -3);
  assert.strictEqual(e.message, 'row 3: bad');
});

test('struct sizes and defaults are exported', () => {
  assert.ok(native.sizeof.patron_allocator >= 40);
});

test('bad arguments throw TypeError', () => {
  assert.throws(() => native.patron_strerror('x'), TypeError);
  assert.throws(() => native.patron_set_allocator({}), /not available from JavaScript/);
  assert.throws(() => native.patron_free(new Uint8Array(4)), /not available from JavaScript/);
});

test('every exported function is bound', () => {
  const fs = require('fs');
  const path = require('path');
  const map = fs.readFileSync(path.join(__dirname, '..', '..', '..', 'lib', 'libpatron.map'), 'utf8')
    .replace(/\/\*[\s\S]*?\*\//g, '');
  const names = [...map.matchAll(/\b(patron_\w+)\s*;/g)].map((m) => m[1]);
  assert.ok(names.length > 0);
  for (const n of names) assert.strictEqual(typeof native[n], 'function', n);
});
