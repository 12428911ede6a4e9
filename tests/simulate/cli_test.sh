#!/bin/sh
# CLI checks for `patron simulate` and `patron demo`.
# usage: cli_test.sh PATH/TO/patron WORKDIR
set -eu
patron=$1
work=$2
mkdir -p "$work"
fail() { echo "FAIL: $*" >&2; exit 1; }

args="--model bgnbd --r 0.243 --alpha 4.414 --a 0.793 --b 2.426 --customers 500 --days 365 --seed 1
      --spend gamma-gamma --p 6.25 --q 3.74 --gamma 15.44"
# shellcheck disable=SC2086
"$patron" simulate $args > "$work/a.csv"
# shellcheck disable=SC2086
"$patron" simulate $args --output "$work/b.csv"
cmp -s "$work/a.csv" "$work/b.csv" || fail "same seed gave different output"
# shellcheck disable=SC2086
"$patron" simulate $args --seed 2 > "$work/c.csv"
cmp -s "$work/a.csv" "$work/c.csv" && fail "seeds 1 and 2 gave the same output"

[ "$(head -n 1 "$work/a.csv")" = "customer_id,date,amount" ] || fail "bad header"
rows=$(($(wc -l < "$work/a.csv") - 1))
[ "$rows" -ge 500 ] || fail "only $rows rows for 500 customers"
bad=$(tail -n +2 "$work/a.csv" |
      grep -cvE '^[0-9]+,[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z,[0-9]+\.[0-9]{2}$' || true)
[ "$bad" = 0 ] || fail "$bad rows do not match customer_id,YYYY-MM-DDTHH:MM:SSZ,D.DD"
# Every customer 0..499 appears, in order, starting on the start date.
[ "$(cut -d, -f1 "$work/a.csv" | tail -n +2 | uniq | wc -l)" = 500 ] || fail "customers missing"
[ "$(sed -n 2p "$work/a.csv" | cut -d, -f2)" = "2024-01-01T00:00:00Z" ] || fail "first purchase not at start"

# --truth: the exact per-customer values agree with the log.
# shellcheck disable=SC2086
"$patron" simulate $args --truth "$work/truth.csv" --output "$work/e.csv"
cmp -s "$work/a.csv" "$work/e.csv" || fail "--truth changed the log"
[ "$(head -n 1 "$work/truth.csv")" = "customer_id,frequency,recency,T,monetary_value" ] ||
    fail "truth header"
[ "$(($(wc -l < "$work/truth.csv") - 1))" = 500 ] || fail "truth rows"
repeat=$(awk -F, 'NR > 1 { s += $2 } END { print s }' "$work/truth.csv")
[ "$repeat" = "$((rows - 500))" ] || fail "truth frequencies ($repeat) != log repeat rows ($((rows - 500)))"

# Other models, formats and the BG/BB --gamma rule.
"$patron" simulate --model bgbb --alpha 1.2 --beta 0.75 --gamma 0.66 --delta 2.78 \
    --periods 6 --period 31536000 --customers 50 --time-format date > "$work/d.csv"
tail -n +2 "$work/d.csv" | grep -qvE '^[0-9]+,[0-9]{4}-[0-9]{2}-[0-9]{2},0\.00$' && fail "bgbb rows"
"$patron" simulate --model pnbd --r 0.55 --alpha 10.6 --s 0.61 --beta 11.7 --period week \
    --periods 39 --customers 20 --time-format epoch --start 1997-01-01 | sed -n 2p |
    grep -qx '0,852076800,0\.00' || fail "pnbd epoch row"
"$patron" simulate --model mbgnbd --r 0.52 --alpha 6.2 --a 0.89 --b 1.61 --days 30 \
    --customers 5 > /dev/null || fail "mbgnbd"

# Errors: exit non-zero with one line naming the problem.
if "$patron" simulate --model bgnbd --r 0 --alpha 1 --a 1 --b 1 --days 10 --customers 5 \
    > /dev/null 2> "$work/err"; then fail "r = 0 accepted"; fi
grep -q "^patron simulate: .*parameter r must be a finite number > 0, got 0" "$work/err" || fail "r message"
[ "$(wc -l < "$work/err")" = 1 ] || fail "error is not one line"
if "$patron" simulate --model bgnbd --r 1 --alpha 1 --a 1 --b 1 --days 10 --customers 0 \
    > /dev/null 2> "$work/err"; then fail "0 customers accepted"; fi
