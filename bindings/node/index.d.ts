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
 * Handle classes are declared in lib/classes.d.ts: `handle` is the native
 * handle, `closed` tells whether close() ran, and close() releases the C
 * object now instead of at garbage collection (idempotent; later calls with
 * the handle throw).
 */

/** Version string of the loaded C library. */
export declare function version(): string;
/** Static English description of a status code. */
export declare function strerror(status: number): string;

type Strip<P extends string, K> = K extends `${P}${infer R}` ? R : never;
type Namespace<P extends string> = {
  [K in keyof typeof nativeTypes as Strip<P, K>]: (typeof nativeTypes)[K];
};
/** patron_abtest_* without the prefix (present when the module is built). */
export declare const abtest: Namespace<'patron_abtest_'>;
/** patron_clv_* without the prefix. */
export declare const clv: Namespace<'patron_clv_'>;
/** patron_segment_* without the prefix. */
export declare const segment: Namespace<'patron_segment_'>;
/** patron_rule_* without the prefix. */
export declare const rule: Namespace<'patron_rule_'>;
/** patron_rfm_* without the prefix. */
export declare const rfm: Namespace<'patron_rfm_'>;
/** patron_sim_* without the prefix. */
export declare const sim: Namespace<'patron_sim_'>;
/** patron_time_* without the prefix. */
export declare const time: Namespace<'patron_time_'>;
/** patron_plan_* without the prefix: the program projection. */
export declare const plan: Namespace<'patron_plan_'>;
/** Opens a store (`:memory:` or a file path); present when the store module is built. */
export declare function open(uri: string, opts?: Partial<nativeTypes.patron_db_options> | null): import('./lib/classes').Db;
