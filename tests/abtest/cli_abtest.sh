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
# Each test has its own help: only its own usage.
for t in proportions means survival many power assign srm; do
    h=$("$P" abtest $t --help) || fail "$t --help exit"
    echo "$h" | grep -q "^usage: patron abtest $t " || fail "$t --help: $h"
    [ "$(echo "$h" | grep -c '^usage: patron abtest')" -le 4 ] || fail "$t --help prints other tests"
    for o in proportions means survival assign srm; do
        [ $o = $t ] && continue
        echo "$h" | grep -q "patron abtest $o " && fail "$t --help shows $o"
    done
done
# every test the overview lists has its own help, which shows no other test
tests=$("$P" abtest --help | sed -n 's/^  \([a-z][a-z]*\)  .*/\1/p')
[ "$(echo "$tests" | wc -l)" -ge 17 ] || fail "overview lists $(echo $tests)"
for t in $tests; do
    h=$("$P" abtest $t --help) || fail "$t --help exit"
    [ "$(echo "$h" | head -n 1 | cut -d' ' -f1-3)" = "usage: patron abtest" ] || fail "$t --help: $h"
    echo "$h" | head -n 1 | grep -q "^usage: patron abtest $t " || fail "$t --help is not its own: $h"
    echo "$h" | grep "^usage: \|^       patron" | grep -v "patron abtest $t " && fail "$t --help shows another test"
done
"$P" abtest srm --observed 1,2 --weights 1,1 --a 1/2 2>"$tmp/err" && fail "srm took --a"
grep -q "srm does not take --a" "$tmp/err" || fail "option of another test: $(cat "$tmp/err")"

out=$("$P" abtest proportions --a 597/18262 --b 489/13027) || fail "proportions exit"
echo "$out" | grep -q "significant: B is higher" || fail "proportions verdict: $out"
echo "$out" | grep -q "2.30881" || fail "proportions z"

out=$("$P" abtest proportions --a 597/18262 --b 489/13027 --format json) || fail "json exit"
echo "$out" | python3 -c 'import json,sys; d=json.load(sys.stdin); assert abs(d["pooled"]["p_two_sided"]-0.02095405375914224)<1e-14, d' \
    || fail "proportions json"

# Every field of the result structs, checked against formulas computed here.
echo "$out" | python3 -c '
import json, math, sys
d = json.load(sys.stdin)
z = 1.959963984540054
def wilson(x, n):
    p = x / n; c = p + z * z / (2 * n); h = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return [(c - h) / (1 + z * z / n), (c + h) / (1 + z * z / n)]
for k, x, n in (("wilson_a", 597, 18262), ("wilson_b", 489, 13027)):
    assert all(abs(u - v) < 1e-12 for u, v in zip(d[k], wilson(x, n))), (k, d[k])
assert abs(d["rate_pooled"] - 1086 / 31289) < 1e-15
pa, pb = 597 / 18262, 489 / 13027
se = math.sqrt((pb / pa) ** 2 * ((1 - pa) / 597 + (1 - pb) / 489))
assert abs(d["rel_lift_se"] - se) < 1e-12 * se, (d["rel_lift_se"], se)
assert d["alpha"] == 0.05 and d["chi2_dof"] == 1 and len(d["expected"]) == 4
assert abs(d["expected"][0] - 18262 * 1086 / 31289) < 1e-9
for k in ("fisher_p_less", "fisher_p_greater", "log_fisher_p_less", "fisher_odds_ratio", "fisher_significant",
          "posterior_a", "posterior_mean_b", "expected_loss_choose_a", "expected_loss_choose_b"):
    assert k in d, k
assert d["posterior_a"] == [598, 17666] and d["posterior_b"] == [490, 12539]
assert abs(d["fisher_p_less"] + d["fisher_p_greater"] - 1 - 0) < 0.02
assert d["expected_loss_choose_a"] > d["expected_loss_choose_b"] > 0
' || fail "proportions json fields: $out"

# "489/ 13027": spaces around a count are ignored.
a=$("$P" abtest proportions --a 597/18262 --b 489/13027 --format json)
b=$("$P" abtest proportions --a " 597 /18262" --b "489/ 13027" --format json)
[ "$a" = "$b" ] || fail "spaces around counts"
"$P" abtest proportions --a 1/10000000000000000000000 --b 1/2 2>"$tmp/err" && fail "20-digit count accepted"
grep -q "too large" "$tmp/err" || fail "20-digit count: $(cat "$tmp/err")"
"$P" abtest proportions --a 1.5/10 --b 1/2 2>"$tmp/err" && fail "1.5/10 accepted"
grep -q "whole-number counts" "$tmp/err" || fail "1.5/10: $(cat "$tmp/err")"

# p far below the double range: standard notation with log10 p.
out=$("$P" abtest proportions --a 1/1000000 --b 900000/1000000) || fail "tiny p exit"
echo "$out" | grep -Eq "Fisher exact p +< 1e-300, log10 p = -456521\.[0-9]$" || fail "tiny p: $out"
echo "$out" | grep -q "underflows" && fail "tiny p wording"

out=$("$P" abtest means --a 2053,49.0,33.16 --b 2690,49.73,33.9 --format json) || fail "means exit"
echo "$out" | python3 -c 'import json,sys; d=json.load(sys.stdin); assert d["welch"]["significant"] is False and abs(d["welch"]["df"]-4463.818408105728)<1e-6, d' \
    || fail "means json"

