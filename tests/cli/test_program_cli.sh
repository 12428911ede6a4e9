#!/usr/bin/env bash
# Several programs in one store from the command line: a program created
# and listed, a member joined, points earned in it with --program
# (independent of the default program's), a key of the default program
# refused there, the members and a member's programs; earning rules and
# tiers per program (a purchase scored by each program's own rule, a tier
# in one program only); bad calls fail with one line on stderr.
set -euo pipefail
patron=$1
dir=$(mktemp -d /tmp/patron_cli_program.XXXXXX)
. "$(dirname "$0")/../support/pt_store.sh"
trap 'pt_store_cleanup; rm -rf "$dir"' EXIT
db=$(pt_store_db "$dir" "$patron") || exit $?
fail() { echo "FAIL: $*" >&2; exit 1; }
T=1767225600

"$patron" member add --db "$db" --phone 050-123-4567 --name "Dana Levi" --consent sms --at $T >/dev/null
"$patron" member add --db "$db" --phone 050-123-4568 --name "Ben" --consent sms --at $T >/dev/null
"$patron" points earn --db "$db" --member +972501234567 --points 100 --key d1 --at $T >/dev/null
out=$("$patron" program create --db "$db" --name bakery --actor alice)
[[ $out == '{"program": "bakery", "created": true}' ]] || fail "create: $out"
out=$("$patron" program list --db "$db")
[[ $out == '["default", "bakery"]' ]] || fail "list: $out"
out=$("$patron" program join --db "$db" --program bakery --member +972501234567 --at $T)
[[ $out == '{"program": "bakery", "member_id": 1, "joined": true}' ]] || fail "join: $out"
"$patron" points policy --db "$db" --program bakery --expiry-months 1 >/dev/null
out=$("$patron" points earn --db "$db" --program bakery --member +972501234567 --points 30 --key b1 --at $T)
[[ $out == *'"points": 30'* ]] || fail "earn: $out"
out=$("$patron" points balance --db "$db" --program bakery --member +972501234567 --at $((T + 10)) --format json)
[[ $out == *'"available": 30'* ]] || fail "bakery balance: $out"
out=$("$patron" points balance --db "$db" --program bakery --member +972501234567 --at $((T + 40 * 86400)) --format json)
[[ $out == *'"available": 0'* ]] || fail "bakery balance after expiry: $out"
out=$("$patron" points balance --db "$db" --member +972501234567 --at $((T + 40 * 86400)) --format json)
[[ $out == *'"available": 100'* ]] || fail "default balance: $out"
if err=$("$patron" points earn --db "$db" --program bakery --member +972501234567 --points 100 --key d1 --at $T 2>&1); then
  fail "a default program's key was taken in bakery"
fi
[[ $err == *"in program 'default'"* && $(echo "$err" | wc -l) -eq 1 ]] || fail "key message: $err"
if err=$("$patron" points earn --db "$db" --program bakery --member +972501234568 --points 5 --key b2 --at $T 2>&1); then
  fail "earned outside the program"
fi
[[ $err == *"has not joined program 'bakery'"* ]] || fail "join message: $err"
out=$("$patron" program members --db "$db" --program bakery)
[[ $out == '{"program": "bakery", "members": [1]}' ]] || fail "members: $out"
out=$("$patron" program of --db "$db" --member +972501234567)
[[ $out == '{"member_id": 1, "programs": ["default", "bakery"]}' ]] || fail "of: $out"
# rules and tiers are the current program's: 1 point per 100 in default,
# 5 per 100 in bakery; a tier only in bakery
"$patron" rule add --db "$db" --name base --kind base --points 1 --per-amount 100 --from $T >/dev/null
"$patron" rule add --db "$db" --program bakery --name base --kind base --points 5 --per-amount 100 --from $T >/dev/null
"$patron" tier configure --db "$db" --program bakery --metric points --tier crumb=0 --tier loaf=100 >/dev/null
out=$("$patron" purchase record --db "$db" --member +972501234567 --key o1 --amount 2000 --at $((T + 60)))
[[ $out == *'"points": 20'* ]] || fail "default rule: $out"
out=$("$patron" purchase record --db "$db" --program bakery --member +972501234567 --key o2 --amount 2000 --at $((T + 70)))
[[ $out == *'"points": 100'* ]] || fail "bakery rule: $out"
out=$("$patron" tier show --db "$db" --program bakery --member +972501234567 --at $((T + 80)) --format json)
[[ $out == *'"loaf"'* ]] || fail "bakery tier: $out"
if err=$("$patron" tier show --db "$db" --member +972501234567 --at $((T + 80)) 2>&1); then
  fail "the default program has no tiers: $err"
fi
if err=$("$patron" points balance --db "$db" --program nope --member +972501234567 2>&1); then fail "unknown program"; fi
[[ $err == *"no program 'nope'"* ]] || fail "unknown program message: $err"
if "$patron" program create --db "$db" --name "Bad Name" 2>/dev/null; then fail "bad name"; fi
if "$patron" program frobnicate --db "$db" 2>/dev/null; then fail "unknown subcommand"; fi
"$patron" program join --help | head -1 | grep -q "^usage: patron program " || fail "join --help"
echo "cli program: ok"
