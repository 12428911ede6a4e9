/* The earning module's tables: versioned earning rules and the purchases it
 * scored (their key makes scoring idempotent). Version 6 records when a
 * purchase was returned, so a transaction log "as of" a moment before the
 * return still holds it (lib/mart). */
#include "internal/schema.h"

#define EARN_RULES_TABLE                                                                                     \
    "CREATE TABLE earn_rules("                                                                               \
    "  id INTEGER PRIMARY KEY, rule TEXT NOT NULL, version INTEGER NOT NULL, kind INTEGER NOT NULL,"         \
    "  valid_from INTEGER NOT NULL, valid_to INTEGER NOT NULL,"                                              \
    "  points INTEGER NOT NULL, per_amount INTEGER NOT NULL, percent INTEGER NOT NULL,"                      \
    "  category TEXT, product TEXT, tier TEXT, count INTEGER NOT NULL, window_days INTEGER NOT NULL,"         \
    "  referee_points INTEGER NOT NULL,"                                                                     \
    "  UNIQUE(rule, version));"

#define EARN_TABLES_V1                                                                                       \
    EARN_RULES_TABLE                                                                                         \
    "CREATE TABLE purchases(id INTEGER PRIMARY KEY, key TEXT NOT NULL UNIQUE, fp INTEGER NOT NULL,"          \
    "  member_id INTEGER NOT NULL, at INTEGER NOT NULL, amount INTEGER NOT NULL,"                            \
    "  points INTEGER NOT NULL, returned INTEGER NOT NULL DEFAULT 0);"                                       \
    "CREATE INDEX purchases_member ON purchases(member_id, at);"

#define PURCHASE_LINES                                                                                       \
    "CREATE TABLE purchase_lines(member_id INTEGER NOT NULL, purchase_id INTEGER NOT NULL,"                  \
    "  line INTEGER NOT NULL, category TEXT, product TEXT, quantity INTEGER NOT NULL, amount INTEGER NOT NULL,"\
    "  PRIMARY KEY(member_id, purchase_id, line));"

/* Version 6 records when a purchase was returned (returns recorded before it
 * have no time: the purchase's own time stands in, so a log as of any moment
 * leaves them out, as it did before), what was bought (lines with
 * quantities; purchases scored before it have none) and where (channel,
 * location). */
#define EARN_STEP_6                                                                                          \
    "ALTER TABLE purchases ADD COLUMN returned_at INTEGER;"                                                  \
    "UPDATE purchases SET returned_at = at WHERE returned <> 0;"                                             \
    "ALTER TABLE purchases ADD COLUMN channel TEXT;"                                                         \
    "ALTER TABLE purchases ADD COLUMN location TEXT;" PURCHASE_LINES

#define EARN_TABLES                                                                                          \
    EARN_RULES_V10("earn_rules")                                                                             \
    "CREATE TABLE purchases(id INTEGER PRIMARY KEY, key TEXT NOT NULL UNIQUE, fp INTEGER NOT NULL,"          \
    "  member_id INTEGER NOT NULL, at INTEGER NOT NULL, amount INTEGER NOT NULL,"                            \
    "  points INTEGER NOT NULL, returned INTEGER NOT NULL DEFAULT 0, returned_at INTEGER,"                   \
    "  channel TEXT, location TEXT);"                                                                        \
    "CREATE INDEX purchases_member ON purchases(member_id, at);" PURCHASE_LINES

/* Version 8: budgets and limits of earning rules (lib/earn/budget.c): the
 * limits per rule name, the counters per scope and window, and what each
 * purchase took from which counter (a return gives it back). */
#define EARN_BUDGETS                                                                                         \
    "CREATE TABLE earn_budgets(rule TEXT PRIMARY KEY, points INTEGER NOT NULL, awards INTEGER NOT NULL,"    \
    "  period INTEGER NOT NULL, period_points INTEGER NOT NULL, period_awards INTEGER NOT NULL,"             \
    "  member_window INTEGER NOT NULL, member_points INTEGER NOT NULL, member_awards INTEGER NOT NULL,"      \
    "  store_window INTEGER NOT NULL, store_points INTEGER NOT NULL, store_awards INTEGER NOT NULL,"         \
    "  seq INTEGER NOT NULL);"                                                                               \
    "CREATE TABLE earn_budget_use(id INTEGER PRIMARY KEY, rule TEXT NOT NULL, scope INTEGER NOT NULL,"      \
    "  member_id INTEGER NOT NULL, location TEXT NOT NULL, win INTEGER NOT NULL,"                           \
    "  points INTEGER NOT NULL, awards INTEGER NOT NULL, UNIQUE(rule, scope, member_id, location, win));"   \
    "CREATE TABLE earn_budget_takes(id INTEGER PRIMARY KEY, purchase_key TEXT NOT NULL,"                    \
    "  use_id INTEGER NOT NULL, points INTEGER NOT NULL);"                                                   \
    "CREATE INDEX earn_budget_takes_purchase ON earn_budget_takes(purchase_key);"

