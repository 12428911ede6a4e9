#!/usr/bin/env bash
# The tier and policy options of 0.2 end to end: configure with a downgrade
# mode and expiry dates, a lifetime tier, benefits set and listed, the
# status with its expiry date and lifetime tier, a review stepping one level
# down, the expiry rounding of the ledger policy, points pending until an
# action (points earn --mature-at never / points release; purchase record
# --hold until-action / purchase release), and bad values failing with one
# line on stderr.
set -euo pipefail
patron=$1
dir=$(mktemp -d /tmp/patron_cli_tier.XXXXXX)
. "$(dirname "$0")/../support/pt_store.sh"
trap 'pt_store_cleanup; rm -rf "$dir"' EXIT
db=$(pt_store_db "$dir" "$patron") || exit $?
fail() { echo "FAIL: $*" >&2; exit 1; }

"$patron" member add --db "$db" --phone 050-123-4567 --name "Dana Levi" --consent sms --at 1767225600 >/dev/null
"$patron" tier configure --db "$db" --tier basic=0 --tier silver=50000 --tier gold=200000 --window-days 30 \
    --downgrade one-level --expiry-months 1 --grace-days 0 >/dev/null
out=$("$patron" tier lifetime --db "$db" --tier silver)
[[ $out == "tier silver is a lifetime tier" ]] || fail "lifetime: $out"
"$patron" tier benefits --db "$db" --tier gold --benefit "free shipping" --benefit lounge >/dev/null
"$patron" purchase record --db "$db" --member '#1' --key o1 --amount 250000 --at 1767225600 >/dev/null
out=$("$patron" tier show --db "$db" --member '#1' --at 1767225600 --format json)
python3 - "$out" <<'PY'
import json, sys
s = json.loads(sys.argv[1])
assert s["tier"] == "gold" and s["valid_until"] == 1769904000, s   # 2026-01-01 + 1 month
assert s["lifetime"] is None and s["grace_until"] is None, s
PY
out=$("$patron" tier benefits --db "$db" --member '#1' --format json)
[[ $out == '{"member_id": 1, "benefits": ["free shipping", "lounge"]}' ]] || fail "benefits: $out"
# before the date nothing moves; after it one level, then the lifetime tier holds
out=$("$patron" tier review --db "$db" --at 1769904000)
[[ $out == "reviewed: 1 member changed tier" ]] || fail "review: $out"
out=$("$patron" tier show --db "$db" --member '#1' --at 1769904000)
[[ $out == *"tier silver since 1769904000"* && $out == *"lifetime tier silver"* ]] || fail "show: $out"
"$patron" tier review --db "$db" --at 1790000000 >/dev/null
out=$("$patron" tier show --db "$db" --member '#1' --at 1790000000 --format json)
[[ $out == *'"tier": "silver"'* ]] || fail "lifetime not kept: $out"
out=$("$patron" tier benefits --db "$db" --member '#1')
[[ -z $out ]] || fail "silver has no benefits: $out"
# bad values: one line on stderr, non-zero
"$patron" tier configure --db "$db" --tier a=0 --downgrade sideways 2>"$dir/err" && fail "--downgrade sideways accepted"
[[ $(wc -l <"$dir/err") == 1 ]] && grep -q "recompute, one-level or balance" "$dir/err" || fail "$(cat "$dir/err")"
"$patron" tier lifetime --db "$db" --tier iron 2>"$dir/err" && fail "unknown tier accepted"
grep -q "no tier 'iron'" "$dir/err" || fail "$(cat "$dir/err")"
# the ledger policy's expiry rounding
out=$("$patron" points policy --db "$db" --expiry-months 12 --expiry-round quarter)
[[ $out == *'"expiry_round": "quarter"'* && $out == *'"end_of_month": false'* ]] || fail "policy: $out"
out=$("$patron" points policy --db "$db" --end-of-month 1)
[[ $out == *'"expiry_round": "month"'* ]] || fail "end-of-month: $out"
"$patron" points policy --db "$db" --expiry-round fortnight 2>/dev/null && fail "--expiry-round fortnight accepted"
# points pending until an action
"$patron" points policy --db "$db" --expiry-months 0 --expiry-round exact >/dev/null
"$patron" member add --db "$db" --phone 050-765-4321 --name "Noa" --consent sms --at 1767225600 >/dev/null
"$patron" points earn --db "$db" --member '#2' --points 120 --key web-17 --mature-at never --at 1767225600 >/dev/null
out=$("$patron" points balance --db "$db" --member '#2' --at 1800000000 --format json)
[[ $out == *'"available": 0, "pending": 120'* ]] || fail "held: $out"
out=$("$patron" points release --db "$db" --key web-17 --at 1767312000)
[[ $out == *'"points": 120, "replayed": false'* ]] || fail "release: $out"
out=$("$patron" points release --db "$db" --key web-17 --at 1767312001)
[[ $out == *'"replayed": true'* ]] || fail "release again: $out"
out=$("$patron" points balance --db "$db" --member '#2' --at 1767312000 --format json)
[[ $out == *'"available": 120, "pending": 0'* ]] || fail "released: $out"
"$patron" purchase record --db "$db" --member '#2' --key web-18 --amount 9900 --hold until-action \
    --at 1767225600 >/dev/null
out=$("$patron" purchase release --db "$db" --key web-18 --at 1767398400)
[[ $out == '{"key": "web-18", "released": 0, "at": 1767398400}' ]] || fail "purchase release: $out"  # no rules: no points
"$patron" purchase record --db "$db" --member '#2' --key web-19 --amount 100 --hold later 2>/dev/null \
    && fail "--hold later accepted"
"$patron" points release --db "$db" --key nosuch 2>"$dir/err" && fail "release of an unknown key"
grep -q "no posting with key 'nosuch'" "$dir/err" || fail "$(cat "$dir/err")"
echo ok
