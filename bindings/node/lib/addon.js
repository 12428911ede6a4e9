'use strict';
// Finds and loads the Node-API addon (patron.node), built by meson into
// <build>/bindings/node/. Order: PATRON_NODE_ADDON, next to the package,
// PATRON_BUILD_DIR, the source checkout's build/ directory.
const path = require('path');
const fs = require('fs');

function candidates() {
  const out = [];
  if (process.env.PATRON_NODE_ADDON) return [process.env.PATRON_NODE_ADDON];
  out.push(path.join(__dirname, '..', 'patron.node'));
  if (process.env.PATRON_BUILD_DIR) out.push(path.join(process.env.PATRON_BUILD_DIR, 'bindings', 'node', 'patron.node'));
  out.push(path.join(__dirname, '..', '..', '..', 'build', 'bindings', 'node', 'patron.node'));
  return out;
}

function load() {
  const tried = [];
  for (const c of candidates()) {
    if (!fs.existsSync(c)) { tried.push(`${c} (absent)`); continue; }
    return require(c);
  }
  throw new Error('patron: cannot find the patron.node addon; build it with meson (ninja -C build) ' +
                  'or set PATRON_NODE_ADDON. Tried: ' + tried.join('; '));
}

module.exports = load();
