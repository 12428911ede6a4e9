/* Internal: each module's part of the store schema. A module that keeps
 * tables writes their DDL in its own folder (lib/<module>/schema.c) as one
 * `patron__schema_part`; lib/store/schema.c runs the parts, in the order of
 * its table, inside the transaction that creates or migrates a store.
 *
 * DDL is written once in SQLite's types (INTEGER, TEXT, INTEGER PRIMARY KEY
 * for an id assigned on insert); a backend translates it in its exec hook.
 * Migration steps may read another module's tables as they were at that
 * version (a step is history: it runs once, at a version whose shape is
 * fixed); queries at run time never do. */
#ifndef PATRON_INTERNAL_SCHEMA_H
#define PATRON_INTERNAL_SCHEMA_H

#include "patron/db.h"

typedef struct patron__schema_part {
    const char *module;
    /* The module's tables at PATRON_DB_SCHEMA_VERSION, for a new store:
     * exactly what steps 1..N leave behind (tests/store compares them). */
    const char *current;
    /* steps[v - 1] brings the module's tables from version v - 1 to v;
     * NULL when that version did not change them. */
    const char *steps[PATRON_DB_SCHEMA_VERSION];
} patron__schema_part;

extern const patron__schema_part patron__store_schema;   /* lib/store/schema.c: settings */
extern const patron__schema_part patron__profile_schema; /* lib/profile/schema.c */
extern const patron__schema_part patron__ledger_schema;  /* lib/ledger/schema.c */
extern const patron__schema_part patron__earn_schema;    /* lib/earn/schema.c */
extern const patron__schema_part patron__tier_schema;    /* lib/tier/schema.c */
extern const patron__schema_part patron__member_schema;  /* lib/member/schema.c */
extern const patron__schema_part patron__mart_schema;    /* lib/mart/schema.c */
extern const patron__schema_part patron__behaviour_schema; /* lib/behaviour/schema.c */
extern const patron__schema_part patron__events_schema;  /* lib/events/schema.c */
extern const patron__schema_part patron__audit_schema;   /* lib/audit/schema.c */
extern const patron__schema_part patron__campaign_schema; /* lib/campaign/schema.c */
extern const patron__schema_part patron__reward_schema;  /* lib/reward/schema.c */
extern const patron__schema_part patron__coupon_schema;  /* lib/coupon/schema.c */
extern const patron__schema_part patron__program_schema; /* lib/program/schema.c */

#endif
