#!/bin/sh
# Purchases recorded with `patron purchase` come straight out of the store:
# `patron summary --db`, `patron report weekly --db`. usage: cli_mart.sh PATRON
set -u
patron=$1
tmp=$(mktemp -d)
. "$(dirname "$0")/../support/check.sh"
. "$(dirname "$0")/../support/pt_store.sh"
trap 'pt_store_cleanup' EXIT
db=$(pt_store_db "$tmp" "$patron") || exit $?
"$patron" member add --db "$db" --name Dana --email dana@example.com --consent email --at 1700000000 >/dev/null
"$patron" member add --db "$db" --name Eli --email eli@example.com --consent email --at 1700000000 >/dev/null
"$patron" member add --db "$db" --name Dana2 --phone +972501234567 --consent sms --at 1700000000 >/dev/null
out=$("$patron" purchase record --db "$db" --member dana@example.com --key o1 --amount 2500 --at 1700100000)
check "record" '{"member_id": 1, "points": 0, "postings": 0, "replayed": false}' "$out"
out=$("$patron" purchase record --db "$db" --member dana@example.com --key o1 --amount 2500 --at 1700100000)
check "record is idempotent" '{"member_id": 1, "points": 0, "postings": 0, "replayed": true}' "$out"
"$patron" purchase record --db "$db" --member dana@example.com --key o2 --amount 1500 --at 1701100000 >/dev/null
"$patron" purchase record --db "$db" --member '#2' --key o3 --amount 999 --at 1701200000 >/dev/null
"$patron" purchase record --db "$db" --member '#3' --key o4 --amount 100 --at 1701150000 >/dev/null
out=$("$patron" purchase return --db "$db" --key o2 --at 1701300000)
check "return" '{"key": "o2", "returned_at": 1701300000}' "$out"
"$patron" member merge --db "$db" --keep '#1' --merge '#3' --operator test --at 1701400000 >/dev/null
head="customer_id,frequency,recency,T,monetary_value,first_purchase,last_purchase,orders,total_spend"
# before the return: o2 counts; member 3's purchase counts for member 1 (merged into it)
out=$("$patron" summary --db "$db" --as-of 1701250000)
check "as of before the return" "$head
1,2,12,13,8,1700100000,1701150000,3,41.00
2,0,0,1,0,1701200000,1701200000,1,9.99" "$out"
out=$("$patron" summary --db "$db" --as-of 2023-12-31)
check "after the return" "$head
1,1,12,45,1,1700100000,1701150000,2,26.00
2,0,0,33,0,1701200000,1701200000,1,9.99" "$out"
out=$("$patron" summary --db "$db" --as-of 1701250000 --format json | head -c 36)
check "json ids are strings" '[
{"customer_id":"1","frequency":2,"' "$out"
out=$("$patron" report weekly --db "$db" --as-of 2023-12-31 | cut -d, -f1-6 | head -3)
check "weekly" "week,new_customers,active_customers,buyers,purchases,spend
2023-11-13,1,1,1,1,2500
2023-11-20,0,1,0,0,0" "$out"
"$patron" summary --db "$db" --as-of 2023-12-31 >"$tmp/summary.csv"
out=$("$patron" segment --input "$tmp/summary.csv" --db "$db" --now 2023-12-31 --rule "purchases_90d >= 2" | cut -d, -f1)
check "segment with activity from the store" "customer_id
1" "$out"
"$patron" summary --db "$db" --input x.csv 2>/dev/null
check "--db with --input is a usage error" 2 $?
"$patron" summary --as-of 5 2>/dev/null
check "--as-of without --db" 2 $?
err=$("$patron" summary --db "$db" --as-of yesterday 2>&1 >/dev/null)
check "bad --as-of" "patron summary: --as-of 'yesterday' is not a time (epoch seconds or ISO-8601) (see \`patron summary --help\`)" "$err"
err=$("$patron" purchase record --db "$db" --member '#1' --key 'o5 ' --amount 1 --at 1701500000 2>&1 >/dev/null)
case $err in *"white space"*) ;; *) check "key with a trailing blank" "refused" "$err" ;; esac
# scores: two members cannot identify a model; the failure says so and stores nothing
err=$("$patron" scores refresh --db "$db" --as-of 2023-12-31 2>&1 >/dev/null)
case $err in "patron scores: refresh: "*"fitting bgnbd"*) ;; *) check "scores on too little data" "a fit failure" "$err" ;; esac
out=$("$patron" member card --db "$db" --member '#1' --at 1701250000 | grep '"clv"')
check "no scores yet" '  "clv": null,' "$out"
err=$("$patron" scores refresh --db "$db" --model gg 2>&1 >/dev/null)
check "scores: a spend model is not a transaction model" "patron scores: refresh: invalid argument: model 5 (gg) is not a transaction model (bgnbd, mbgnbd, pnbd)" "$err"
out=$("$patron" scores by --db "$db" --by channel | tr -d ' \n')
check "scores by channel before any refresh" '[{"channel":null,"members":2,"scored":0,"p_alive_mean":null,"clv_12m_mean":null,"clv_12m_total":null}]' "$out"
# behaviour events into the store, and on the card
out=$("$patron" behaviour record --db "$db" --member '#1' --kind clicked --campaign winback --source email --key c1 --at 1701240000)
check "behaviour record" '{"member_id": 1, "kind": "clicked", "at": 1701240000, "replayed": false}' "$out"
printf 'member,at,kind,key,score\n#1,1701200000,visit,v1,\n#1,1701210000,nps,n1,9\n' >"$tmp/ev.csv"
out=$("$patron" behaviour import --db "$db" --input "$tmp/ev.csv")
check "behaviour import" '{"recorded": 2}' "$out"
out=$("$patron" member card --db "$db" --member '#1' --at 1701250000 | grep '"behaviour"')
check "card behaviour" '  "behaviour": {"last_visit_at": 1701200000, "visits_30d": 1, "cart_adds_30d": 0, "nps": {"score": 9, "at": 1701210000}, "campaigns": [{"at": 1701240000, "kind": "clicked", "campaign": "winback", "source": "email"}]},' "$out"
printf 'member,at,kind,key\n#1,1701200000,visit,v2\n#1,1701200000,buy,v3\n' >"$tmp/bad.csv"
err=$("$patron" behaviour import --db "$db" --input "$tmp/bad.csv" 2>&1 >/dev/null)
case $err in *"line 3"*"buy"*) ;; *) check "behaviour import names the line" "line 3 ... buy" "$err" ;; esac
# journeys and CLV fits read the store's summary when no file is given
out=$("$patron" journey due --db "$db" --now 1701250000 | cut -d, -f1,3,4 | sort)
check "journey due from the store" "1,post_purchase,1
2,post_purchase,1
member_id,journey,step" "$out"
err=$("$patron" clv fit --model bgnbd --db "$db" --as-of 2023-12-31 2>&1 >/dev/null)
case $err in "patron clv: fit: did not converge"*) ;; *) check "clv fit --db on two members" "a fit failure" "$err" ;; esac
err=$("$patron" clv fit --model bgnbd --db "$db" --input x.csv 2>&1 >/dev/null)
check "clv fit: one input" "patron clv: --input and --db: give one (a summary file, or the store's purchases)" "$err"
# history from a file: two lines of one order, all or nothing, retried safely
printf 'member,at,key,amount,category,quantity\n#2,1701500000,f1,1000,shoes,2\n#2,1701500000,f1,250,socks,\n' > "$tmp/p.csv"
out=$("$patron" purchase import --db "$db" --input "$tmp/p.csv")
check "purchase import" '{"recorded": 1}' "$out"
out=$("$patron" purchase import --db "$db" --input "$tmp/p.csv")
check "purchase import again" '{"recorded": 0}' "$out"
printf 'member,at,key,amount\n#2,1701600000,f2,100\n#2,1701600001,f3,1.5\n' > "$tmp/bad.csv"
out=$("$patron" purchase import --db "$db" --input "$tmp/bad.csv" 2>&1)
check "purchase import: a bad row" "patron purchase: import: invalid argument: $tmp/bad.csv: line 3: amount '1.5' is not an integer (minor units)" "$out"
out=$("$patron" summary --db "$db" --as-of 1701700000 | grep '^2,')
check "imported order in the summary, nothing of the bad file" "2,1,4,6,12.5,1701200000,1701500000,2,22.49" "$out"
exit $((fails > 0))
