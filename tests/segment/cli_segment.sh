#!/bin/sh
# `patron segment` end to end: selection by rule and by named segment, the
# three output formats, RFM columns, and failures with their messages.
# usage: cli_segment.sh PATRON DATA_DIR
set -u
patron=$1
data=$2/segment_summary.csv # money in minor units: read with --minor-units
tmp=$(mktemp -d)
. "$(dirname "$0")/../support/check.sh"

out=$("$patron" segment --minor-units --input "$data" --segment at_risk --now 1506912000)
check "at_risk csv" "customer_id,frequency,recency,T,monetary_value,first_purchase,last_purchase,orders,total_spend,consent.sms,city
a,1,10,80,30,1500000000,1500864000,2,4000,1,Paris" "$out"

out=$("$patron" segment --minor-units --input "$data" --segment new --now 2017-09-30)
check "new (ISO now)" "b" "$(echo "$out" | tail -n +2 | cut -d, -f1)"

out=$("$patron" segment --minor-units --input "$data" --rule 'orders >= 2 and consent.sms' --count)
check "count" "2" "$out"

out=$("$patron" segment --minor-units --input "$data" --rule "city in ['Lyon']" --format json)
check "json" '[
{"customer_id":"c","frequency":3,"recency":75,"T":75,"monetary_value":20,"first_purchase":1500432000,"last_purchase":1506912000,"orders":4,"total_spend":8000,"consent.sms":1,"city":"Lyon"}
]' "$out"

out=$("$patron" segment --minor-units --input "$data" --rule 'total_spend >= 4000' --rfm --format text)
check "text + rfm" "customer_id  frequency  recency   T  monetary_value  first_purchase  last_purchase  orders  total_spend  consent.sms  city   rfm_r  rfm_f  rfm_m  rfm_score  rfm_segment
a                    1       10  80              30      1500000000     1500864000       2         4000            1  Paris      1      2      4        124  Hibernating
c                    3       75  75              20      1500432000     1506912000       4         8000            1  Lyon       4      4      2        442  Potential loyalist" "$out"

out=$("$patron" segment --minor-units --input "$data" --rfm --rule 'rfm_segment == "About to sleep"' --count)
check "rfm rule" "1" "$out"

out=$("$patron" segment --minor-units --input "$data" --define 'big=total_spend > 5000' --segment big --count)
check "define" "1" "$out"
out=$("$patron" segment --minor-units --input "$data" --define 'returning=orders >= 4' --segment returning --count)
check "override" "1" "$out"

tx=$2/segment_transactions.csv
out=$("$patron" segment --minor-units --input "$data" --transactions "$tx" --category-col category --now 2017-09-30 \
      --rule 'purchases_90d >= 2 and favourite_category == "books"' --format csv | cut -d, -f1,13,16,26,28,31)
check "activity columns" "customer_id,days_since_last,purchases_60d,spend_90d,avg_basket,favourite_category
c,2,2,8000,2000,books" "$out"
"$patron" segment --minor-units --input "$data" --transactions "$tx" --rule true 2>"$tmp/e" >/dev/null
check "activity needs now" "patron segment: --transactions and --db need --now (activity columns are computed at a moment)" "$(cat "$tmp/e")"

# Money: a summary as `patron summary` writes it (major units) is read into
# minor units, so rules mean what they mean in the library; output keeps
# the input's units. The same summary in minor units selects the same rows.
"$patron" summary --input "$2/summary_tx.csv" >"$tmp/major.csv"
"$patron" summary --input "$2/summary_tx.csv" --minor-units >"$tmp/minor.csv"
out=$("$patron" segment --input "$tmp/major.csv" --rule 'total_spend > 600 and monetary_value >= 150')
check "major-unit summary: rules in minor units, output as read" "customer_id,frequency,recency,T,monetary_value,first_purchase,last_purchase,orders,total_spend
alice,2,31,31,59.995,1704067200,1706745600,4,132.49
bob,1,18,30,1.5,1704184200,1705708800,2,6.5" "$out"
out=$("$patron" segment --input "$tmp/minor.csv" --minor-units --rule 'total_spend > 600 and monetary_value >= 150' | cut -d, -f1)
check "minor-unit summary: the same customers" "customer_id
alice
bob" "$out"
out=$("$patron" segment --input "$tmp/major.csv" --rule 'total_spend == 725' --count)
check "a total in major units is whole minor units" "1" "$out"
out=$("$patron" segment --input "$tmp/major.csv" --decimals 0 --rule 'total_spend > 100' --count)
check "--decimals 0: money as read" "1" "$out"
printf 'customer_id,date,amount\nalice,2024-01-30,10.50\nbob,2024-01-20,2.25\n' >"$tmp/tx.csv"
out=$("$patron" segment --input "$tmp/major.csv" --transactions "$tmp/tx.csv" --now 2024-02-01 \
      --rule 'spend >= 1000 and total_spend > 10000' --format csv | cut -d, -f1,9,22,26)
