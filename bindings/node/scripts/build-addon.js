#!/usr/bin/env node
'use strict';
// npm `install` script: builds patron.node in the installed package from the
// sources the tarball carries (libpatron/ = the library's include/ and lib/,
// src/ = the generated Node-API glue), against the Node-API headers of the
// machine's nodejs (node_api.h; /usr/include/node on Debian) and the system
// SQLite. Downloads nothing and needs no node-gyp. The library is linked
// statically into the addon, so require('patron') needs no installed
// libpatron and no environment variable (docs/guide/node.md explains the choice).
//
// Environment (all optional): CC (default cc), CFLAGS, NODE_INCLUDE_DIR
// (default: the directory of node_api.h beside this node, else /usr/include/node).
const fs = require('fs');
const os = require('os');
const path = require('path');
const { spawn, spawnSync } = require('child_process');

const PKG = path.join(__dirname, '..');
const SRC = path.join(PKG, 'libpatron');
const OUT = path.join(PKG, 'patron.node');

function fail(msg) {
  console.error(`patron: cannot build the addon: ${msg}`);
  process.exit(1);
}

if (!fs.existsSync(path.join(SRC, 'include', 'patron.h'))) {
  if (fs.existsSync(path.join(PKG, '..', '..', 'include', 'patron.h'))) {
    // a source checkout: meson builds the addon into build/bindings/node
    console.log('patron: source checkout, the addon is built by meson (ninja -C build)');
    process.exit(0);
  }
  fail(`${SRC} is missing (the package tarball carries the library sources)`);
}

function nodeInclude() {
  const cands = [process.env.NODE_INCLUDE_DIR,
    path.join(path.dirname(process.execPath), '..', 'include', 'node'), '/usr/include/node'];
  for (const c of cands) if (c && fs.existsSync(path.join(c, 'node_api.h'))) return c;
  return fail('node_api.h not found (Debian: apt-get install libnode-dev; or set NODE_INCLUDE_DIR)');
}

function pkgConfig(args) {
  const r = spawnSync('pkg-config', args, { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim().split(/\s+/).filter(Boolean) : null;
}

// Sources meson builds only when an optional dependency is found: the addon
// uses the SQLite store (the PostgreSQL backend needs libpq; see docs/guide/node.md).
const OPTIONAL = new Set(['store/postgres.c']);

// The library's sources: every file(s) listed by lib/<module>/meson.build,
// as the meson build compiles them (without the OPTIONAL ones).
function librarySources() {
  const out = [];
  for (const mod of fs.readdirSync(path.join(SRC, 'lib')).sort()) {
    const mb = path.join(SRC, 'lib', mod, 'meson.build');
    if (!fs.existsSync(mb)) continue;
    for (const m of fs.readFileSync(mb, 'utf8').matchAll(/'([\w/.-]+\.c)'/g)) {
      if (OPTIONAL.has(`${mod}/${m[1]}`)) continue;
      out.push(path.join(SRC, 'lib', mod, m[1]));
    }
  }
  if (!out.length) fail('no library sources found');
  return out;
}

const cc = process.env.CC || 'cc';
const napi = nodeInclude();
const sqliteC = pkgConfig(['--cflags', 'sqlite3']) || [];
const sqliteL = pkgConfig(['--libs', 'sqlite3']) || ['-lsqlite3'];
const common = ['-std=c11', '-O2', '-g0', '-fPIC', '-fvisibility=hidden', '-D_POSIX_C_SOURCE=200809L',
  ...(process.env.CFLAGS ? process.env.CFLAGS.split(/\s+/).filter(Boolean) : [])];
const objDir = fs.mkdtempSync(path.join(os.tmpdir(), 'patron-addon-'));
const units = [
  ...librarySources().map((f) => [f, ['-DPATRON_BUILDING', '-I', path.join(SRC, 'include'), '-I', path.join(SRC, 'lib'), ...sqliteC]]),
  ...['binding_gen.c', 'napi_util.c'].map((f) => [path.join(PKG, 'src', f),
    ['-DNAPI_VERSION=8', '-DBUILDING_NODE_EXTENSION', '-I', path.join(SRC, 'include'), '-isystem', napi]]),
];

function compile([file, flags], i) {
  const obj = path.join(objDir, `${i}_${path.basename(file, '.c')}.o`);
  return new Promise((resolve, reject) => {
    const p = spawn(cc, [...common, ...flags, '-c', file, '-o', obj], { stdio: ['ignore', 'inherit', 'inherit'] });
    p.on('error', (e) => reject(new Error(`${cc}: ${e.message}`)));
    p.on('exit', (code) => (code === 0 ? resolve(obj) : reject(new Error(`${cc} failed on ${file}`))));
  });
}

async function main() {
  const jobs = Math.max(1, Math.min(os.cpus().length, 8));
  const objs = new Array(units.length);
  let next = 0;
  async function worker() {
    while (next < units.length) {
      const i = next++;
      objs[i] = await compile(units[i], i);
    }
  }
  await Promise.all(Array.from({ length: jobs }, worker));
  // export only the Node-API entry points: the library inside stays private
  const map = path.join(objDir, 'addon.map');
  fs.writeFileSync(map, '{ global: napi_register_module_v1; node_api_module_get_api_version_v1; local: *; };\n');
  const tmp = `${OUT}.tmp`;
  const r = spawnSync(cc, ['-shared', '-o', tmp, ...objs, `-Wl,--version-script=${map}`, ...sqliteL, '-lm', '-lpthread'],
    { stdio: 'inherit' });
  if (r.status !== 0) fail('link failed');
  fs.renameSync(tmp, OUT);
  fs.rmSync(objDir, { recursive: true, force: true });
  console.log(`patron: built ${OUT} (${units.length} sources, Node-API headers from ${napi})`);
}

main().catch((e) => fail(e.message));
