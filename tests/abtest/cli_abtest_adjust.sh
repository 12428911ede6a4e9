#!/bin/sh
# CLI test for `patron abtest adjust|poststrat|quantile|bootstrap`: each
# test's own --help, every JSON field against the references of
# tests/data/abtest_adjust_vectors.json and abtest_boot_vectors.json
# (statsmodels/numpy/scipy and the Python model of the bootstrap stream),
# text output and errors.
# Usage: cli_abtest_adjust.sh PATH_TO_PATRON PATH_TO_TESTS_DATA
set -u
P="$1"
DATA="$2"
tmp=${TMPDIR:-/tmp}/patron_abtest_adjust_cli.$$
mkdir -p "$tmp"
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

for t in adjust poststrat quantile bootstrap; do
    h=$("$P" abtest $t --help) || fail "$t --help exit"
    echo "$h" | grep -q "^usage: patron abtest $t " || fail "$t --help: $h"
    for o in adjust poststrat quantile bootstrap proportions means; do
        [ $o = $t ] && continue
        echo "$h" | grep -q "patron abtest $o " && fail "$t --help shows $o"
    done
done
"$P" abtest --help | grep -q "bootstrap    seeded percentile and BCa" || fail "overview lists bootstrap"

# CSV files from the reference cases (python3: standard library only)
python3 - "$DATA" "$tmp" <<'PY' || fail "writing CSV"
import json, sys
data, tmp = sys.argv[1], sys.argv[2]
adj = json.load(open(data + "/abtest_adjust_vectors.json"))["cases"]
boot = json.load(open(data + "/abtest_boot_vectors.json"))["cases"]
def rows(path, header, c):
    with open(path, "w") as f:
        f.write(header + "\n")
        for arm, key in (("A", "rows_a"), ("B", "rows_b")):
            for r in c[key]:
                f.write(arm + "," + ",".join(repr(v) for v in r) + "\n")
rows(tmp + "/cuped.csv", "arm,spend,pre_spend,pre_orders,visits", adj[1])
rows(tmp + "/ratio.csv", "arm,revenue,orders,pre_revenue,pre_orders", adj[6])
q = adj[10]
with open(tmp + "/days.csv", "w") as f:
    f.write("arm,days\n")
    for arm, key in (("0", "a"), ("1", "b")):
        for v in q[key]:
            f.write("%s,%r\n" % (arm, v))
rows(tmp + "/boot_mean.csv", "arm,spend", boot[0])
rows(tmp + "/boot_ratio.csv", "arm,revenue,orders", boot[4])
PY

# adjust: every field, against statsmodels OLS
out=$("$P" abtest adjust --input "$tmp/cuped.csv" --format json) || fail "adjust exit"
echo "$out" | python3 -c '
import json, sys
d = json.load(sys.stdin)
c = json.load(open(sys.argv[1] + "/abtest_adjust_vectors.json"))["cases"][1]
close = lambda a, b, r=1e-10: abs(a - b) <= r * abs(b) + 1e-13
assert d["covariates"] == 3 and d["covariate_names"] == ["pre_spend", "pre_orders", "visits"], d
assert all(close(x, y) for x, y in zip(d["beta"], c["beta"])), d["beta"]
assert close(d["effect"]["effect"], c["effect"]) and close(d["effect"]["se"], c["se"])
assert close(d["ols"]["se"], c["ols_se"]) and d["ols"]["df"] == c["ols_df"] and close(d["ols"]["p_two_sided"], c["ols_p"])
assert close(d["rel_lift_se"], c["rel_lift_se"]) and close(d["adjusted_mean_a"], c["adjusted_mean_a"])
for k in ("metric", "alpha", "n_a", "n_b", "mean_a", "mean_b", "adjusted_mean_b", "residual_var_a", "residual_var_b",
          "diff_unadjusted", "se_unadjusted", "variance_reduction", "r_squared", "welch_df", "rel_lift", "rel_lift_ci",
          "rel_lift_p"):
    assert k in d, k
for t in ("effect", "ols"):
    for k in ("statistic", "df", "effect", "se", "p_two_sided", "log_p_two_sided", "p_greater", "p_less", "ci",
              "significant"):
        assert k in d[t], (t, k)
' "$DATA" || fail "adjust json: $out"
out=$("$P" abtest adjust --input "$tmp/ratio.csv" --metric ratio --format json) || fail "adjust ratio exit"
echo "$out" | python3 -c '
import json, sys
d = json.load(sys.stdin)
c = json.load(open(sys.argv[1] + "/abtest_adjust_vectors.json"))["cases"][6]
assert abs(d["effect"]["effect"] - c["effect"]) < 1e-10 * abs(c["effect"]) and abs(d["effect"]["se"] - c["se"]) < 1e-10 * c["se"]
assert d["ols"]["p_two_sided"] is None and d["metric"].startswith("ratio")
' "$DATA" || fail "adjust ratio json: $out"
out=$("$P" abtest adjust --input "$tmp/cuped.csv") || fail "adjust text"
echo "$out" | grep -q "slope on pre_orders" || fail "adjust text: $out"
echo "$out" | grep -q "OLS t-test" || fail "adjust text OLS: $out"

