'use strict';
// Where the Node tests open their stores: SQLite in memory, or a fresh
// schema on the PostgreSQL server PATRON_TEST_PG names, dropped when the
// test process exits. It lives outside test/ so that node --test does not
// count it as a test file.
const { execFileSync } = require('node:child_process');

const pgBase = process.env.PATRON_TEST_PG;
const pgSchemas = [];
process.on('exit', () => {
  for (const s of pgSchemas) {
    try { execFileSync('psql', ['-q', '-X', pgBase, '-c', `DROP SCHEMA ${s} CASCADE`]); } catch (e) { /* best effort */ }
  }
});

// A new store on `backend` ('sqlite' or 'postgresql'); `tag` names the test
// file in the schema's name.
function storeUri(backend, tag) {
  if (backend === 'sqlite') return ':memory:';
  const s = `pt_node_${tag}_${process.pid}_${pgSchemas.length}`;
  execFileSync('psql', ['-q', '-X', pgBase, '-c', `CREATE SCHEMA ${s}`]);
  pgSchemas.push(s);
  return `postgresql:${pgBase} options='-c search_path=${s}'`;
}

// The backends a test runs on, each with its skip reason (false: it runs):
// `skip` for both, and PostgreSQL also without a server.
function backends(skip) {
  return [['sqlite', skip], ['postgresql', skip || (!pgBase && 'PATRON_TEST_PG names no PostgreSQL server')]];
}

module.exports = { storeUri, backends };
