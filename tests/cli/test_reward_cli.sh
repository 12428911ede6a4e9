#!/usr/bin/env bash
# The reward and coupon commands end to end: a reward added, changed and
# listed; a redemption, its retry, cancel (points back) and fulfil; a
# coupon campaign generated from a pattern, validated, redeemed, published;
# a gift card drawn down in parts; imports from a file; every bad call
# fails with one line on stderr.
set -euo pipefail
patron=$1
dir=$(mktemp -d /tmp/patron_cli_reward.XXXXXX)
. "$(dirname "$0")/../support/pt_store.sh"
trap 'pt_store_cleanup; rm -rf "$dir"' EXIT
db=$(pt_store_db "$dir" "$patron") || exit $?
fail() { echo "FAIL: $*" >&2; exit 1; }
T=1767225600

"$patron" member add --db "$db" --phone 050-123-4567 --name "Dana Levi" --consent sms --at $T >/dev/null
"$patron" points earn --db "$db" --member +972501234567 --points 500 --key order-1 --at $T >/dev/null
out=$("$patron" reward add --db "$db" --code mug --cost 200 --stock 1 --title "A mug" --actor alice)
[[ $out == '{"code": "mug", "created": true}' ]] || fail "add: $out"
out=$("$patron" reward add --db "$db" --code mug --cost 150 --stock 1 --title "A mug")
[[ $out == *'"created": false'* ]] || fail "change: $out"
out=$("$patron" reward redeem --db "$db" --member +972501234567 --reward mug --key r1 --at $((T + 10)))
python3 - "$out" <<'PY'
import json, sys
r = json.loads(sys.argv[1])
assert r["status"] == "issued" and r["points"] == 150 and r["replayed"] is False and r["changed_at"] is None, r
PY
out=$("$patron" reward redeem --db "$db" --member +972501234567 --reward mug --key r1 --at $((T + 20)))
[[ $out == *'"replayed": true'* ]] || fail "retry: $out"
if err=$("$patron" reward redeem --db "$db" --member +972501234567 --reward mug --key r2 2>&1); then fail "oversold"; fi
[[ $err == "patron reward: redeem: "*"out of stock"* && $(echo "$err" | wc -l) -eq 1 ]] || fail "stock message: $err"
out=$("$patron" reward list --db "$db" --format json)
[[ $out == *'"stock": 0'*'"issued": 1'* ]] || fail "list: $out"
out=$("$patron" reward cancel --db "$db" --key r1 --at $((T + 40)))
[[ $out == *'"status": "cancelled"'* ]] || fail "cancel: $out"
out=$("$patron" reward list --db "$db")
[[ $out == "mug  cost 150  stock 1  issued 0  fulfilled 0  cancelled 1  A mug" ]] || fail "list text: $out"
"$patron" reward redeem --db "$db" --member +972501234567 --reward mug --key r3 --at $((T + 50)) >/dev/null
out=$("$patron" reward fulfil --db "$db" --key r3 --at $((T + 60)))
[[ $out == *'"status": "fulfilled"'* ]] || fail "fulfil: $out"
if err=$("$patron" reward cancel --db "$db" --key r3 2>&1); then fail "cancelled a fulfilled one"; fi
[[ $err == "patron reward: cancel: "*"fulfilled"* ]] || fail "cancel message: $err"
if "$patron" reward frobnicate --db "$db" 2>/dev/null; then fail "unknown subcommand"; fi
"$patron" reward add --help | head -1 | grep -q "^usage: patron reward add " || fail "add --help"
echo "cli reward: ok"

out=$("$patron" coupon create --db "$db" --name summer --amount-off 500 --min-basket 2000 --pattern 'SUMMER-####-??' --count 5 --seed 9)
[[ $out == '{"campaign": "summer", "generated": 5}' ]] || fail "create: $out"
code=$("$patron" coupon list --db "$db" --campaign summer --format json | head -1 | python3 -c 'import json,sys; print(json.loads(sys.stdin.readline())["code"])')
[[ $code =~ ^SUMMER-[0-9]{4}-[A-Z]{2}$ ]] || fail "code: $code"
out=$("$patron" coupon validate --db "$db" --code "$code" --basket 1000)
[[ $out == *'"verdict": "min_basket"'* ]] || fail "validate: $out"
out=$("$patron" coupon validate --db "$db" --code NOPE)
[[ $out == *'"verdict": "unknown"'* ]] || fail "unknown: $out"
out=$("$patron" coupon redeem --db "$db" --code "$code" --key c1 --basket 3000 --member +972501234567)
[[ $out == *'"verdict": "valid"'*'"value": 500'*'"uses": 1'* ]] || fail "redeem: $out"
if err=$("$patron" coupon redeem --db "$db" --code "$code" --key c2 --basket 3000 2>&1); then fail "single use used twice"; fi
[[ $err == "patron coupon: redeem: "*"used up"* ]] || fail "used-up message: $err"
out=$("$patron" coupon publish --db "$db" --campaign summer --member +972501234567)
[[ $out == *'"member_id": 1'* ]] || fail "publish: $out"
"$patron" coupon create --db "$db" --name gift --gift-card --amount-off 5000 >/dev/null
printf 'GC-1\nGC-2\n\n' > "$dir/codes.txt"
out=$("$patron" coupon import --db "$db" --campaign gift --input "$dir/codes.txt")
[[ $out == '{"campaign": "gift", "imported": 2}' ]] || fail "import: $out"
out=$("$patron" coupon redeem --db "$db" --code GC-1 --key g1 --amount 1200)
[[ $out == *'"card_balance": 3800'* ]] || fail "gift draw: $out"
if err=$("$patron" coupon redeem --db "$db" --code GC-1 --key g2 --amount 4000 2>&1); then fail "gift below zero"; fi
[[ $err == *"balance 3800"* ]] || fail "gift message: $err"
if "$patron" coupon import --db "$db" --campaign gift --input "$dir/codes.txt" 2>/dev/null; then fail "import twice"; fi
"$patron" coupon redeem --help | head -1 | grep -q "^usage: patron coupon redeem " || fail "redeem --help"
out=$("$patron" audit list --db "$db" --format json)
[[ $out == *'"reward.add"'*'"reward.change"'*'"coupon.create"'*'"coupon.import"'* ]] || fail "audit: $out"
echo "cli coupon: ok"
