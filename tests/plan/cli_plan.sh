#!/bin/sh
# `patron plan`: a simulated shop recorded purchase by purchase, then its
# projection as JSON and text, a campaign, the seed's determinism and the
# usage errors. usage: cli_plan.sh PATRON
set -u
patron=$1
tmp=$(mktemp -d)
. "$(dirname "$0")/../support/check.sh"
. "$(dirname "$0")/../support/pt_store.sh"
trap 'pt_store_cleanup; rm -rf "$tmp"' EXIT
db=$(pt_store_db "$tmp" "$patron") || exit $?
# 80 customers at CDNOW's BG/NBD rates per day, spend in major units
"$patron" simulate --model bgnbd --r 0.243 --alpha 4.414 --a 0.793 --b 2.426 --customers 80 --days 300 \
  --seed 3 --spend gamma-gamma --p 6.25 --q 3.74 --gamma 15.44 >"$tmp/log.csv" || exit 1
awk -F, 'NR > 1 { print $1 }' "$tmp/log.csv" | sort -un | while read -r c; do
  "$patron" member add --db "$db" --name "C$c" --email "c$c@example.com" --consent none --at 1700000000 >/dev/null || exit 1
done
# the purchases as one import (member, at in UTC seconds, key, amount in minor units)
echo "member,at,key,amount" >"$tmp/purchases.csv"
tail -n +2 "$tmp/log.csv" | awk -F, '{ print $2 }' | date -u -f - +%s >"$tmp/at.txt" || exit 1
tail -n +2 "$tmp/log.csv" | paste -d, - "$tmp/at.txt" |
  awk -F, '{ a = $3; sub(/\./, "", a); sub(/^0+/, "", a); printf "c%s@example.com,%s,o%d,%s\n", $1, $4, NR, a }' \
  >>"$tmp/purchases.csv"
"$patron" purchase import --db "$db" --input "$tmp/purchases.csv" >/dev/null || exit 1
asof=2024-11-01T00:00:00Z
out=$("$patron" plan --db "$db" --as-of "$asof" --years 5 --draws 30 --seed 9 --acquire 20 --expiry-months 18)
check "plan runs" 0 $?
first=$out
case $out in '{"years": 5, "draws": 30, "redraws": '*', "seed": 9, "model": "bgnbd", "rows": [{"year": 1, "metric": "members", "estimate": 320, '*) ;;
  *) check "plan json head" "members 80 + 12 x 20" "$(echo "$out" | head -c 160)" ;; esac
again=$("$patron" plan --db "$db" --as-of "$asof" --years 5 --draws 30 --seed 9 --acquire 20 --expiry-months 18)
check "the same seed gives the same plan" "$out" "$again"
other=$("$patron" plan --db "$db" --as-of "$asof" --years 5 --draws 30 --seed 10 --acquire 20 --expiry-months 18)
[ "$other" != "$out" ]
check "another seed gives other percentiles" 0 $?
rows=$(echo "$out" | grep -o '"metric": ' | wc -l)
check "five years of 13 metrics" 65 "$rows"
text=$("$patron" plan --db "$db" --as-of "$asof" --years 3 --draws 10 --format text | head -7)
check "text header" "metric scenario year 1 year 2 year 3" "$(echo "$text" | sed -n 3p | sed 's/  */ /g; s/ $//')"
echo "$text" | grep -q '^members  *estimate' && echo "$text" | grep -q ' pessimistic ' && echo "$text" | grep -q ' optimistic '
check "text rows" 0 $?
camp=$("$patron" plan --db "$db" --as-of "$asof" --years 2 --draws 10 --campaign-points 10000 \
  --campaign-lift 0.05 --campaign-lift-se 0.02 --campaign-share 0.5 --campaign-fixed-cost 5000)
case $camp in *'"campaign": {"year": 1, "target_share": 0.5, "points": 10000, "lift": 0.05'*'"budget": 15000, "incremental_revenue": {"estimate": '*'"roi": {"estimate": '*) ;;
  *) check "campaign" "a campaign object" "$camp" ;; esac
