#!/bin/sh
# `patron journey due` end to end on a fresh store. usage: cli_journey.sh PATRON
set -u
patron=$1
tmp=$(mktemp -d)
. "$(dirname "$0")/../support/check.sh"
. "$(dirname "$0")/../support/pt_store.sh"
trap 'pt_store_cleanup' EXIT
db=$(pt_store_db "$tmp" "$patron") || exit $?
"$patron" member add --db "$db" --name Ann --email ann@example.com --consent email,sms --at 1506700000 >/dev/null
"$patron" member add --db "$db" --name Bob --email bob@example.com --consent sms --at 1500000000 >/dev/null
printf 'customer_id,frequency,recency,T,monetary_value,first_purchase,last_purchase,orders,total_spend\n1,1,10,80,30,1500000000,1506800000,2,4000\nbob@example.com,0,0,30,0,1502600000,1502600000,1,500\nzed,0,0,1,0,1506900000,1506900000,1,100\n' >"$tmp/summary.csv"
want="member_id,customer_id,journey,step,channel,tag,scheduled
1,1,welcome,1,email,,2017-09-29T15:46:40Z
1,1,post_purchase,1,email,,2017-09-30T19:33:20Z
2,bob@example.com,win_back,1,sms,About to sleep,2017-09-27T04:53:20Z"
out=$("$patron" journey due --db "$db" --input "$tmp/summary.csv" --now 1506912000 --rfm)
check "due" "$want" "$out"
out=$("$patron" journey due --db "$db" --input "$tmp/summary.csv" --now 1506912000 --rfm)
check "due is idempotent" "$want" "$out"
out=$("$patron" journey due --db "$db" --input "$tmp/summary.csv" --now 1506912000 --channels sms | cut -d, -f3,5 | tail -n +2)
check "channel preference" "welcome,sms
post_purchase,sms
win_back,sms" "$out"
"$patron" journey due --db "$db" --input "$tmp/summary.csv" --now 1506912000 --mark >/dev/null
out=$("$patron" journey due --db "$db" --input "$tmp/summary.csv" --now 1506912000 | wc -l)
check "nothing twice" "1" "$out"
out=$("$patron" journey due --db "$db" --input "$tmp/summary.csv" --now 2017-10-03 | tail -n +2)
check "next steps" "1,1,welcome,2,email,,2017-10-02T15:46:40Z
1,1,post_purchase,2,email,,2017-10-03T19:33:20Z" "$(echo "$out" | head -n 1)
$("$patron" journey due --db "$db" --input "$tmp/summary.csv" --now 2017-10-04 | grep post_purchase)"
"$patron" journey due --db "$tmp/missing.db" --input "$tmp/summary.csv" --now 1506912000 2>/dev/null
check "missing store exit" "1" "$?"
"$patron" journey due --db "$db" 2>/dev/null
check "usage exit" "2" "$?"
# issue 21 bug 4: two customers merged into one member hear each step once
mdb=$(pt_store_db "$tmp" "$patron") || exit $?
"$patron" member add --db "$mdb" --name Ann --email ann@example.com --consent email --at 1506900000 >/dev/null
"$patron" member add --db "$mdb" --name Ann --email ann2@example.com --consent email --at 1506900000 >/dev/null
"$patron" member merge --db "$mdb" --keep '#1' --merge '#2' --operator ops --at 1506900000 >/dev/null
printf 'customer_id,frequency,recency,T,monetary_value,first_purchase,last_purchase,orders,total_spend\nann@example.com,0,0,1,0,1506900000,1506900000,1,100\nann2@example.com,0,0,1,0,1506905000,1506905000,1,100\n' >"$tmp/merged.csv"
out=$("$patron" journey due --db "$mdb" --input "$tmp/merged.csv" --now 1506912000 --mark | tail -n +2 | cut -d, -f1,3,4)
check "merged run 1" "1,welcome,1
1,post_purchase,1" "$out"
out=$("$patron" journey due --db "$mdb" --input "$tmp/merged.csv" --now 1506912000 --mark | tail -n +2)
check "merged run 2" "" "$out"
out=$("$patron" journey due --db "$mdb" --input "$tmp/merged.csv" --now 1506912000 --mark | tail -n +2)
check "merged run 3" "" "$out"
rm -rf "$tmp"
if [ "$fails" -ne 0 ]; then
    echo "$fails check(s) failed"
    exit 1
fi
echo "cli journey: all checks passed"
