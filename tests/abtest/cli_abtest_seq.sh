#!/bin/sh
# CLI test for `patron abtest bayes|sequence|gsd`: own --help, every result
# field in --format json, values against the reference vectors the C suite
# uses (tests/data/abtest_seqbayes_vectors.json), text output, usage errors.
# Usage: cli_abtest_seq.sh PATH_TO_PATRON DATA_DIR
set -u
P="$1"
DATA="$2"
tmp=${TMPDIR:-/tmp}/patron_abtest_seq.$$
mkdir -p "$tmp"
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

for t in bayes sequence gsd; do
    h=$("$P" abtest $t --help) || fail "$t --help exit"
    echo "$h" | grep -q "^usage: patron abtest $t " || fail "$t --help: $h"
    echo "$h" | grep -q "patron abtest proportions" && fail "$t --help shows proportions"
    "$P" abtest --help | grep -q "^  $t " || fail "overview lists $t"
done

python3 - "$P" "$DATA/abtest_seqbayes_vectors.json" <<'PY' || fail "reference cases through the CLI"
import json, math, subprocess, sys
P, path = sys.argv[1], sys.argv[2]
ref = json.load(open(path))


def run(*args):
    out = subprocess.run([P, "abtest", *args, "--format", "json"], capture_output=True, text=True, check=True)
    return json.loads(out.stdout)


def close(got, want, rel, abs_=0.0):
    assert abs(got - want) <= rel * abs(want) + abs_, (got, want)


for c in ref["bayes_relative"]:
    e = c["expected"]
    if c["kind"] == "proportions":
        a, b = "%d/%d" % (c["x_a"], c["n_a"]), "%d/%d" % (c["x_b"], c["n_b"])
    else:
        a, b = "%d,%r,%r" % (c["n_a"], c["mean_a"], c["sd_a"]), "%d,%r,%r" % (c["n_b"], c["mean_b"], c["sd_b"])
    args = ["bayes", "--a", a, "--b", b, "--alpha", repr(c["alpha"])]
    if c["prior_variance"] > 0:
        args += ["--prior-mean", repr(c["prior_mean"]), "--prior-sd", repr(math.sqrt(c["prior_variance"]))]
    d = run(*args)
    assert sorted(d) == sorted(["effect", "prior_mean", "prior_sd", "alpha", "lift", "lift_se", "posterior_mean",
                                "posterior_sd", "chance_to_win", "credible_interval", "risk_choose_control",
                                "risk_choose_treatment", "prior_weight"]), d
    sd = e["posterior_sd"]
    for k in ("lift", "lift_se", "posterior_sd"):
        close(d[k], e[k], 1e-12, 1e-16)
    close(d["posterior_mean"], e["posterior_mean"], 1e-11, 1e-15 * sd)
    close(d["chance_to_win"], e["chance_to_win"], 1e-11, 1e-16)
    for i in range(2):
        close(d["credible_interval"][i], e["credible_interval"][i], 1e-11, 1e-14 * sd)
    close(d["risk_choose_control"], e["risk_choose_control"], 1e-10, 1e-300)
    close(d["risk_choose_treatment"], e["risk_choose_treatment"], 1e-10, 1e-300)
    close(d["prior_weight"], e["prior_weight"], 1e-11, 1e-16)

# absolute effect: the normal-normal model; no lift fields
d = run("bayes", "--a", "5000,10,4", "--b", "5000,10.3,4.5", "--effect", "absolute")
assert "lift" not in d and "prior_weight" not in d and d["effect"].startswith("absolute"), d
close(d["posterior_mean"], 0.3, 1e-12)
close(d["posterior_sd"], math.sqrt(16 / 5000 + 20.25 / 5000), 1e-13)

alts = {1: "greater", -1: "less"}
for c in ref["cs_one_sided"]:
    e = c["expected"]
    d = run("sequence", "--estimate", repr(c["estimate"]), "--se", repr(c["se"]), "--n", str(c["n_total"]),
            "--alpha", repr(c["alpha"]), "--n-star", repr(c["n_star"]), "--test-value", repr(c["test_value"]),
            "--alternative", alts[c["direction"]])
    assert sorted(d) == sorted(["alternative", "alpha", "n_star", "test_value", "rho", "halfwidth", "bound", "ci",
                                "p_value", "fixed_halfwidth", "significant"]), d
    for k in ("rho", "halfwidth", "fixed_halfwidth"):
        close(d[k], e[k], 1e-13)
    close(d["bound"], e["bound"], 1e-12, 1e-15)
    close(d["p_value"], e["p_value"], 1e-10, 1e-300)
    assert d["significant"] == e["significant"], (d, e)
    assert (d["ci"][1] is None) if c["direction"] == 1 else (d["ci"][0] is None), d  # the open end is null