# quantile: p50 and p90, the p50 against numpy/scipy
out=$("$P" abtest quantile --input "$tmp/days.csv" --q 0.5,0.9 --format json) || fail "quantile exit"
echo "$out" | python3 -c '
import json, sys
d = json.load(sys.stdin)
c = json.load(open(sys.argv[1] + "/abtest_adjust_vectors.json"))["cases"][10]
q = d["quantiles"]
assert len(q) == 2 and q[0]["q"] == 0.5 and q[1]["q"] == 0.9
assert q[0]["quantile_a"] == c["quantile_a"] and q[0]["ci_b"] == c["ci_b"]
assert abs(q[0]["diff"]["se"] - c["se"]) < 1e-12 * c["se"] and abs(q[0]["coverage_a"] - c["coverage_a"]) < 1e-12
for k in ("quantile_b", "ci_a", "coverage_b", "se_a", "se_b", "rel_lift", "rel_lift_se", "rel_lift_ci", "alpha"):
    assert k in q[1], k
' "$DATA" || fail "quantile json: $out"

# poststrat
out=$("$P" abtest poststrat --a 60,25,5:40,40,6 --b 55,26,5:48,41.5,6 --weights 1,1 --format json) || fail "poststrat exit"
echo "$out" | python3 -c '
import json, math, sys
d = json.load(sys.stdin)
assert abs(d["effect"]["effect"] - 0.5 * (26 - 25) - 0.5 * (41.5 - 40)) < 1e-12
se = math.sqrt(0.25 * (25 / 60 + 25 / 55) + 0.25 * (36 / 40 + 36 / 48))
assert abs(d["effect"]["se"] - se) < 1e-12 * se and d["strata"] == 2 and d["weights"] == "given"
for k in ("mean_a", "mean_b", "diff_unadjusted", "se_unadjusted", "variance_reduction", "rel_lift", "rel_lift_se",
          "rel_lift_ci", "alpha"):
    assert k in d, k
' || fail "poststrat json: $out"
"$P" abtest poststrat --a 60,25,5 --b 55,26,5:48,41.5,6 2>"$tmp/err" && fail "poststrat strata mismatch"
grep -q "\-\-a has 1 strata but --b has 2" "$tmp/err" || fail "poststrat error: $(cat "$tmp/err")"

# bootstrap: the replicates of the specified stream (Python model)
out=$("$P" abtest bootstrap --input "$tmp/boot_mean.csv" --replicates 300 --seed 2026 --format json) || fail "bootstrap exit"
echo "$out" | python3 -c '
import json, sys
d = json.load(sys.stdin)
c = json.load(open(sys.argv[1] + "/abtest_boot_vectors.json"))["cases"][0]
close = lambda a, b: abs(a - b) <= 1e-13 * abs(b)
assert close(d["estimate"], c["estimate"]) and all(close(x, y) for x, y in zip(d["ci_percentile"], c["ci_percentile"]))
assert all(close(x, y) for x, y in zip(d["ci_bca"], c["ci_bca"])) and d["seed"] == 2026 and d["replicates"] == 300
for k in ("stat", "effect", "relative", "alpha", "se", "bias", "z0", "acceleration", "bca_available"):
    assert k in d, k
' "$DATA" || fail "bootstrap json: $out"
out=$("$P" abtest bootstrap --input "$tmp/boot_ratio.csv" --stat ratio --effect relative --replicates 250 --seed 11 --format json) || fail "bootstrap ratio exit"
echo "$out" | python3 -c '
import json, sys
d = json.load(sys.stdin)
c = json.load(open(sys.argv[1] + "/abtest_boot_vectors.json"))["cases"][5]
assert c["relative"] == 1 and abs(d["ci_bca"][1] - c["ci_bca"][1]) <= 1e-12 * abs(c["ci_bca"][1]) and d["relative"] is True
' "$DATA" || fail "bootstrap ratio json: $out"
out=$("$P" abtest bootstrap --input "$tmp/days.csv" --stat quantile --q 0.9 --cap 0.99 --replicates 200) || fail "bootstrap quantile"
echo "$out" | grep -q "not available for quantiles" || fail "bootstrap quantile text: $out"
echo "$out" | grep -q "capped at pooled quantile" || fail "bootstrap cap: $out"
"$P" abtest bootstrap --input "$tmp/days.csv" --stat median 2>"$tmp/err" && fail "bad --stat accepted"
grep -q "is not mean, ratio, quantile or cuped" "$tmp/err" || fail "--stat error: $(cat "$tmp/err")"
"$P" abtest bootstrap --input "$tmp/cuped.csv" 2>"$tmp/err" && fail "wrong columns accepted"
grep -q "the header must be arm,value" "$tmp/err" || fail "header error: $(cat "$tmp/err")"
grep -q "patron_abtest_[a-z_]*:" "$tmp/err" && fail "C function name in a message"
printf 'arm,days\nA,1\nC,2\n' > "$tmp/bad.csv"
"$P" abtest quantile --input "$tmp/bad.csv" 2>"$tmp/err" && fail "arm C accepted"
grep -q "row 3: arm 'C' is not A, B, 0 or 1" "$tmp/err" || fail "arm error: $(cat "$tmp/err")"
echo "ok"