grep -q "customers must be between 1" "$work/err" || fail "customers message"
if "$patron" simulate --model nope --customers 5 --days 3 2> "$work/err"; then fail "bad model"; fi
# the library's model names and aliases (its table of models), as `patron
# clv` takes them; Gamma-Gamma is a spend model, not a purchase process
if "$patron" simulate --model gg --customers 5 --days 3 2> "$work/err"; then fail "model gg"; fi
grep -q "is not bgnbd, mbgnbd, pnbd or bgbb" "$work/err" || fail "model gg message"
"$patron" simulate --model paretonbd --r 0.5 --alpha 10 --s 0.5 --beta 10 --customers 5 \
    --days 30 --seed 3 > "$work/alias.csv" || fail "alias paretonbd"
"$patron" simulate --model pnbd --r 0.5 --alpha 10 --s 0.5 --beta 10 --customers 5 \
    --days 30 --seed 3 > "$work/canon.csv" || fail "model pnbd"
cmp -s "$work/alias.csv" "$work/canon.csv" || fail "paretonbd and pnbd differ"
if "$patron" simulate --model bgbb --alpha 1 --beta 1 --gamma 1 --delta 1 --periods 3 \
    --customers 5 --p 1 --q 2 2> "$work/err"; then fail "bgbb spend without --spend-gamma"; fi
grep -q -- "--spend-gamma" "$work/err" || fail "bgbb --gamma message"
"$patron" simulate --help | grep -q "^usage: patron simulate" || fail "simulate --help"

# The demo: exit 0, deterministic, key lines present.
"$patron" demo > "$work/demo1.txt" || fail "demo exit status"
"$patron" demo > "$work/demo2.txt"
cmp -s "$work/demo1.txt" "$work/demo2.txt" || fail "demo output differs between runs"
for line in "\[1/6\] Simulate a customer base" "\[3/6\] Summarise purchases per customer" \
            "\[4/6\] Model repeat buying" "\[5/6\] Segment the customers" \
            "\[6/6\] Check the experiment set-up" "sample-ratio check p = [0-9.]* (as planned)" \
            "RFM segments" "worth saving" "most valuable customers" \
            "customers  *23,570" "repeat buyers  *[0-9,]* ([0-9.]*% of customers)" \
            "mean frequency" "mean recency" "mean T" "percentiles  *p10" \
            "top customers by total spend" "^done\.$"; do
    grep -q "$line" "$work/demo1.txt" || fail "demo output lacks '$line'"
done
# Mean repeat spend near the Gamma-Gamma mean p*gamma/(q-1) = 35.22 (units right).
awk '/monetary value  *[0-9.]* \(mean over repeat buyers\)/ { m = $3 }
     END { exit !(m > 30 && m < 40) }' "$work/demo1.txt" || fail "demo monetary value not near 35.22"
# The BG/NBD fit recovers the simulated r = 0.243 (23,570 customers: se about 0.003).
awk '/BG\/NBD \(per day\)/ { r = $6 } END { exit !(r > 0.23 && r < 0.26) }' "$work/demo1.txt" ||
    fail "demo BG/NBD r not near the simulated 0.243"
# The log and the summary agree on the number of transactions.
[ "$(grep -c "transactions  *[0-9,]*$" "$work/demo1.txt")" = 2 ] || fail "demo transaction lines"
[ "$(grep "transactions  *[0-9,]*$" "$work/demo1.txt" | awk '{print $2}' | uniq | wc -l)" = 1 ] ||
    fail "simulated and summarised transaction counts differ"
"$patron" demo --customers 100 --seed 7 | grep -q "customers  *100," || fail "demo --customers"
"$patron" demo --help | grep -q "^usage: patron demo" || fail "demo --help"
# The summary command (when built) reads the simulated log with its defaults.
if "$patron" summary --help > /dev/null 2>&1; then
    "$patron" summary --input "$work/a.csv" > "$work/summary.csv" || fail "summary of simulated log"
    [ "$(($(wc -l < "$work/summary.csv") - 1))" = 500 ] || fail "summary rows != 500 customers"
fi
echo "cli: ok"
