#!/usr/bin/env bash
# `patron clv` end to end: fit (JSON) -> predict (CSV) on the CDNOW summary
# written by lifetimes, BG/BB on the donations file, and the error paths.
# Usage: check_cli.sh PATRON_BINARY SOURCE_ROOT
set -u
patron=$1
shared=${PATRON_SHARED_DIR:-$2/../shared}
summary=$shared/reference/cdnow_summary_to_1997-09-30_D.csv
if [ ! -f "$summary" ]; then
    echo "skipped: $summary not found"
    exit 77
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

"$patron" clv --help >/dev/null || fail "--help"
"$patron" clv fit --model bgnbd --input "$summary" --format json >"$tmp/bg.json" || fail "fit bgnbd"
grep -q '"model": "bgnbd"' "$tmp/bg.json" || fail "model name"
grep -q '"r": 0.24' "$tmp/bg.json" || fail "r in days: $(cat "$tmp/bg.json")"
grep -q '"log_likelihood": -' "$tmp/bg.json" || fail "log_likelihood"
grep -q '"status": "converged"' "$tmp/bg.json" || fail "status"
"$patron" clv fit --model gg --input "$summary" >"$tmp/gg.json" || fail "fit gg"
grep -q '"p": 6.24' "$tmp/gg.json" || fail "gg p: $(cat "$tmp/gg.json")"
"$patron" clv predict --model bgnbd --params "$tmp/bg.json" --input "$summary" --horizon 273 \
    --discount 0.01 --spend-params "$tmp/gg.json" --periods-per-month 30 --format csv >"$tmp/pred.csv" ||
    fail "predict"
head -1 "$tmp/pred.csv" | grep -q '^customer_id,expected_purchases,p_alive,clv$' || fail "header"
[ "$(wc -l <"$tmp/pred.csv")" -eq 2358 ] || fail "2357 rows expected"
# customer 1: P(alive) = 0.7266 as in Hardie's spreadsheet (daily units)
grep -q '^1,[0-9.]*,0\.7266' "$tmp/pred.csv" || fail "customer 1 P(alive): $(sed -n 2p "$tmp/pred.csv")"
"$patron" clv fit --model pnbd --input "$summary" --format csv >"$tmp/pn.csv" || fail "fit pnbd"
grep -q '^log_likelihood,' "$tmp/pn.csv" || fail "pnbd csv"
"$patron" clv fit --model mbgnbd --input "$summary" --penalizer 0.001 >/dev/null || fail "penalizer"
# BG/BB on a file without an id column
donations=$shared/data/donations/donations.csv
"$patron" clv fit --model bgbb --input "$donations" >"$tmp/bb.json" || fail "fit bgbb"
grep -q '"log_likelihood": -33225.58' "$tmp/bb.json" || fail "bgbb LL: $(cat "$tmp/bb.json")"
"$patron" clv predict --model bgbb --params "$tmp/bb.json" --input "$donations" --horizon 5 \
    --dert 0.1 >"$tmp/bb.csv" || fail "predict bgbb"
head -1 "$tmp/bb.csv" | grep -q 'dert$' || fail "dert column"
# errors: one line on stderr, non-zero exit
"$patron" clv fit --model nope --input "$summary" 2>"$tmp/err" && fail "bad model accepted"
grep -q '^patron clv: unknown model' "$tmp/err" || fail "bad model message: $(cat "$tmp/err")"
"$patron" clv predict --model pnbd --params "$tmp/bg.json" --input "$summary" --horizon 3 \
    2>"$tmp/err" >/dev/null && fail "model mismatch accepted"
