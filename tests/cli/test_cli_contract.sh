#!/usr/bin/env bash
# The CLI's contract (issue 18): per-subcommand --help, `tier configure`,
# shared transaction-log input options, extra CSV fields rejected with row and
# field named, `clv` given a transaction log suggests `patron summary`, and
# messages without C function names. Usage: test_cli_contract.sh PATRON
set -u
patron=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

# --help of a subcommand describes that subcommand only
for sub in "member add" "member show" "member merge" "member export" "member erase" \
           "points earn" "points redeem" "points reverse" "points balance" "points statement" "points policy" \
           "tier configure" "tier show" "report weekly" "report campaign" "clv fit" "clv predict" \
           "abtest proportions" "abtest means"; do
    set -- $sub
    out=$("$patron" $sub --help) || fail "$sub --help exits non-zero"
    echo "$out" | head -1 | grep -q "^usage: patron $1 $2 " || fail "$sub --help: first line '$(echo "$out" | head -1)'"
    # no usage line of another subcommand
    others=$(echo "$out" | grep -E "^(usage:)? +patron $1 [a-z]" | grep -vc "patron $1 $2 ")
    [ "$others" -eq 0 ] || fail "$sub --help shows other subcommands: $out"
done

# tier configure from arguments and from a file; then tier show works
db=$tmp/s.db
"$patron" init --db "$db" >/dev/null || fail "init"
"$patron" member add --db "$db" --name Dana --email d@example.com --consent email --at 1700000000 >/dev/null || fail "add"
"$patron" tier show --db "$db" --member '#1' 2>"$tmp/err" && fail "tier show without tiers succeeded"
grep -q "patron tier configure" "$tmp/err" || fail "tier show does not point to tier configure: $(cat "$tmp/err")"
grep -q "patron_" "$tmp/err" && fail "C name in: $(cat "$tmp/err")"
"$patron" tier configure --db "$db" --tier member=0 --tier silver=50000 --tier gold=200000 >"$tmp/out" || fail "configure"
grep -q "configured 3 tiers" "$tmp/out" || fail "configure output: $(cat "$tmp/out")"
printf 'name,threshold\nbasic,0\nvip,10\n' >"$tmp/tiers.csv"
"$patron" tier configure --db "$db" --file "$tmp/tiers.csv" --metric purchases --grace-days 0 >/dev/null || fail "configure --file"
"$patron" tier show --db "$db" --member '#1' --at 1700000100 >/dev/null || fail "tier show after configure"
"$patron" tier configure --db "$db" --tier gold=10 --tier basic=5 2>"$tmp/err" && fail "decreasing thresholds accepted"
grep -q "increasing" "$tmp/err" || fail "decreasing message: $(cat "$tmp/err")"
"$patron" tier configure --db "$db" --tier gold 2>/dev/null && fail "--tier without threshold accepted"

# the same input options for every command that reads a transaction log
printf 'cid;when;paid\n1;2024-01-01;10.50\n2;2024-01-05;7\n' >"$tmp/semi.csv"
opts=(--delimiter ';' --customer-col cid --time-col when --amount-col paid)
"$patron" summary --input "$tmp/semi.csv" "${opts[@]}" >"$tmp/sum.csv" || fail "summary with input options"
"$patron" report weekly --input "$tmp/semi.csv" "${opts[@]}" >/dev/null || fail "report weekly with input options"
"$patron" segment --input "$tmp/sum.csv" --segment new --now 2024-01-10 --transactions "$tmp/semi.csv" "${opts[@]}" \
    >/dev/null || fail "segment --transactions with input options"
for c in "summary" "report weekly"; do
    "$patron" $c --help | grep -q -- "--allow-extra-fields" || fail "$c --help lacks the shared input options"
done

# an extra field (a decimal comma) is an error naming row and field, unless allowed
printf 'customer_id,date,amount\n1,2024-01-01,3\n3,2024-03-01,12,5\n' >"$tmp/comma.csv"
for c in "summary" "report weekly"; do
    $patron $c --input "$tmp/comma.csv" >/dev/null 2>"$tmp/err" && fail "$c: extra field accepted"
    grep -q "line 3 (row 2): the row has 4 fields, the header has 3: field 4 '5' is extra" "$tmp/err" ||
        fail "$c: extra-field message: $(cat "$tmp/err")"
    $patron $c --input "$tmp/comma.csv" --allow-extra-fields >/dev/null || fail "$c --allow-extra-fields"
done

# clv given a transaction log suggests patron summary
printf 'customer_id,date,amount\n1,2024-01-01,3\n' >"$tmp/tx.csv"
"$patron" clv fit --model bgnbd --input "$tmp/tx.csv" 2>"$tmp/err" && fail "clv fit on a log succeeded"
grep -q "patron summary --input" "$tmp/err" || fail "clv fit hint: $(cat "$tmp/err")"

# no C function names in messages
"$patron" abtest proportions --a 5/3 --b 1/10 2>"$tmp/err" && fail "x > n accepted"
grep -q "patron_" "$tmp/err" && fail "C name in: $(cat "$tmp/err")"
"$patron" clv fit --model nope --input "$tmp/tx.csv" 2>"$tmp/err" && fail "bad model accepted"
grep -q "patron_" "$tmp/err" && fail "C name in: $(cat "$tmp/err")"
echo '{"model":"bgnbd","params":{"r":1}}' >"$tmp/bad.json"
printf 'customer_id,frequency,recency,T\n1,1,5,10\n' >"$tmp/s.csv"
"$patron" clv predict --model bgnbd --params "$tmp/bad.json" --input "$tmp/s.csv" --horizon 3 2>"$tmp/err" && fail "bad params accepted"
grep -q "params.alpha is missing" "$tmp/err" || fail "params message: $(cat "$tmp/err")"
grep -q "patron_" "$tmp/err" && fail "C name in: $(cat "$tmp/err")"
# progress comes from the library's callback; --progress forces it, --quiet and
# a stderr that is not a terminal (this test) keep it off
sim=(simulate --model bgnbd --r 0.24 --alpha 4.4 --a 0.79 --b 2.4 --customers 3000 --days 365)
"$patron" "${sim[@]}" --progress >"$tmp/sim.csv" 2>"$tmp/prog" || fail "simulate --progress"
grep -q "^patron simulate: simulating 100% (6000 of 6000)$" "$tmp/prog" || fail "simulate progress: $(cat "$tmp/prog")"
"$patron" "${sim[@]}" >/dev/null 2>"$tmp/prog" || fail "simulate"
[ ! -s "$tmp/prog" ] || fail "progress without a terminal: $(cat "$tmp/prog")"
"$patron" "${sim[@]}" --progress --quiet >/dev/null 2>"$tmp/prog" || fail "simulate --quiet"
[ ! -s "$tmp/prog" ] || fail "progress with --quiet: $(cat "$tmp/prog")"
"$patron" summary --input "$tmp/sim.csv" --progress >/dev/null 2>"$tmp/prog" || fail "summary --progress"
size=$(wc -c <"$tmp/sim.csv")
grep -q "^patron summary: reading 100% " "$tmp/prog" || fail "summary progress: $(cat "$tmp/prog")"
echo "ok"
