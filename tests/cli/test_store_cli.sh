#!/usr/bin/env bash
# The issue's CLI example, end to end: enrol, earn twice with one key (awards
# once), balance by another spelling of the phone number, plus the other
# member/points subcommands and their failure exits.
set -euo pipefail
patron=$1
dir=$(mktemp -d /tmp/patron_cli_store.XXXXXX)
. "$(dirname "$0")/../support/pt_store.sh"
trap 'pt_store_cleanup; rm -rf "$dir"' EXIT
db=$(pt_store_db "$dir" "$patron") || exit $?
fail() { echo "FAIL: $*" >&2; exit 1; }

"$patron" member add --db "$db" --phone 050-123-4567 --name "Dana Levi" --consent sms >/dev/null
"$patron" points earn --db "$db" --member +972501234567 --points 100 --key order-17 >/dev/null
sleep 1 # a retry later in time is still the same request
out=$("$patron" points earn --db "$db" --member +972501234567 --points 100 --key order-17)
[[ $out == *'"replayed": true'* ]] || fail "second earn not a replay: $out"
out=$("$patron" points balance --db "$db" --member "+972 50 123 4567" --format json)
[[ $out == *'"available": 100'* ]] || fail "balance: $out"
python3 -c 'import json,sys; d=json.loads(sys.argv[1]); assert d["available"] == 100, d' "$out"

# same key, other content: conflict, exit 1, one line on stderr
if err=$("$patron" points earn --db "$db" --member 0501234567 --points 5 --key order-17 2>&1 >/dev/null); then
    fail "conflicting key accepted"
fi
[[ $err == "patron points: earn: conflict"* ]] || fail "conflict message: $err"
# insufficient balance
if "$patron" points redeem --db "$db" --member "#1" --points 101 --key r1 2>/dev/null; then fail "overdraft"; fi
out=$("$patron" points redeem --db "$db" --member "#1" --points 30 --key r1)
rid=$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["posting_id"])' "$out") # ids need not be dense
"$patron" points reverse --db "$db" --posting "$rid" --points 10 --key ret1 >/dev/null
out=$("$patron" points balance --db "$db" --member 050-123-4567)
[[ $out == *"80 points available"* ]] || fail "balance after redeem/reverse: $out"
out=$("$patron" points statement --db "$db" --member 050-123-4567 --format json)
python3 -c 'import json,sys; d=json.loads(sys.argv[1]); assert [p["kind"] for p in d["postings"]] == ["earn","redeem","reverse"], d' "$out"

"$patron" member add --db "$db" --email Dana.Levi@Example.com --name "Dana L" --consent email >/dev/null
"$patron" points earn --db "$db" --member dana.levi@example.com --points 20 --key order-18 >/dev/null
"$patron" member merge --db "$db" --keep 050-123-4567 --merge dana.levi@example.com --operator ops >/dev/null
out=$("$patron" points balance --db "$db" --member dana.levi@example.com --format json)
[[ $out == *'"available": 100'* && $out == *'"member_id": 1'* ]] || fail "after merge: $out"
out=$("$patron" member show --db "$db" --member "#2" --format json)
python3 -c 'import json,sys; d=json.loads(sys.argv[1]); assert d["member_id"] == 1 and d["email"] == "dana.levi@example.com", d' "$out"
out=$("$patron" member export --db "$db" --member "#1")
python3 -c 'import json,sys; d=json.loads(sys.argv[1]); assert len(d["merges"]) == 1 and d["points_total"] == 100, d' "$out"
"$patron" member erase --db "$db" --member "#1" --operator dpo >/dev/null
out=$("$patron" member export --db "$db" --member "#1")
[[ $out != *Dana* ]] || fail "erased data still exported"
if "$patron" member show --db "$db" --member 050-123-4567 2>/dev/null; then fail "erased phone still found"; fi
"$patron" member --help >/dev/null
"$patron" points --help >/dev/null
if "$patron" points balance --member x 2>/dev/null; then fail "missing --db accepted"; fi
echo "cli store example: ok"
# tiers: not configured is a clear failure; --help works
if err=$("$patron" tier show --db "$db" --member "#1" 2>&1); then fail "tier show without tiers"; fi
[[ $err == "patron tier: show: invalid argument: no tiers are configured"* ]] || fail "tier message: $err"
"$patron" tier --help >/dev/null
echo "cli tier: ok"
# ledger policy: negative balances only when the program allows them
db2=$(pt_store_db "$dir" "$patron") || exit $?
"$patron" member add --db "$db2" --phone 050-555-0000 --name "Noa" --consent sms >/dev/null
out=$("$patron" points policy --db "$db2")
python3 -c 'import json,sys; d=json.loads(sys.argv[1]); assert d["overdraft_limit"] == 0 and d["expiry_months"] == 0, d' "$out"
"$patron" points earn --db "$db2" --member 0505550000 --points 10 --key p1 --at 1700000000 >/dev/null
if "$patron" points redeem --db "$db2" --member 0505550000 --points 30 --key p2 --at 1700000001 2>/dev/null; then
    fail "overdraft without a policy"
fi
out=$("$patron" points policy --db "$db2" --overdraft 25 --expiry-months 12)
python3 -c 'import json,sys; d=json.loads(sys.argv[1]); assert d["overdraft_limit"] == 25 and d["expiry_months"] == 12, d' "$out"
"$patron" points redeem --db "$db2" --member 0505550000 --points 30 --key p2 --at 1700000001 >/dev/null
out=$("$patron" points balance --db "$db2" --member 0505550000 --at 1700000002 --format json)
[[ $out == *'"available": -20'* ]] || fail "overdrawn balance: $out"
if err=$("$patron" points redeem --db "$db2" --member 0505550000 --points 6 --key p3 --at 1700000003 2>&1); then
    fail "beyond the overdraft limit"
fi
[[ $err == *"overdraft limit of 25"* ]] || fail "overdraft message: $err"
if "$patron" points policy --db "$db2" --overdraft -1 2>/dev/null; then fail "negative limit accepted"; fi
echo "cli ledger policy: ok"
