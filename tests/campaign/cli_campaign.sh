#!/bin/sh
# `patron campaign create|assign|target|measure` on a store, with the sends
# recorded by `patron behaviour record`. usage: cli_campaign.sh PATRON
set -u
patron=$1
tmp=$(mktemp -d)
. "$(dirname "$0")/../support/check.sh"
. "$(dirname "$0")/../support/pt_store.sh"
trap 'pt_store_cleanup' EXIT
db=$(pt_store_db "$tmp" "$patron") || exit $?
for i in 1 2 3 4 5 6; do
    "$patron" member add --db "$db" --name "M$i" --email "m$i@example.com" --consent email --at 1700000000 >/dev/null
    "$patron" purchase record --db "$db" --member "#$i" --key "first-$i" --amount 1000 --at 1700000100 >/dev/null
done
out=$("$patron" campaign create --db "$db" --name spring --segment "orders >= 1" --offer "10% off" --control 0.5 --days 7)
check "create" '{"campaign": "spring", "control_share": 0.5, "conversion_days": 7}' "$out"
out=$("$patron" campaign create --db "$db" --name spring --control 0.2 2>&1)
check "create again with another definition" 'patron campaign: create: conflict with existing state: campaign '"'"'spring'"'"' exists with another definition' "$out"
# the groups are the experiment hash's (key campaign:spring, the member id)
out=$("$patron" campaign target --db "$db" --name spring --at 1700086400 | grep -c '"new": true')
check "target assigns the segment" "6" "$out"
groups=$("$patron" campaign target --db "$db" --name spring --at 1700090000 | grep -o '"group": "[a-z]*"' | tr -d '\n')
out=$("$patron" campaign target --db "$db" --name spring --at 1700090000 | grep -c '"new": false')
check "target again: assigned before" "6" "$out"
for i in 1 2 3 4 5 6; do
    g=$("$patron" campaign assign --db "$db" --name spring --member "#$i" --at 1700090000)
    case "$g" in
    *treatment*)
        "$patron" behaviour record --db "$db" --member "#$i" --kind sent --campaign spring --key "s$i" \
            --source email --at 1700086400 >/dev/null
        "$patron" purchase record --db "$db" --member "#$i" --key "second-$i" --amount 3000 --at 1700200000 >/dev/null ;;
    esac
    check "assign member $i keeps the first time" "1700086400" "$(echo "$g" | sed 's/.*"assigned_at": \([0-9]*\).*/\1/')"
done
n_t=$(echo "$groups" | grep -o treatment | wc -l | tr -d ' ')
out=$("$patron" campaign measure --db "$db" --name spring --as-of 1700700000 | grep -o '"treatment": {"assigned": [0-9]*, "pending": 0, "measured": [0-9]*, "sent": [0-9]*' | sed 's/.*"sent": //')
check "measure: every treated member was sent" "$n_t" "$out"
out=$("$patron" campaign measure --db "$db" --name spring --as-of 1700700000 | grep -o '"converted": [0-9]*' | head -1)
check "measure: every treated member converted" "\"converted\": $n_t" "$out"
out=$("$patron" campaign measure --db "$db" --name spring --as-of 1700600000 | grep -o '"pending": [0-9]*' | head -1)
check "measure: a window still open" "\"pending\": $n_t" "$out"
out=$("$patron" campaign measure --db "$db" --name autumn 2>&1)
check "unknown campaign" "patron campaign: measure: not found: no campaign 'autumn'" "$out"
out=$("$patron" campaign create --db "$db" --name x --days 0 2>&1)
check "bad window" "patron campaign: --days 0 is not 1..365" "$out"
out=$("$patron" campaign assign --db "$db" --name spring --member '#99' --at 1700090000 2>&1; echo "rc=$?")
check "unknown member" "patron campaign: assign: not found: member 99 not found
rc=1" "$out"
exit $((fails > 0))
