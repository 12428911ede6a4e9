#!/bin/sh
# `patron report weekly` end to end. usage: cli_report.sh PATRON DATA_DIR
set -u
patron=$1
tx=$2/segment_transactions.csv
. "$(dirname "$0")/../support/check.sh"
out=$("$patron" report weekly --input "$tx" --start 2017-09-11 --active-days 30)
check "csv" "week,new_customers,active_customers,buyers,purchases,spend,avg_frequency,avg_basket,median_days_between,new_customers_change,active_customers_change,purchases_change,avg_frequency_change,avg_basket_change,median_days_between_change
2017-09-11,0,1,0,0,0,1,,,,,,,,
2017-09-18,0,2,1,1,2000,1,2000,60,,1,,0,,
2017-09-25,0,2,1,1,2000,1.5,2000,10,,0,0,0.5,0,-0.833333" "$out"
out=$("$patron" report weekly --input "$tx" --end 2017-07-10 --format json)
check "json" '[
{"week_start":1499644800,"new_customers":1,"active_customers":1,"buyers":1,"purchases":1,"spend":1000,"avg_frequency":1,"avg_basket":1000,"median_days_between":null,"new_customers_change":null,"active_customers_change":null,"purchases_change":null,"avg_frequency_change":null,"avg_basket_change":null,"median_days_between_change":null}
]' "$out"
out=$("$patron" report weekly --input "$tx" --format text | wc -l)
check "text rows" "13" "$out"
"$patron" report monthly 2>/dev/null
check "unknown report exit" "2" "$?"
"$patron" report weekly --input "$tx" --start 2017-10-01 --end 2017-09-01 2>/tmp/cli_report_err.$$ >/dev/null
check "start after end" "patron report: weekly: invalid argument: start is after end (start 1506816000, end 1504224000)" "$(cat /tmp/cli_report_err.$$)"
rm -f /tmp/cli_report_err.$$
out=$("$patron" report campaign --input "$2/report_campaigns.csv")
check "campaign" "name,sent,opened,clicked,converted,open_rate,click_rate,click_to_open,conversion_rate,conversion_ci_low,conversion_ci_high,lift,p_value,p_adjusted,significant
control,1000,400,100,20,0.4,0.1,0.25,0.02,0.0129837,0.03069,,,,0
spring,1000,500,150,40,0.5,0.15,0.3,0.04,0.029511,0.0540096,1,0.00875149,0.017503,1
summer,500,200,40,11,0.4,0.08,0.2,0.022,0.012328,0.0389609,0.1,0.797436,0.797436,0" "$out"
out=$("$patron" report campaign --input "$2/report_campaigns.csv" --reference spring | sed -n 2p | cut -d, -f1,12,13)
check "campaign reference" "control,-0.5,0.00875149" "$out"
"$patron" report campaign --input "$2/report_campaigns.csv" --reference autumn 2>/tmp/cli_report_err.$$ >/dev/null
check "campaign unknown reference" "patron report: --reference: no campaign named 'autumn'" "$(cat /tmp/cli_report_err.$$)"
rm -f /tmp/cli_report_err.$$
# a reference must name one campaign: two rows named "spring" are refused
dup=/tmp/cli_report_dup.$$.csv
{ cat "$2/report_campaigns.csv"; echo "spring,800,300,90,30"; } >"$dup"
"$patron" report campaign --input "$dup" --reference spring 2>/tmp/cli_report_err.$$ >/dev/null
check "campaign duplicate reference exit" "1" "$?"
check "campaign duplicate reference" "patron report: --reference: 2 campaigns are named 'spring'; rename them to choose one" "$(cat /tmp/cli_report_err.$$)"
out=$("$patron" report campaign --input "$dup" | wc -l)
check "campaign duplicate names without --reference" "5" "$out"
rm -f /tmp/cli_report_err.$$ "$dup"
"$patron" report --help >/dev/null
check "help" "0" "$?"
if [ "$fails" -ne 0 ]; then
    echo "$fails check(s) failed"
    exit 1
fi
echo "cli report: all checks passed"
