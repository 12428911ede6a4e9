/* The mart module's tables (version 6): the CLV fits it stored and the
 * scores of every member from the latest one. Scores are kept as text
 * ("%.17g", exact round trip) because the store boundary binds integers and
 * text only. */
#include "internal/schema.h"

#define MART_TABLES                                                                                          \
    "CREATE TABLE clv_fits(id INTEGER PRIMARY KEY, as_of INTEGER NOT NULL,"                                 \
    "  model TEXT NOT NULL, fit TEXT NOT NULL, spend_fit TEXT, customers INTEGER NOT NULL);"                 \
    "CREATE TABLE member_scores(member_id INTEGER PRIMARY KEY, fit_id INTEGER NOT NULL,"                     \
    "  p_alive TEXT NOT NULL, expected_purchases_90d TEXT NOT NULL, clv_12m TEXT);"

const patron__schema_part patron__mart_schema = {
    .module = "mart",
    .current = MART_TABLES,
    .steps = {[5] = MART_TABLES},
};