# a plan file: the same projection as the flags; a flag overrides the file
printf '{"years": 5, "draws": 30, "seed": 9, "expiry_months": 18, "acquisitions": 20}' >"$tmp/plan.json"
fromfile=$("$patron" plan --db "$db" --as-of "$asof" --input "$tmp/plan.json")
check "a plan file gives the flags' plan" "$out" "$fromfile"
fromfile=$("$patron" plan --db "$db" --as-of "$asof" --input "$tmp/plan.json" --seed 10 --acquire 20)
check "flags override the file" "$other" "$fromfile"
printf '{"years": 5, "earn_rte": 0.1}' >"$tmp/bad.json"
err=$("$patron" plan --db "$db" --input "$tmp/bad.json" 2>&1 >/dev/null)
case $err in *'unknown key "earn_rte"'*) ;; *) check "plan file with a typo" "unknown key" "$err" ;; esac
err=$("$patron" plan --db "$db" --years 0 2>&1 >/dev/null)
check "years 0" "patron plan: --years '0' is not a whole number within 1..50" "$err"
err=$("$patron" plan --db "$db" --years 51 2>&1 >/dev/null)
check "years 51 exits 2" 2 $?
err=$("$patron" plan --db "$db" --as-of "$asof" --acquire 5,-3 2>&1 >/dev/null)
case $err in *"acquisitions month 2 is -3"*) ;; *) check "negative acquisition" "month 2 is -3" "$err" ;; esac
err=$("$patron" plan --db "$db" --as-of "$asof" --earn-rate nan 2>&1 >/dev/null)
case $err in *"earn_rate"*) ;; *) check "nan earn rate" "earn_rate refused" "$err" ;; esac
err=$("$patron" plan --db "$db" --campaign-points 5 2>&1 >/dev/null)
check "campaign without lift" 2 $?
# the lift of a campaign measured against its control group in the store
"$patron" campaign create --db "$db" --name spring --segment "orders >= 1" --control 0.5 --days 60 \
  --starts 1714521600 --ends 1735689600 >/dev/null || exit 1
"$patron" campaign target --db "$db" --name spring --at 1717200000 >/dev/null || exit 1
"$patron" campaign measure --db "$db" --name spring --as-of 1730419200 >"$tmp/measure.json" || exit 1
"$patron" plan --db "$db" --as-of "$asof" --years 2 --draws 10 --campaign-points 1000 \
  --campaign-measured spring >"$tmp/plan-measured.json"
check "plan with a measured campaign" 0 $?
out=$(python3 -c 'import json, sys, math
m = json.load(open(sys.argv[1])); p = json.load(open(sys.argv[2]))["campaign"]
lift = m["revenue_diff"] / m["control"]["revenue_per_member"]
se = (m["revenue_diff_ci"][1] - m["revenue_diff_ci"][0]) / (2 * 1.959963984540054) / m["control"]["revenue_per_member"]
print("ok" if math.isclose(p["lift"], lift, rel_tol=1e-12) and math.isclose(p["lift_se"], se, rel_tol=1e-9) else p)' \
  "$tmp/measure.json" "$tmp/plan-measured.json")
check "the measured lift and its standard error" ok "$out"
err=$("$patron" plan --db "$db" --as-of "$asof" --campaign-points 5 --campaign-measured spring --campaign-lift 0.1 2>&1 >/dev/null)
check "measured and given lift" 2 $?
err=$("$patron" plan --db "$db" --as-of "$asof" --campaign-points 5 --campaign-measured nosuch 2>&1 >/dev/null)
case $err in "patron plan: campaign measure: "*) ;; *) check "unknown measured campaign" "campaign measure failure" "$err" ;; esac
# no fit stored so far: the plans above fitted the models ("fit": null); a
# stored fit (`scores refresh`, Pareto/NBD) is used from now on, named in
# the output, and --refit fits BG/NBD again
case $first in *'"fit": null}') ;; *) check "no stored fit" '"fit": null' "$(echo "$first" | tail -c 40)" ;; esac
text=$("$patron" plan --db "$db" --as-of "$asof" --years 1 --draws 5 --format text | head -1)
check "text: fitted now" "models: bgnbd and gamma-gamma fitted now to the store's purchases (no stored fit: \`patron scores refresh\` stores one)" "$text"
"$patron" scores refresh --db "$db" --as-of "$asof" --model pnbd >/dev/null
check "scores refresh" 0 $?
stored=$("$patron" plan --db "$db" --as-of "$asof" --years 5 --draws 30 --seed 9 --acquire 20 --expiry-months 18)
check "plan from the stored fit" 0 $?
case $stored in *'"model": "pnbd", "rows": '*'"fit": {"fit_id": 1, "as_of": 1730419200}}') ;;
  *) check "the stored fit named" 'pnbd ... "fit": {"fit_id": 1, ...}' "$(echo "$stored" | head -c 120) ... $(echo "$stored" | tail -c 60)" ;; esac
text=$("$patron" plan --db "$db" --as-of "$asof" --years 1 --draws 5 --format text | head -1)
check "text: the stored fit" "models: stored fit 1 (pnbd, as of 2024-11-01) from \`patron scores refresh\`" "$text"
refit=$("$patron" plan --db "$db" --as-of "$asof" --years 5 --draws 30 --seed 9 --acquire 20 --expiry-months 18 --refit)
check "--refit gives the first plan again" "$first" "$refit"
text=$("$patron" plan --db "$db" --as-of "$asof" --years 1 --draws 5 --format text --refit | head -1)
check "text: refit" "models: bgnbd and gamma-gamma fitted now to the store's purchases (--refit)" "$text"
early=$("$patron" plan --db "$db" --as-of 2024-10-01T00:00:00Z --years 1 --draws 5)
case $early in *'"fit": null}') ;; *) check "a fit of a later moment is not used" '"fit": null' "$(echo "$early" | tail -c 60)" ;; esac
"$patron" plan --help | head -1 | grep -q '^usage: patron plan --db URI'
check "help" 0 $?
exit $((fails > 0))
