#!/bin/sh
# CLI test for `patron abtest best|margin|plan`: own --help, every result
# field in --format json, values against the reference vectors the C suites
# use (tests/data/abtest_{best,margin,plan}_vectors.json), usage errors.
# Usage: cli_abtest_decide.sh PATH_TO_PATRON
set -u
P="$1"
DATA=$(cd "$(dirname "$0")/../data" && pwd)
tmp=${TMPDIR:-/tmp}/patron_abtest_decide.$$
mkdir -p "$tmp"
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

for t in best margin plan; do
    h=$("$P" abtest $t --help) || fail "$t --help exit"
    echo "$h" | grep -q "^usage: patron abtest $t " || fail "$t --help: $h"
    echo "$h" | grep -q "patron abtest proportions" && fail "$t --help shows proportions"
done
"$P" abtest --help | grep -q "^  best " || fail "overview lists best"

# best: the first beta-binomial and the first normal reference case, all fields
out=$("$P" abtest best --arms 597/18262,489/13027,530/15000 --format json) || fail "best json exit"
echo "$out" | python3 -c '
import json, sys
d = json.load(sys.stdin)
ref = json.load(open(sys.argv[1]))["cases"][0]
assert sorted(d) == sorted(["model", "prior_alpha", "prior_beta", "n_arms", "prob_best", "expected_loss",
                            "posterior_mean", "posterior_sd", "integration_error", "prob_sum_deviation"]), d
assert d["model"] == "beta-binomial" and d["n_arms"] == 3
for i in range(3):
    assert abs(d["prob_best"][i] - ref["prob_best"][i]) < 1e-13, (d, ref)
    assert abs(d["expected_loss"][i] - ref["expected_loss"][i]) < 1e-14, (d, ref)
assert abs(d["posterior_mean"][0] - 598 / 18264) < 1e-16
' "$DATA/abtest_best_vectors.json" || fail "best json: $out"
out=$("$P" abtest best --means 100,1,1:120,1.1,1.2:90,0.95,0.8:1000,1.02,1.1 --format json) || fail "best means"
echo "$out" | python3 -c '
import json, sys
d = json.load(sys.stdin)
ref = [c for c in json.load(open(sys.argv[1]))["cases"] if c["kind"] == "means"][0]
assert d["model"] == "normal" and "prior_alpha" not in d
for i in range(4):
    assert abs(d["prob_best"][i] - ref["prob_best"][i]) < 1e-13, (d, ref)
' "$DATA/abtest_best_vectors.json" || fail "best means json: $out"
out=$("$P" abtest best --arms 597/18262,489/13027,530/15000) || fail "best text"
echo "$out" | grep -q "lowest expected loss: arm 1" || fail "best text: $out"
"$P" abtest best --means 100,1,1:120,1.1,1.2 --prior 1,1 2>"$tmp/err" && fail "best --prior with --means"
grep -q "prior is for --arms" "$tmp/err" || fail "best prior message: $(cat "$tmp/err")"
"$P" abtest best --arms 1/10,12/10 2>"$tmp/err" && fail "best x > n"
grep -q "^patron abtest: best: arm 1 has x = 12, n = 10" "$tmp/err" || fail "best message: $(cat "$tmp/err")"

# margin: every reference case through the CLI, all fields
python3 - "$P" "$DATA/abtest_margin_vectors.json" <<'PY' || fail "margin cases"
import json, subprocess, sys
P, path = sys.argv[1], sys.argv[2]
fields = ["test", "hypothesis", "margin_type", "better", "margin", "effect", "threshold", "statistic", "df",
          "se", "p", "log_p", "bound", "alpha", "reject", "verdict"]
for c in json.load(open(path))["cases"]:
    fmt = (lambda v: "%d/%d" % tuple(v)) if c["kind"] == "proportions" else (lambda v: "%d,%r,%r" % tuple(v))
    args = [P, "abtest", "margin", "--a", fmt(c["a"]), "--b", fmt(c["b"]), "--margin", repr(c["margin"]),
            "--alpha", repr(c["alpha"]), "--format", "json",
            "--margin-type", ["absolute", "relative"][c["relative"]],
            "--hypothesis", ["non-inferiority", "superiority"][c["superiority"]],
            "--better", ["higher", "lower"][c["lower_is_better"]]]
    if c["kind"] == "means":
        args += ["--variance", ["welch", "student"][c["pooled"]]]
    d = json.loads(subprocess.run(args, check=True, capture_output=True, text=True).stdout)
    assert sorted(d) == sorted(fields), d
    assert abs(d["p"] - c["p"]) <= 1e-10 * c["p"], (d, c)
    assert abs(d["bound"] - c["bound"]) <= 1e-9 * abs(c["bound"]) + 1e-14, (d, c)
    assert d["threshold"] == c["threshold"] and d["reject"] == (c["p"] <= c["alpha"])
    assert d["verdict"].startswith("" if d["reject"] else "not shown"), d
