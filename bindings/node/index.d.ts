// Types of the patron package (bindings/node). The low layer's declarations
// are generated into lib/native.d.ts by tools/bindgen/generate.
import * as nativeTypes from './lib/native';
export * from './lib/classes';

/** The exact C API: one function per exported C function (generated). */
export declare const native: typeof nativeTypes & {
  /** Sets the class the addon throws for failed calls (done by index.js). */
  setErrorClass(ctor: new (message: string, status: number) => Error): void;
};

/** Status codes (patron_status). */
export declare const Status: typeof nativeTypes.patron_status;

/** A failed libpatron call. */
export declare class PatronError extends Error {
  constructor(message: string, status: number);
  /** Symbolic status, e.g. "PATRON_EINVAL". */
  readonly code: string;
  /** Numeric status (negative). */
  readonly status: number;
  /** patron_errmsg() detail of the failure (or patron_strerror()). */
  readonly message: string;
}

/**
 * Base of the handle classes (declared in lib/classes.d.ts): `handle` is the
 * native handle (null once closed), `closed` tells whether close() ran, and
 * close() releases the C object now instead of at garbage collection
 * (idempotent).
 */

/** Version string of the loaded C library. */
export declare function version(): string;
/** Static English description of a status code. */
export declare function strerror(status: number): string;