d = run("sequence", "--estimate", "0.021", "--se", "0.008", "--n", "20000")
assert sorted(d) == sorted(["alternative", "alpha", "n_star", "test_value", "rho", "halfwidth", "ci", "e_value",
                            "p_value", "fixed_halfwidth", "significant"]), d
assert d["alternative"] == "two-sided" and d["ci"][0] < 0.021 < d["ci"][1]

for c in ref["gs_futility"]:
    e = c["expected"]
    k = len(c["information_rates"])
    d = run("gsd", "--looks", ",".join(repr(t) for t in c["information_rates"]), "--alpha", repr(c["alpha"]),
            "--beta", repr(c["beta"]), "--spending", c["alpha_spending"], "--beta-spending", c["beta_spending"])
    assert sorted(d) == sorted(["information_rates", "alpha", "beta", "spending", "beta_spending", "efficacy_z",
                                "nominal_p", "cumulative_alpha", "futility_z", "cumulative_beta", "drift",
                                "inflation"]), d
    close(d["drift"], e["drift"], 1e-10)
    close(d["inflation"], e["inflation"], 2e-10)
    for i in range(k):
        close(d["efficacy_z"][i], e["efficacy_z"][i], 1e-9)
        close(d["futility_z"][i], e["futility_z"][i], 1e-9, 1e-10)
        close(d["cumulative_beta"][i], e["cumulative_beta"][i], 1e-12)
        close(d["nominal_p"][i], 0.5 * math.erfc(d["efficacy_z"][i] / math.sqrt(2)), 1e-12)
d = run("gsd", "--looks", "0.5,1", "--beta-spending", "none")
assert "futility_z" not in d and "beta" not in d and len(d["efficacy_z"]) == 2, d
PY

out=$("$P" abtest bayes --a 597/18262 --b 489/13027 --prior-sd 0.3) || fail "bayes text"
echo "$out" | grep -q "^chance to win P(B > A) *0.98" || fail "bayes text: $out"
echo "$out" | grep -q "^95% credible interval *\[" || fail "bayes text interval: $out"
out=$("$P" abtest gsd --looks 0.3333333333333333,0.6666666666666666,1 --beta 0.1) || fail "gsd text"
echo "$out" | grep -q "^maximum sample size: 1.059" || fail "gsd text: $out"
echo "$out" | grep -q "^2  *0.6667  *2.5114 " || fail "gsd text row: $out"
out=$("$P" abtest sequence --estimate 0.021 --se 0.008 --n 20000 --alternative greater) || fail "sequence text"
echo "$out" | grep -q "^lower bound " || fail "sequence text: $out"

# errors: messages name the option or the input, never a C function
"$P" abtest bayes --a 0/10 --b 2/10 2>"$tmp/err" && fail "bayes A = 0"
grep -q "^patron abtest: bayes: A's mean is 0" "$tmp/err" || fail "bayes message: $(cat "$tmp/err")"
"$P" abtest bayes --a 1/10 --b 2,1,1 2>"$tmp/err" && fail "bayes mixed arms"
grep -q "must both be X/N or both n,mean,sd" "$tmp/err" || fail "bayes mixed message: $(cat "$tmp/err")"
"$P" abtest bayes --a 1/10 --b 2/10 --prior-mean 0.1 2>"$tmp/err" && fail "bayes prior mean without sd"
grep -q "needs --prior-sd" "$tmp/err" || fail "bayes prior message: $(cat "$tmp/err")"
"$P" abtest sequence --estimate 1 --se 1 --n 10 --alternative up 2>"$tmp/err" && fail "sequence alternative"
grep -q "'up' is not two-sided, greater or less" "$tmp/err" || fail "sequence message: $(cat "$tmp/err")"
"$P" abtest sequence --estimate 1 --se 1 --n 10 --alternative greater --alpha 0.6 2>"$tmp/err" && fail "alpha 0.6"
grep -q "^patron abtest: sequence: alpha 0.6 is outside (0, 0.5)" "$tmp/err" || fail "alpha message: $(cat "$tmp/err")"
"$P" abtest gsd --looks 0.5,0.4,1 2>"$tmp/err" && fail "gsd decreasing looks"
grep -q "^patron abtest: gsd: information rate 1 is 0.4" "$tmp/err" || fail "gsd message: $(cat "$tmp/err")"
grep -q "patron_" "$tmp/err" && fail "gsd message names a C function: $(cat "$tmp/err")"
"$P" abtest gsd --looks 0.5,1 --beta 0.1 --beta-spending none 2>"$tmp/err" && fail "gsd --beta without futility"
grep -q "beta-spending none has none" "$tmp/err" || fail "gsd beta message: $(cat "$tmp/err")"
echo "abtest bayes/sequence/gsd CLI: ok"
