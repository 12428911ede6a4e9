#!/usr/bin/env node
'use strict';
// npm `prepack` / `postpack`: copies the library's sources (include/, lib/ and
// LICENSE of the repository) into libpatron/ so the tarball can build the
// addon at install time (scripts/build-addon.js); `--clean` removes the copy.
const fs = require('fs');
const path = require('path');

const PKG = path.join(__dirname, '..');
const ROOT = path.join(PKG, '..', '..');
const DEST = path.join(PKG, 'libpatron');

fs.rmSync(DEST, { recursive: true, force: true });
if (process.argv[2] === '--clean') process.exit(0);
if (!fs.existsSync(path.join(ROOT, 'include', 'patron.h'))) {
  console.error('patron: prepack runs in the source checkout (bindings/node)');
  process.exit(1);
}
const skip = (p) => path.basename(p).startsWith('.');
for (const dir of ['include', 'lib']) {
  fs.cpSync(path.join(ROOT, dir), path.join(DEST, dir), { recursive: true, filter: (p) => !skip(p) });
}
fs.copyFileSync(path.join(ROOT, 'LICENSE'), path.join(DEST, 'LICENSE'));
