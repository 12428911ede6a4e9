'use strict';
// The TypeScript declarations compile under `tsc --strict --noEmit` (the
// README's Node quick start, type-checked as JavaScript), and report every
// deliberate mistake of test/types/mistakes.ts at its line. tsc is the
// typescript devDependency of this package (npm ci; tools/bootstrap runs it).
const test = require('node:test');
const assert = require('node:assert');
const fs = require('fs');
const os = require('os');
const path = require('path');
const { spawnSync } = require('child_process');

const PKG = path.join(__dirname, '..');
const README = path.join(PKG, '..', '..', 'README.md');

function tsc() {
  try {
    return path.join(path.dirname(require.resolve('typescript/package.json', { paths: [PKG] })), 'bin', 'tsc');
  } catch {
    throw new Error('typescript is not installed: run `npm ci` in bindings/node (tools/bootstrap does)');
  }
}

// A project that depends on the package, as a user's would.
function project(files) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'patron-tsc-'));
  fs.mkdirSync(path.join(dir, 'node_modules'));
  fs.symlinkSync(PKG, path.join(dir, 'node_modules', 'patron'), 'dir');
  for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), text);
  return dir;
}

function run(dir, args) {
  const r = spawnSync(process.execPath, [tsc(), '--strict', '--noEmit', ...args], { cwd: dir, encoding: 'utf8' });
  return { status: r.status, out: (r.stdout || '') + (r.stderr || '') };
}

function readmeNodeExample() {
  const text = fs.readFileSync(README, 'utf8');
  const m = text.match(/## Node quick start\s+```js\n([\s\S]*?)```/);
  assert.ok(m, 'README has a Node quick start');
  return m[1];
}

test('the README Node quick start type-checks under --strict', () => {
  const dir = project({ 'readme.js': readmeNodeExample() });
  const r = run(dir, ['--allowJs', '--checkJs', 'readme.js']);
  assert.strictEqual(r.status, 0, r.out);
});

test('a TypeScript file importing the package compiles (no error in the declarations)', () => {
  const dir = project({ 'two.ts': "import * as patron from 'patron';\nconsole.log(patron.version());\n" });
  const r = run(dir, ['two.ts']);
  assert.strictEqual(r.status, 0, r.out);
});

test('every deliberate mistake is reported at its line, and nothing else', () => {
  const src = fs.readFileSync(path.join(__dirname, 'types', 'mistakes.ts'), 'utf8');
  const expected = [];
  src.split('\n').forEach((line, i) => {
    const m = line.match(/\/\/ (TS\d+):/);
    if (m) expected.push(`${i + 1} ${m[1]}`);
  });
  assert.ok(expected.length >= 8);
  const dir = project({ 'mistakes.ts': src });
  const r = run(dir, ['mistakes.ts']);
  assert.notStrictEqual(r.status, 0);
  const got = [...r.out.matchAll(/^mistakes\.ts\((\d+),\d+\): error (TS\d+)/gm)].map((m) => `${m[1]} ${m[2]}`);
  assert.deepStrictEqual(got, expected, r.out);
});
