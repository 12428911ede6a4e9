#!/bin/sh
# CLI test for `patron abtest`: text and JSON output, errors, --help.
# Usage: cli_abtest.sh PATH_TO_PATRON
set -u
P="$1"
tmp=${TMPDIR:-/tmp}/patron_abtest_cli.$$
mkdir -p "$tmp"
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

"$P" abtest --help | grep -q "patron abtest <test>" || fail "--help"
"$P" abtest proportions --help | grep -q "proportions --a X/N" || fail "subcommand --help"

out=$("$P" abtest proportions --a 597/18262 --b 489/13027) || fail "proportions exit"
echo "$out" | grep -q "significant: B is higher" || fail "proportions verdict: $out"
echo "$out" | grep -q "2.30881" || fail "proportions z"

out=$("$P" abtest proportions --a 597/18262 --b 489/13027 --format json) || fail "json exit"
echo "$out" | python3 -c 'import json,sys; d=json.load(sys.stdin); assert abs(d["pooled"]["p_two_sided"]-0.02095405375914224)<1e-14, d' \
    || fail "proportions json"

out=$("$P" abtest means --a 2053,49.0,33.16 --b 2690,49.73,33.9 --format json) || fail "means exit"
echo "$out" | python3 -c 'import json,sys; d=json.load(sys.stdin); assert d["welch"]["significant"] is False and abs(d["welch"]["df"]-4463.818408105728)<1e-6, d' \
    || fail "means json"

printf 'time,event,arm\n3,1,A\n5,1,A\n7,0,A\n9,1,A\n2,1,B\n3,1,B\n4,1,B\n6,0,B\n' > "$tmp/arms.csv"
out=$("$P" abtest survival --input "$tmp/arms.csv" --format json) || fail "survival exit"
echo "$out" | python3 -c 'import json,sys; d=json.load(sys.stdin); assert d["n_a"]==4 and d["observed"]==[3,3] and 0<d["p"]<1, d' \
    || fail "survival json: $out"

out=$("$P" abtest survival --input "$tmp/arms.csv" --at 4) || fail "survival --at exit"
echo "$out" | grep -q "S(4) not bought yet (A, B) *\[0.75, 0.25\]" || fail "survival --at: $out"

out=$("$P" abtest assign --experiment exp-2026-followup --customer C000123 --weights 50,50) || fail "assign exit"
echo "$out" | grep -q "9ce5e469c1e2c8fa" || fail "assign hash: $out"
echo "$out" | grep -Eq "^variant +1$" || fail "assign variant: $out"

out=$("$P" abtest power --p1 0.236 --p2 0.2811 --format json) || fail "power exit"
echo "$out" | python3 -c 'import json,sys; d=json.load(sys.stdin); assert d["n1_pooled"]==1479, d' || fail "power json: $out"

out=$("$P" abtest srm --observed 7607,71493 --weights 10,90) || fail "srm exit"
echo "$out" | grep -q "SAMPLE RATIO MISMATCH" || fail "srm verdict"

# Errors: non-zero exit and one line "patron abtest: ..." on stderr.
"$P" abtest proportions --a 11/10 --b 1/2 2>"$tmp/err" && fail "count > n accepted"
grep -q "^patron abtest: .*x_a = 11 is larger than n_a = 10" "$tmp/err" || fail "error text: $(cat "$tmp/err")"
[ "$(wc -l < "$tmp/err")" -eq 1 ] || fail "error is not one line"
"$P" abtest means --a 10,1,1 --b 10,1,1 --alpha 2 2>"$tmp/err" && fail "alpha 2 accepted"
grep -q "alpha 2 is outside" "$tmp/err" || fail "alpha error"
"$P" abtest nosuch 2>/dev/null && fail "unknown test accepted"
"$P" abtest survival --input "$tmp/missing.csv" 2>/dev/null && fail "missing file accepted"
echo "ok"