grep -q "not 'pnbd'" "$tmp/err" || fail "mismatch message"
printf 'customer_id,frequency,recency,T\n1,0,0,10\n2,0,0,20\n' >"$tmp/zero.csv"
"$patron" clv fit --model bgnbd --input "$tmp/zero.csv" 2>"$tmp/err" && fail "all-zero fit succeeded"
grep -q 'did not converge\|frequency 0' "$tmp/err" || fail "all-zero message: $(cat "$tmp/err")"
printf 'customer_id,frequency,recency,T\n1,2,30,10\n' >"$tmp/bad.csv"
"$patron" clv fit --model bgnbd --input "$tmp/bad.csv" 2>"$tmp/err" && fail "recency > T accepted"
[ "$(wc -l <"$tmp/err")" -eq 1 ] || fail "one line expected: $(cat "$tmp/err")"
"$patron" clv fit --model bgnbd 2>/dev/null && fail "missing --input accepted"
"$patron" clv predict --model bgnbd --params "$tmp/bg.json" --input "$summary" 2>/dev/null &&
    fail "missing --horizon accepted"
# every predict failure prints one line naming the reason (exit 1 or 2)
printf 'id,frequency,recency,T\n1,-1,0,10\n2,2,5,10\n' >"$tmp/neg.csv"
printf 'id,frequency,recency,T\n1,1,12,10\n' >"$tmp/rgt.csv"
printf 'id,frequency,recency,T\n1,1,5,10\n2,0,0,8\n' >"$tmp/ok.csv"
echo '{"model":"bgnbd","params":{"r":-1,"alpha":4,"a":0.8,"b":2.4}}' >"$tmp/bad.json"
echo '{"model":"bgnbd","params":{"r":0.24,"alpha":4,"a":0.8,"b":2.4}}' >"$tmp/good.json"
check_predict_error() { # expected-text args...
    local want=$1
    shift
    "$patron" clv predict --model bgnbd "$@" >"$tmp/out" 2>"$tmp/err" && fail "accepted: $*"
    [ "$(wc -l <"$tmp/err")" -eq 1 ] || fail "one line expected for $*: $(cat "$tmp/err")"
    grep -q -- "$want" "$tmp/err" || fail "'$want' expected for $*: $(cat "$tmp/err")"
    [ ! -s "$tmp/out" ] || fail "output on failure: $*"
}
check_predict_error "frequency is -1" --params "$tmp/good.json" --input "$tmp/neg.csv" --horizon 4
check_predict_error "recency 12 exceeds T 10" --params "$tmp/good.json" --input "$tmp/rgt.csv" --horizon 4
check_predict_error "params.r is -1" --params "$tmp/bad.json" --input "$tmp/ok.csv" --horizon 4
check_predict_error "horizon -5" --params "$tmp/good.json" --input "$tmp/ok.csv" --horizon -5
check_predict_error "'nan' is not a finite number" --params "$tmp/good.json" --input "$tmp/ok.csv" --horizon nan
check_predict_error "--threads" --params "$tmp/good.json" --input "$tmp/ok.csv" --horizon 4 --threads -1
# the thread count does not change the output
"$patron" clv predict --model bgnbd --params "$tmp/bg.json" --input "$summary" --horizon 273 \
    --threads 1 --format csv >"$tmp/p1.csv" || fail "predict --threads 1"
"$patron" clv predict --model bgnbd --params "$tmp/bg.json" --input "$summary" --horizon 273 \
    --threads 2 --format csv >"$tmp/p2.csv" || fail "predict --threads 2"
cmp -s "$tmp/p1.csv" "$tmp/p2.csv" || fail "--threads 1 and 2 differ"
# the CSV that `patron summary` writes (extra columns such as total_spend are ignored)
sample=$shared/data/cdnow/CDNOW_sample.txt
if "$patron" summary --help >/dev/null 2>&1 && [ -f "$sample" ]; then
    "$patron" summary --input "$sample" --no-header --delimiter space --customer-col 2 \
        --time-col 3 --amount-col 5 --time-format yyyymmdd --integer-ids \
        --observation-end 1997-09-30 >"$tmp/summary.csv" || fail "patron summary"
    "$patron" clv fit --model bgnbd --input "$tmp/summary.csv" >"$tmp/s.json" || fail "fit on patron summary output"
    grep -q '"alpha": 30.89' "$tmp/s.json" || fail "alpha in days (4.4137 weeks x 7): $(cat "$tmp/s.json")"
    "$patron" clv fit --model gg --input "$tmp/summary.csv" >/dev/null || fail "gg on patron summary output"
fi
echo "ok"