out=$("$P" abtest means --a 10,5,0 --b 10,6,0) || fail "zero variance exit"
echo "$out" | grep -q "undefined: both arms have zero variance" || fail "welch zero variance: $out"
out=$("$P" abtest means --a 1,5,0 --b 10,6,1 --format json) || fail "n = 1 exit"
echo "$out" | python3 -c 'import json,sys; d=json.load(sys.stdin); assert d["welch"]["undefined"] == "undefined: an arm has fewer than 2 customers" and d["n_a"] == 1 and d["sd_b"] == 1 and "pooled_variance" in d and "rel_lift_p" in d and d["fieller_bounded"] is True, d' \
    || fail "means json: $out"

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

# power repeats what it used, says which n is which, refuses mixed designs.
echo "$out" | python3 -c 'import json,sys; d=json.load(sys.stdin); assert d["alpha"]==0.05 and d["power"]==0.8 and d["sides"]==2 and d["ratio"]==1 and d["n2_pooled"]==1479 and "warning" not in d, d' || fail "power echo: $out"
out=$("$P" abtest power --p1 0.236 --p2 0.2811 --alpha 0.01 --power 0.9) || fail "power text exit"
echo "$out" | grep -Eq "^alpha +0.01$" || fail "power alpha: $out"
echo "$out" | grep -Eq "^power +0.9$" || fail "power power: $out"
echo "$out" | grep -q "n1 is the control arm" || fail "power n1: $out"
"$P" abtest power --p1 0.2 --p2 0.3 --delta 1 --sd 2 2>"$tmp/err" && fail "mixed designs accepted"
grep -q "two designs" "$tmp/err" || fail "mixed designs: $(cat "$tmp/err")"
"$P" abtest power --delta 1 --sd 2 --n1 100 2>/dev/null && fail "--n1 with --delta accepted"
"$P" abtest power --n1 100 --p2 0.3 2>/dev/null && fail "--p2 without --p1 accepted"
out=$("$P" abtest power --delta 10 --sd 1 --format json) || fail "power tiny n exit"
echo "$out" | python3 -c 'import json,sys; d=json.load(sys.stdin); assert "fewer than 2" in d["warning"], d' || fail "power warning: $out"

out=$("$P" abtest srm --observed 7607,71493 --weights 10,90) || fail "srm exit"
echo "$out" | grep -q "sample-ratio mismatch at alpha 0.001: the split differs from the plan" || fail "srm verdict: $out"
out=$("$P" abtest srm --observed 4928,5129 --weights 50,50) || fail "srm exit"
echo "$out" | grep -q "no evidence of a sample-ratio mismatch at alpha 0.001" || fail "srm no evidence: $out"
echo "$out" | grep -q "matches the plan" && fail "srm claims a match"

# many: Dunnett against the reference of tests/data (QUADPACK, see gen_abtest_many.py).
ref="$(cd "$(dirname "$0")/../data" && pwd)/abtest_many_vectors.json"
out=$("$P" abtest many --arms 597/18262,489/13027,530/15000 --format json) || fail "many exit"
echo "$out" | python3 -c '
import json, sys
d = json.loads(sys.stdin.read())
c = [c for c in json.load(open(sys.argv[1]))["cases"] if c.get("x") == [597, 489, 530]][0]
assert d["method"] == "dunnett" and d["comparisons"] == 2 and d["sides"] == 2, d
for got, want in zip(d["p_adjusted"], c["p_adjusted"]):
    assert abs(got - want) <= 1e-9 * want, (got, want)
assert abs(d["critical_value"] - c["critical_value"]) <= 1e-9 * c["critical_value"]
assert d["significant"] == [True, False] and d["p_raw"][0] < d["p_adjusted"][0]
' "$ref" || fail "many json: $out"
out=$("$P" abtest many --means 5,10,2:5,12.5,2.5:5,14,1.5 --method holm) || fail "many means exit"
echo "$out" | grep -Eq "^df \(pooled variance\) +12$" || fail "many df: $out"
echo "$out" | grep -q "significant: higher than the control" || fail "many verdict: $out"
"$P" abtest many --arms 1/10,2/10 --means 1,1,1 2>/dev/null && fail "many with both --arms and --means"
"$P" abtest many --arms 1/10,2/10 2>"$tmp/err" && fail "many with 2 arms"
grep -q "n_arms is 2" "$tmp/err" || fail "many 2 arms: $(cat "$tmp/err")"
"$P" abtest many --arms 1/10,2/10,3/10 --method tukey 2>/dev/null && fail "unknown method"

# Errors: non-zero exit and one line "patron abtest: ..." on stderr.
"$P" abtest proportions --a 11/10 --b 1/2 2>"$tmp/err" && fail "count > n accepted"
grep -q "^patron abtest: .*x_a = 11 is larger than n_a = 10" "$tmp/err" || fail "error text: $(cat "$tmp/err")"
[ "$(wc -l < "$tmp/err")" -eq 1 ] || fail "error is not one line"
grep -q "patron_abtest" "$tmp/err" && fail "error names a C function: $(cat "$tmp/err")"
grep -q "invalid argument" "$tmp/err" && fail "error repeats the status: $(cat "$tmp/err")"
"$P" abtest means --a 10,1,1 --b 10,1,1 --alpha 2 2>"$tmp/err" && fail "alpha 2 accepted"
grep -q "alpha 2 is outside" "$tmp/err" || fail "alpha error"
"$P" abtest nosuch 2>/dev/null && fail "unknown test accepted"
"$P" abtest survival --input "$tmp/missing.csv" 2>/dev/null && fail "missing file accepted"
echo "ok"
