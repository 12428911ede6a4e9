#!/usr/bin/env bash
# The events and audit commands end to end: switch the outbox on with an
# actor, a posting appears as an event, a consumer tails without and with
# --ack, acknowledges by hand (never backwards), the audit trail lists who
# did what, and bad options fail with one line on stderr.
set -euo pipefail
patron=$1
dir=$(mktemp -d /tmp/patron_cli_events.XXXXXX)
. "$(dirname "$0")/../support/pt_store.sh"
trap 'pt_store_cleanup; rm -rf "$dir"' EXIT
db=$(pt_store_db "$dir" "$patron") || exit $?
fail() { echo "FAIL: $*" >&2; exit 1; }

"$patron" events enable --db "$db" --actor alice >/dev/null
"$patron" member add --db "$db" --phone 050-123-4567 --name "Dana Levi" --consent sms --at 1767225600 >/dev/null
"$patron" points earn --db "$db" --member +972501234567 --points 100 --key order-17 --at 1767225601 >/dev/null
"$patron" points earn --db "$db" --member +972501234567 --points 100 --key order-17 --at 1767225602 >/dev/null # replay
out=$("$patron" events tail --db "$db" --consumer crm --format json)
python3 - "$out" <<'PY'
import json, sys
lines = [json.loads(l) for l in sys.argv[1].splitlines()]
assert [l["kind"] for l in lines] == ["member.enrolled", "points.earned"], lines
assert lines[1]["payload"]["points"] == 100 and lines[1]["payload"]["key"] == "order-17", lines
assert lines[1]["next"] == lines[1]["position"] and lines[0]["position"] < lines[1]["position"], lines
PY
again=$("$patron" events tail --db "$db" --consumer crm --format json)   # not acknowledged: the same
[[ "$again" == "$out" ]] || fail "unacknowledged tail changed: $again"
out=$("$patron" events tail --db "$db" --consumer crm --ack)
[[ $out == *"points.earned member 1"* && $out == *"next 2"* ]] || fail "tail --ack: $out"
out=$("$patron" events tail --db "$db" --consumer crm)
[[ $out == "next 2" ]] || fail "after --ack: $out"
out=$("$patron" events ack --db "$db" --consumer crm --position 1)   # never backwards
[[ $out == "consumer crm: cursor 2" ]] || fail "ack backwards: $out"
out=$("$patron" events tail --db "$db" --from 1)
[[ $out == *"points.earned"* && $out != *"member.enrolled"* ]] || fail "--from: $out"
if err=$("$patron" events ack --db "$db" --consumer crm --position 99 2>&1); then fail "ack beyond the last"; fi
[[ $err == "patron events: ack: invalid argument:"*"never given"* ]] || fail "ack message: $err"
if "$patron" events tail --db "$db" --ack 2>/dev/null; then fail "--ack without --consumer"; fi
"$patron" events notify --db "$db" --at 1767225700 --days 7 >/dev/null
"$patron" events --help >/dev/null
echo "cli events: ok"

"$patron" points adjust --help >/dev/null 2>&1 || true
"$patron" points policy --db "$db" --expiry-months 12 --actor bob >/dev/null
"$patron" member erase --db "$db" --member "#1" --operator dpo >/dev/null
out=$("$patron" audit list --db "$db" --format json)
python3 - "$out" <<'PY'
import json, sys
rows = [json.loads(l) for l in sys.argv[1].splitlines()]
assert [(r["actor"], r["action"], r["member_id"]) for r in rows] == [
    ("alice", "events.enable", 0), ("bob", "policy.set", 0), ("dpo", "member.erase", 1)], rows
assert rows[1]["detail"]["expiry_months"] == 12, rows
PY
out=$("$patron" audit list --db "$db" --by bob)
[[ $(echo "$out" | wc -l) == 1 && $out == *"bob policy.set"* ]] || fail "audit --by: $out"
out=$("$patron" audit list --db "$db" --member 1)
[[ $out == *"member.erase"* && $out != *"policy.set"* ]] || fail "audit --member: $out"
if "$patron" audit list --db "$db" --limit -3 2>/dev/null; then fail "negative limit"; fi
echo "cli audit: ok"
