#!/bin/sh
# `patron rule add|budget set|budget show` and `patron report liability` end
# to end: a campaign with a points budget and a daily per-member limit, the
# award at the boundary given exactly the remainder; the liability of what
# was posted. usage: cli_rule.sh PATRON
set -u
patron=$1
. "$(dirname "$0")/../support/check.sh"
db=/tmp/cli_rule.$$.db
err=/tmp/cli_rule_err.$$
rm -f "$db"
"$patron" init --db "$db" >/dev/null
"$patron" member add --db "$db" --name A --phone 050-123-4567 --consent sms --country IL --at 1767571200 >/dev/null
"$patron" member add --db "$db" --name B --phone 050-123-4568 --consent sms --country IL --at 1767571200 >/dev/null
check "rule add" '{"rule": "flash", "version": 1}' "$("$patron" rule add --db "$db" --name flash --kind campaign --points 30)"
"$patron" rule budget set --db "$db" --name flash --points 80 --member-window day --member-points 40 >/dev/null
check "budget set exit" "0" "$?"
pts() { "$patron" purchase record --db "$db" --member "$1" --key "$2" --amount 1000 --at "$3" | sed 's/.*"points": \([0-9]*\).*/\1/'; }
check "first" "30" "$(pts 050-123-4567 o1 1767571200)"
check "member limit: the remainder of 40" "10" "$(pts 050-123-4567 o2 1767571300)"
check "other member" "30" "$(pts 050-123-4568 o3 1767571400)"
check "total budget: the remainder of 80" "10" "$(pts 050-123-4568 o4 1767571500)"
check "spent" "0" "$(pts 050-123-4567 o5 1767657600)"
out=$("$patron" rule budget show --db "$db" --name flash --at 1767571200 --member 050-123-4567 | tr -d '\n' | sed 's/.*"points_used": \([0-9]*\), "awards_used": \([0-9]*\), "points_left": \([-0-9]*\).*"member_points_used": \([0-9]*\).*"member_points_left": \([-0-9]*\).*/\1 \2 \3 \4 \5/')
check "budget show" "80 4 0 40 0" "$out"
"$patron" rule budget set --db "$db" --name nope --points 5 2>"$err" >/dev/null
check "unknown rule exit" "1" "$?"
check "unknown rule" "patron rule: budget set: not found: no earning rule named 'nope'" "$(cat "$err")"
"$patron" rule budget set --db "$db" --name flash --period fortnight 2>"$err" >/dev/null
check "bad window" "patron rule: --period 'fortnight': expected none, day, week or month" "$(cat "$err")"
# the liability of the 80 points posted, at half a minor unit a point
out=$("$patron" report liability --db "$db" --cost-per-point 1/2)
check "liability json" '[
{"month_start":1767225600,"as_of":1769903999,"issued":80,"redeemed":0,"expired":0,"adjusted":0,"available":80,"pending":0,"outstanding":80,"value":40,"redeemed_to_date":0,"expired_to_date":0,"breakage_rate":null,"expected_breakage":0,"expected_cost":40}
]' "$out"
check "liability text rows" "3" "$("$patron" report liability --db "$db" --cost-per-point 5/1000 --to 2026-02-01 --format text | wc -l)"
"$patron" report liability --db "$db" --cost-per-point half 2>"$err" >/dev/null
check "bad cost exit" "2" "$?"
rm -f "$db" "$err"
exit $((fails > 0))
