# Sourced by the CLI store tests: `db=$(pt_store_db DIR PATRON) || exit $?` sets the --db value of
# a new, empty store on the backend this run tests (a file in DIR on SQLite;
# a fresh schema on the PostgreSQL server PATRON_TEST_PG names when
# PATRON_TEST_BACKEND=postgresql, dropped by pt_store_cleanup). The store is
# created with `patron init`. Exits 77 (skip) without a server.
pt_store_db() { # DIR PATRON
    pt_n=$(date +%s%N) # each call runs in its own subshell: no counter survives
    if [ "${PATRON_TEST_BACKEND:-}" != postgresql ]; then
        "$2" init --db "$1/store_$$_$pt_n.db" >/dev/null || exit 1
        printf '%s\n' "$1/store_$$_$pt_n.db"
        return
    fi
    if [ -z "${PATRON_TEST_PG:-}" ]; then
        echo "skipped: PATRON_TEST_BACKEND=postgresql but PATRON_TEST_PG names no server" >&2
        exit 77
    fi
    s="pt_cli_$$_$pt_n"
    psql -q -X "$PATRON_TEST_PG" -c "CREATE SCHEMA $s" >/dev/null || exit 1
    uri="postgresql:$PATRON_TEST_PG options='-c search_path=$s'"
    "$2" init --db "$uri" >/dev/null || exit 1
    printf '%s\n' "$uri"
}
pt_store_cleanup() { # drops this script's schemas ($$ is the script's pid in subshells too)
    [ "${PATRON_TEST_BACKEND:-}" = postgresql ] && [ -n "${PATRON_TEST_PG:-}" ] || return 0
    for s in $(psql -X -At "$PATRON_TEST_PG" -c "SELECT nspname FROM pg_namespace WHERE nspname LIKE 'pt_cli_$$_%'"); do
        psql -q -X "$PATRON_TEST_PG" -c "DROP SCHEMA $s CASCADE" >/dev/null 2>&1 || true
    done
}
