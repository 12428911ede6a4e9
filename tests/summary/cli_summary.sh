#!/bin/sh
# Runs the built `patron summary` on a small fixture and checks its output,
# its exit codes and its one-line errors.
set -u
patron=$1
data=$2
fail=0
check() { # description, then a shell test
    if eval "$2"; then echo "ok: $1"; else echo "FAIL: $1"; fail=1; fi
}
out=$("$patron" summary --input "$data/summary_tx.csv")
check "csv output matches the expected summary" '[ "$out" = "$(cat "$data/summary_tx_expected.csv")" ]'
out=$("$patron" summary --input "$data/summary_tx.csv" --format json --calibration-end 2024-01-10 --period week)
check "json holdout output matches" '[ "$out" = "$(cat "$data/summary_tx_holdout_week.json")" ]'
out=$("$patron" summary --input "$data/summary_tx.csv" --observation-end 2024-01-08 --period 86400)
check "observation end and seconds period" '[ "$(echo "$out" | sed -n 2p)" = "alice,1,7,7,20,1704067200,1704672000,3,32.50" ]'
out=$("$patron" summary --input "$data/summary_tx.csv" --minor-units)
check "--minor-units writes cents" '[ "$(echo "$out" | sed -n 2p)" = "alice,2,31,31,5999.5,1704067200,1706745600,4,13249" ]'
"$patron" summary --help | grep -q "usage: patron summary"
check "--help prints usage" '[ $? = 0 ]'
err=$("$patron" summary --input "$data/summary_tx.csv" --observation-end 2024-01-08 --after-end reject 2>&1 >/dev/null)
rc=$?
check "rejecting late purchases fails with exit 1" '[ $rc = 1 ]'
check "... and one line naming the purchase" '[ "$(echo "$err" | wc -l)" = 1 ] && echo "$err" | grep -q "^patron summary: .*customer .bob.: purchase at 2024-01-20 is after the observation end 2024-01-08"'
err=$("$patron" summary --input "$data/nonexistent.csv" 2>&1 >/dev/null)
check "missing file is an I/O error" 'echo "$err" | grep -q "^patron summary: loading the transactions: I/O error"'
"$patron" summary --input "$data/summary_tx.csv" --period fortnight 2>/dev/null
check "bad option value is a usage error (exit 2)" '[ $? = 2 ]'
"$patron" summary 2>/dev/null
check "missing --input is a usage error" '[ $? = 2 ]'
exit $fail
