'use strict';
/**
 * libpatron for Node.js. `native` is the generated low layer (one function per
 * C function, see lib/native.d.ts); the classes below are the thin idiomatic
 * layer: errors as PatronError, handles with explicit close().
 */
const native = require('./lib/addon.js');

const statusNames = {};
for (const [name, value] of Object.entries(native.patron_status)) statusNames[value] = name;

/** A failed libpatron call: `code` is the status name ("PATRON_EINVAL"), `status` the number. */
class PatronError extends Error {
  constructor(message, status) {
    super(message);
    this.name = 'PatronError';
    this.status = status;
    this.code = statusNames[status] || `PATRON_E${-status}`;
  }
}
native.setErrorClass(PatronError);

/**
 * Base of the handle classes: close() releases the C object (idempotent);
 * afterwards every call with the handle throws (the native handle stays, so
 * the addon can tell "closed" from "missing").
 */
class Handle {
  constructor(handle, release) {
    this.handle = handle;
    this._release = release;
    this._closed = false;
  }
  get closed() { return this._closed; }
  close() {
    if (!this._closed) {
      this._closed = true;
      this._release(this.handle);
    }
  }
  [Symbol.for('nodejs.dispose')]() { this.close(); }
}

function version() { return native.patron_version_string(); }
function strerror(status) { return native.patron_strerror(status); }

module.exports = { native, PatronError, Handle, version, strerror, Status: native.patron_status };

// Generated handle classes (Txlog, Frame, Db, ...): constructors as static
// methods, functions taking the handle first as methods.
const classes = require('./lib/classes.js')(native, Handle);
Object.assign(module.exports, classes);

/** Opens a store (`:memory:` or a file path): a Db handle, close() it when done. */
if (classes.Db) module.exports.open = (uri, opts) => classes.Db.open(uri, opts);

// Pure modules as namespaces without the prefix: patron.abtest.proportions(...),
// patron.clv.fit(...), patron.segment.builtins(), ... (new C functions appear
// here without any code).
const namespaces = { abtest: 'patron_abtest_', clv: 'patron_clv_', segment: 'patron_segment_',
                     rule: 'patron_rule_', rfm: 'patron_rfm_', sim: 'patron_sim_', time: 'patron_time_',
                     plan: 'patron_plan_' };
for (const [ns, prefix] of Object.entries(namespaces)) {
  const fns = {};
  for (const [name, fn] of Object.entries(native)) {
    if (name.startsWith(prefix) && typeof fn === 'function') fns[name.slice(prefix.length)] = fn;
  }
  if (Object.keys(fns).length) module.exports[ns] = fns;
}
