/* A purchase's rows: the purchase, claiming its key, and its lines in
 * multi-row statements (record.h). */
#include "earn/record.h"
#include "internal/error.h"
#include "internal/store.h"

/* Lines written per statement: a purchase has a few lines, so most need
 * one statement; each row count is its own cached statement. */
#define LINES_PER_STATEMENT 8
#define COLS "INSERT INTO purchase_lines(member_id, purchase_id, line, category, product, quantity, amount) VALUES"
#define ROW "(?,?,?,?,?,?,?)"
#define ROWS2 ROW "," ROW
#define ROWS4 ROWS2 "," ROWS2
static const char *const lines_sql[LINES_PER_STATEMENT] = {
    COLS ROW,         COLS ROWS2,         COLS ROWS2 "," ROW,         COLS ROWS4,
    COLS ROWS4 "," ROW, COLS ROWS4 "," ROWS2, COLS ROWS4 "," ROWS2 "," ROW, COLS ROWS4 "," ROWS4,
};

static int write_lines(patron_db *db, const patron_purchase *p, int64_t member, int64_t id, size_t from,
                       size_t rows)
{
    patron__stmt *st;
    int rc = patron__sql_bind(db, &st, lines_sql[rows - 1], "");
    if (rc)
        return rc;
    for (size_t r = 0; rc == PATRON_OK && r < rows; r++) {
        size_t i = from + r;
        int col = (int)(7 * r);
        const patron_purchase_line *l = &p->lines[i];
        if ((rc = db->vt->bind_int64(st, col + 1, member)) || (rc = db->vt->bind_int64(st, col + 2, id)) ||
            (rc = db->vt->bind_int64(st, col + 3, (int64_t)(i + 1))) ||
            (rc = db->vt->bind_text(st, col + 4, l->category)) || (rc = db->vt->bind_text(st, col + 5, l->product)) ||
            (rc = db->vt->bind_int64(st, col + 6, p->quantities ? p->quantities[i] : INT64_C(1))) ||
            (rc = db->vt->bind_int64(st, col + 7, l->amount)))
            break;
    }
    if (rc == PATRON_OK) {
        rc = patron__sql_step(db, st);
        rc = rc < 0 ? rc : PATRON_OK;
    }
    patron__sql_done(db, st);
    return rc;
}

int patron__earn_record_rows(patron_db *db, const patron_purchase *p, int64_t fp, int64_t member, int64_t *id)
{
    int64_t amount = 0;
    for (size_t i = 0; i < p->n_lines; i++)
        amount += p->lines[i].amount;
    patron__stmt *st;
    int rc = patron__sql_bind_unique(db, &st,
                                     "INSERT INTO purchases(key, fp, member_id, at, amount, points, channel, location) "
                                     "VALUES(?,?,?,?,?,0,?,?)",
                                     "tiiiitt", p->key, fp, member, p->at, amount, p->channel, p->location);
    if (rc)
        return rc;
    *id = 0;
    rc = patron__sql_step_unique(db, st, id);
    patron__sql_done(db, st);
    for (size_t i = 0; rc == PATRON_OK && *id && i < p->n_lines; i += LINES_PER_STATEMENT) {
        size_t rows = p->n_lines - i < LINES_PER_STATEMENT ? p->n_lines - i : LINES_PER_STATEMENT;
        rc = write_lines(db, p, member, *id, i, rows);
    }
    return rc;
}