/* Version 10: rules and budgets belong to a program (lib/program; 1, the
 * default program, for everything written before): a rule's versions and a
 * budget are per (program, rule name), and so are the budgets' counters.
 * What a purchase took (earn_budget_takes) names counters by id: it needs
 * no program. The keys change, so the tables are rebuilt (SQLite cannot
 * alter a key; both backends take the same step). */
#define EARN_RULES_V10(name)                                                                                 \
    "CREATE TABLE " name "("                                                                                 \
    "  id INTEGER PRIMARY KEY, program INTEGER NOT NULL DEFAULT 1, rule TEXT NOT NULL, version INTEGER NOT NULL,"\
    "  kind INTEGER NOT NULL, valid_from INTEGER NOT NULL, valid_to INTEGER NOT NULL,"                       \
    "  points INTEGER NOT NULL, per_amount INTEGER NOT NULL, percent INTEGER NOT NULL,"                      \
    "  category TEXT, product TEXT, tier TEXT, count INTEGER NOT NULL, window_days INTEGER NOT NULL,"         \
    "  referee_points INTEGER NOT NULL,"                                                                     \
    "  UNIQUE(program, rule, version));"
#define EARN_BUDGETS_V10(name)                                                                               \
    "CREATE TABLE " name "(program INTEGER NOT NULL DEFAULT 1, rule TEXT NOT NULL,"                          \
    "  points INTEGER NOT NULL, awards INTEGER NOT NULL,"                                                    \
    "  period INTEGER NOT NULL, period_points INTEGER NOT NULL, period_awards INTEGER NOT NULL,"             \
    "  member_window INTEGER NOT NULL, member_points INTEGER NOT NULL, member_awards INTEGER NOT NULL,"      \
    "  store_window INTEGER NOT NULL, store_points INTEGER NOT NULL, store_awards INTEGER NOT NULL,"         \
    "  seq INTEGER NOT NULL, PRIMARY KEY(program, rule));"
#define EARN_BUDGET_USE_V10(name)                                                                            \
    "CREATE TABLE " name "(id INTEGER PRIMARY KEY, program INTEGER NOT NULL DEFAULT 1, rule TEXT NOT NULL,"  \
    "  scope INTEGER NOT NULL, member_id INTEGER NOT NULL, location TEXT NOT NULL, win INTEGER NOT NULL,"    \
    "  points INTEGER NOT NULL, awards INTEGER NOT NULL, UNIQUE(program, rule, scope, member_id, location, win));"
#define EARN_RULE_COLUMNS                                                                                    \
    "id, rule, version, kind, valid_from, valid_to, points, per_amount, percent, category, product, tier, count," \
    " window_days, referee_points"
#define EARN_BUDGET_COLUMNS                                                                                  \
    "rule, points, awards, period, period_points, period_awards, member_window, member_points, member_awards,"  \
    " store_window, store_points, store_awards, seq"
#define EARN_BUDGET_USE_COLUMNS "id, rule, scope, member_id, location, win, points, awards"
#define EARN_STEP_10                                                                                         \
    EARN_RULES_V10("earn_rules_v10")                                                                         \
    "INSERT INTO earn_rules_v10(program, " EARN_RULE_COLUMNS ") SELECT 1, " EARN_RULE_COLUMNS " FROM earn_rules;" \
    "DROP TABLE earn_rules; ALTER TABLE earn_rules_v10 RENAME TO earn_rules;"                               \
    EARN_BUDGETS_V10("earn_budgets_v10")                                                                     \
    "INSERT INTO earn_budgets_v10(program, " EARN_BUDGET_COLUMNS ") SELECT 1, " EARN_BUDGET_COLUMNS          \
    " FROM earn_budgets;"                                                                                    \
    "DROP TABLE earn_budgets; ALTER TABLE earn_budgets_v10 RENAME TO earn_budgets;"                         \
    EARN_BUDGET_USE_V10("earn_budget_use_v10")                                                               \
    "INSERT INTO earn_budget_use_v10(program, " EARN_BUDGET_USE_COLUMNS ") SELECT 1, " EARN_BUDGET_USE_COLUMNS \
    " FROM earn_budget_use;"                                                                                 \
    "DROP TABLE earn_budget_use; ALTER TABLE earn_budget_use_v10 RENAME TO earn_budget_use;"

#define EARN_BUDGETS_CURRENT                                                                                 \
    EARN_BUDGETS_V10("earn_budgets") EARN_BUDGET_USE_V10("earn_budget_use")                                  \
    "CREATE TABLE earn_budget_takes(id INTEGER PRIMARY KEY, purchase_key TEXT NOT NULL,"                    \
    "  use_id INTEGER NOT NULL, points INTEGER NOT NULL);"                                                   \
    "CREATE INDEX earn_budget_takes_purchase ON earn_budget_takes(purchase_key);"

const patron__schema_part patron__earn_schema = {
    .module = "earn",
    .current = EARN_TABLES EARN_BUDGETS_CURRENT,
    .steps = {EARN_TABLES_V1, [5] = EARN_STEP_6, [7] = EARN_BUDGETS, [9] = EARN_STEP_10},
};