PY
"$P" abtest margin --a 1/10 --b 10,1,1 2>"$tmp/err" && fail "margin mixed arms"
grep -q "both be X/N or both n,mean,sd" "$tmp/err" || fail "margin mixed message: $(cat "$tmp/err")"
"$P" abtest margin --a 1/10 --b 2/10 --variance student 2>"$tmp/err" && fail "margin --variance with rates"
"$P" abtest margin --a 1/10 --b 2/10 --hypothesis better 2>"$tmp/err" && fail "margin bad hypothesis"
grep -q "'better' is not non-inferiority or superiority" "$tmp/err" || fail "hypothesis message: $(cat "$tmp/err")"

# plan: every reference case, all fields
python3 - "$P" "$DATA/abtest_plan_vectors.json" <<'PY' || fail "plan cases"
import json, math, subprocess, sys
P, path = sys.argv[1], sys.argv[2]
doc = json.load(open(path))
common = ["alpha", "power", "ratio", "sides", "delta", "unit_sd", "unit_sd_unadjusted", "effect_size_d", "n1_z",
          "n1_z_ceil", "n1_t", "n1_t_ceil", "n1_z_unadjusted", "n1_z_unadjusted_ceil", "mde_at_n1", "n1_given",
          "design"]
def design(c):
    return ["--alpha", repr(c["alpha"]), "--power", repr(c["power"]), "--ratio", repr(c["ratio"]),
            "--sides", str(c["sides"]), "--n1", repr(c["n1_given"]), "--format", "json"]
def check(d, c):
    assert abs(d["n1_z"] - c["n1_z"]) <= 1e-12 * c["n1_z"], (d, c)
    assert abs(d["n1_t"] - c["n1_t"]) <= 1e-7 * c["n1_t"], (d, c)
    assert d["n1_t_ceil"] == math.ceil(c["n1_t"])
    if c["n1_given"]:
        assert abs(d["mde_at_n1"] - c["mde_at_n1"]) <= 1e-12 * c["mde_at_n1"]
    else:
        assert d["mde_at_n1"] is None
for c in doc["reduced"]:
    args = [P, "abtest", "plan", "--delta", repr(c["delta"]), "--sd", repr(c["sd"]),
            "--variance-reduction", repr(c["variance_reduction"])] + design(c)
    d = json.loads(subprocess.run(args, check=True, capture_output=True, text=True).stdout)
    assert sorted(d) == sorted(common + ["variance_reduction"]), d
    check(d, c)
for c in doc["ratio"]:
    rm = ",".join(repr(c[k]) for k in ("mean_num", "mean_den", "var_num", "var_den", "cov"))
    args = [P, "abtest", "plan", "--ratio-metric", rm, "--lift", repr(c["relative_lift"])] + design(c)
    d = json.loads(subprocess.run(args, check=True, capture_output=True, text=True).stdout)
    assert sorted(d) == sorted(common), d
    check(d, c)
PY
"$P" abtest plan --delta 1 --sd 2 --lift 0.1 2>"$tmp/err" && fail "plan mixed designs"
grep -q "plan needs --delta" "$tmp/err" || fail "plan mixed message: $(cat "$tmp/err")"
"$P" abtest plan --delta 3 --sd 1 2>"$tmp/err" >/dev/null || fail "plan tiny n exit"
grep -q "fewer than 2 customers per arm" "$tmp/err" || fail "plan tiny-n warning: $(cat "$tmp/err")"
"$P" abtest plan --delta 1 --sd 2 --variance-reduction 1 2>"$tmp/err" && fail "plan r = 1"
grep -q "^patron abtest: plan: variance_reduction 1 is outside" "$tmp/err" || fail "plan r message: $(cat "$tmp/err")"
echo "ok"
