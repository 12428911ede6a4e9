'use strict';
// Runs every ```js block of docs/guide/node.md, so the guide cannot rot.
const test = require('node:test');
const assert = require('node:assert');
const fs = require('fs');
const os = require('os');
const path = require('path');
const { execFileSync } = require('child_process');
const patron = require('..');

const guide = path.join(__dirname, '..', '..', '..', 'docs', 'guide', 'node.md');
const blocks = [...fs.readFileSync(guide, 'utf8').matchAll(/```js\n([\s\S]*?)```/g)].map((m) => m[1]);

test('the guide has examples', () => { assert.ok(blocks.length >= 3); });

blocks.forEach((code, i) => {
  const needs = ['open', 'abtest', 'Selection', 'Frame', 'Txlog'].filter((n) => code.includes(`patron.${n}`) && !patron[n]);
  test(`docs/guide/node.md block ${i}`, { skip: needs.length > 0 && `not in this build: ${needs.join(', ')}` }, () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'patron-doc-'));
    const file = path.join(dir, `block${i}.js`);
    const pkg = JSON.stringify(path.join(__dirname, '..'));
    fs.writeFileSync(file, code.replace(/require\('patron'\)/g, `require(${pkg})`));
    try {
      execFileSync(process.execPath, [file], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
