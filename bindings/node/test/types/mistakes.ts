// Deliberate mistakes: test/types.test.js runs `tsc --strict --noEmit` on this
// file and requires exactly the error marked on each line (and no other), so
// the declarations stay strict enough to catch them.
import * as patron from 'patron';

const db = patron.open(':memory:');
db.ledger_balance('seven', 0); // TS2345: a member id is a number
patron.version(42); // TS2554: version() takes no argument
const v: number = patron.version(); // TS2322: the version is a string
db.no_such_method(); // TS2339: Db has no such method
patron.native.patron_ntile_scores(new Float64Array(3), new Float64Array(3), 3, 5, 1); // TS2345: scores are a Uint8Array
const code: number = new patron.PatronError('m', -1).code; // TS2322: code is the status name
db.profile_add({ nmae: 'Dana' }, 0); // TS2353: no field 'nmae'
const avail: string = db.ledger_balance(1, 0).available; // TS2322: points are numbers
patron.native.patron_report_campaigns({ name: 'a', sent: 1 }, 1, null); // TS2353: the funnels are an array, not one object
db.close();
export { v, code, avail };