check "activity spend in minor units for rules, written in major units" "customer_id,total_spend,spend,avg_basket
alice,132.49,10.5,10.5" "$out"
"$patron" segment --input "$tmp/major.csv" --decimals x --rule true 2>"$tmp/e" >/dev/null
check "bad --decimals exit" "2" "$?"

# Issue 20 through the command line: RFM of near-equal monetary values
# (30 customers at 33.33333333333333, 30 at 33.333333333333336: the second
# group scores 1 + floor(5 * 30 / 60) = 3), a literal that matches the value
# it was copied from, and a CSV time column.
{
    echo "customer_id,frequency,recency,T,monetary_value"
    i=0
    while [ $i -lt 60 ]; do
        if [ $i -lt 30 ]; then m=33.33333333333333; else m=33.333333333333336; fi
        echo "c$i,1,5,10,$m"
        i=$((i + 1))
    done
} >"$tmp/near.csv"
out=$("$patron" segment --minor-units --input "$tmp/near.csv" --rfm --rule 'rfm_m == 3' --count)
check "rfm of near-equal values" "30" "$out"
out=$("$patron" segment --minor-units --input "$tmp/near.csv" --rule 'monetary_value == 33.333333333333336' --count)
check "17-digit literal matches its value" "30" "$out"
printf 'customer_id,joined\na,2024-05-31\nb,2023-01-01\nc,\n' >"$tmp/joined.csv"
out=$("$patron" segment --input "$tmp/joined.csv" --now 2024-06-01 --rule 'joined within 1 days')
check "CSV time column" "customer_id,joined
a,1717113600" "$out"

out=$("$patron" segment --list | head -n 1)
check "list" "new        first_purchase within 30 days" "$out"

"$patron" segment --minor-units --input "$data" --rule 'orders >= 2 and' >"$tmp/o" 2>"$tmp/e"
check "parse error exit" "1" "$?"
check "parse error message" "patron segment: rule: parse error: line 1, column 16: expected a column name after 'and', found the end of the rule
  orders >= 2 and
                 ^" "$(cat "$tmp/e")"
check "parse error stdout" "" "$(cat "$tmp/o")"

"$patron" segment --minor-units --input "$data" --rule 'city > 5' 2>"$tmp/e" >/dev/null
check "type error" "patron segment: rule: invalid argument: line 1, column 1: type mismatch: 'city' is a text column, but '>' needs numbers" "$(head -n 1 "$tmp/e")"

"$patron" segment --minor-units --input "$data" --segment at_risk 2>"$tmp/e" >/dev/null
check "now needed exit" "1" "$?"
check "now needed hint" "patron segment: this rule uses relative dates: pass --now TIME" "$(tail -n 1 "$tmp/e")"

"$patron" segment --minor-units --input "$data" --segment vip 2>"$tmp/e" >/dev/null
check "unknown segment" "patron segment: segment: not found: no segment named 'vip' (known: new, returning, at_risk, stars)" "$(cat "$tmp/e")"

"$patron" segment --minor-units --input "$data" --rule true --format xml 2>"$tmp/e" >/dev/null
check "bad format" "patron segment: --format must be csv, json or text, not 'xml'" "$(cat "$tmp/e")"
"$patron" segment --minor-units --input "$data" 2>/dev/null
check "usage exit" "2" "$?"
"$patron" segment --help >/dev/null
check "help exit" "0" "$?"

rm -rf "$tmp"
if [ "$fails" -ne 0 ]; then
    echo "$fails check(s) failed"
    exit 1
fi
echo "cli segment: all checks passed"
