#!/usr/bin/env python3
"""Every `patron` command that prints JSON, checked by machine against the
CLI's JSON convention (docs/guide/cli.md, "JSON output"):

- the text is strict JSON (no NaN / Infinity tokens, no "NaN" strings);
- customer_id is always a string; member ids (member_id, posting_id, id,
  kept, merged) are integers;
- times (at, *_at, since, *_until, first_purchase, last_purchase,
  week_start, scheduled) are integers of UTC seconds, or null;
- money amounts (total_spend, spend, amount, points_total is points) are
  integers of minor units; money averages and model values (monetary_value,
  avg_basket, clv, expected_spend) are numbers in minor units;
- a missing value is null, never "" or 0 standing for "none" in the fields
  that can be missing (tier, since, grace_until);
- one name per concept: the usable points are "available" (never
  "balance"), as in the C struct patron_balance, Python and Node.

Usage: test_json_convention.py PATRON_BINARY"""
import json
import os
import re
import subprocess
import sys
import tempfile

patron = sys.argv[1]
TIME = re.compile(r"^(at|.*_at|since|.*_until|first_purchase|last_purchase|week_start|scheduled)$")
IDS_INT = {"member_id", "posting_id", "id", "kept", "merged"}
MONEY_INT = {"total_spend", "spend", "amount"}
MONEY_NUM = {"monetary_value", "avg_basket", "clv", "expected_spend"}
FORBIDDEN = {"balance": "use 'available'", "week": "use 'week_start' (integer UTC seconds)"}
BAD_STRINGS = {"NaN", "nan", "Infinity", "-Infinity", "inf"}
problems = []
checked = []


def reject_constant(name):
    raise ValueError(f"non-JSON constant {name}")


def walk(where, v, key=None):
    if isinstance(v, dict):
        for k, x in v.items():
            if k in FORBIDDEN:
                problems.append(f"{where}: field '{k}': {FORBIDDEN[k]}")
            walk(f"{where}.{k}", x, k)
        return
    if isinstance(v, list):
        for i, x in enumerate(v):
            walk(f"{where}[{i}]", x, key)
        return
    if isinstance(v, str) and v in BAD_STRINGS:
        problems.append(f"{where}: '{v}' stands for a missing value: use null")
    if key is None:
        return
    is_int = isinstance(v, int) and not isinstance(v, bool)
    if key == "customer_id" and not isinstance(v, str):
        problems.append(f"{where}: customer_id {v!r} is not a string")
    elif key in IDS_INT and not is_int:
        problems.append(f"{where}: {key} {v!r} is not an integer")
    elif TIME.match(key) and not (is_int or v is None):
        problems.append(f"{where}: time {key} {v!r} is not integer UTC seconds or null")
    elif key in MONEY_INT and not is_int:
        problems.append(f"{where}: money {key} {v!r} is not an integer of minor units")
    elif key in MONEY_NUM and not (isinstance(v, (int, float)) and not isinstance(v, bool) or v is None):
        problems.append(f"{where}: money {key} {v!r} is not a number")


def run(args, stdin=None):
    p = subprocess.run([patron] + args, capture_output=True, text=True, input=stdin)
    if p.returncode != 0:
        problems.append(f"patron {' '.join(args)}: exit {p.returncode}: {p.stderr.strip()}")
        return None
    return p.stdout


def check(args, stdin=None):
    out = run(args, stdin)
    if out is None:
        return None
    name = "patron " + " ".join(a if len(a) < 40 else "..." for a in args)
    try:
        doc = json.loads(out, parse_constant=reject_constant)
    except ValueError as e:
        problems.append(f"{name}: not strict JSON ({e}): {out[:200]!r}")
        return None
    walk(name, doc)
    checked.append(name)
    return doc


with tempfile.TemporaryDirectory() as tmp:
    j = lambda n: os.path.join(tmp, n)
    with open(j("tx.csv"), "w") as f:
        f.write("customer_id,date,amount\n1,2024-01-01,10.50\n1,2024-02-01,3\n2,2024-01-05,7\n00042,2024-01-09,1.25\n")
    with open(j("tx_semicolon.csv"), "w") as f:
        f.write("cid;when;paid\n1;2024-01-01;10.50\n2;2024-01-05;7\n")
    # summary: string ids with and without --integer-ids, money in minor units
    s = check(["summary", "--input", j("tx.csv"), "--format", "json"])
    if s:
        row = {r["customer_id"]: r for r in s}
        if row.get("1", {}).get("total_spend") != 1350:
            problems.append(f"summary: total_spend of customer 1 is {row.get('1')}, expected 1350 minor units")
        if "00042" not in row:
            problems.append("summary: string id '00042' was not kept byte for byte")
    s = check(["summary", "--input", j("tx.csv"), "--integer-ids", "--format", "json"])
    if s and {r["customer_id"] for r in s} != {"1", "2", "42"}:
        problems.append(f"summary --integer-ids: ids {[r['customer_id'] for r in s]}")
    check(["summary", "--input", j("tx_semicolon.csv"), "--delimiter", ";", "--customer-col", "cid",
           "--time-col", "when", "--amount-col", "paid", "--format", "json"])
    out = run(["summary", "--input", j("tx.csv")])
    if out is not None:
        with open(j("summary.csv"), "w") as f:
            f.write(out)
    # report weekly with the same input options as summary
    check(["report", "weekly", "--input", j("tx.csv"), "--format", "json"])
    check(["report", "weekly", "--input", j("tx_semicolon.csv"), "--delimiter", ";", "--customer-col", "cid",
           "--time-col", "when", "--amount-col", "paid", "--format", "json"])
    # segment
    check(["segment", "--input", j("summary.csv"), "--rule", "frequency >= 0", "--format", "json"])
    check(["segment", "--input", j("summary.csv"), "--segment", "new", "--now", "2024-02-10",
           "--transactions", j("tx.csv"), "--format", "json"])
    # clv (a summary large enough to fit: the shared CDNOW one when present)
    shared = os.environ.get("PATRON_SHARED_DIR", os.path.join(os.path.dirname(__file__), "..", "..", "..", "shared"))
    cdnow = os.path.join(shared, "reference", "cdnow_summary_to_1997-09-30_D.csv")
    if os.path.exists(cdnow):
        for model in ("bgnbd", "gg"):
            out = run(["clv", "fit", "--model", model, "--input", cdnow])
            if out is not None:
                with open(j(model + ".json"), "w") as f:
                    f.write(out)
                check(["clv", "fit", "--model", model, "--input", cdnow, "--format", "json"])
        check(["clv", "predict", "--model", "bgnbd", "--params", j("bgnbd.json"), "--input", cdnow,
               "--horizon", "30", "--discount", "0.01", "--spend-params", j("gg.json"), "--format", "json"])
        check(["clv", "predict", "--model", "gg", "--params", j("gg.json"), "--input", cdnow, "--format", "json"])
    else:
        print(f"note: {cdnow} absent: clv fit/predict JSON not checked")
    # abtest (undefined statistics must be null)
    check(["abtest", "proportions", "--a", "10/100", "--b", "0/100", "--format", "json"])
    check(["abtest", "means", "--a", "100,10,3", "--b", "120,11,3.5", "--format", "json"])
    check(["abtest", "many", "--arms", "10/100,15/110,20/120", "--format", "json"])
    check(["abtest", "power", "--p1", "0.1", "--p2", "0.12", "--format", "json"])
    check(["abtest", "assign", "--experiment", "e", "--customer", "42", "--weights", "50,50", "--format", "json"])
    check(["abtest", "srm", "--observed", "4928,5129", "--weights", "50,50", "--format", "json"])
    check(["abtest", "best", "--arms", "10/100,15/110,20/120", "--format", "json"])
    check(["abtest", "margin", "--a", "10/100", "--b", "12/100", "--margin", "0.02", "--format", "json"])
    check(["abtest", "plan", "--delta", "0.5", "--sd", "10", "--variance-reduction", "0.3", "--format", "json"])
    check(["abtest", "bayes", "--a", "10/100", "--b", "15/100", "--prior-sd", "0.3", "--format", "json"])
    check(["abtest", "sequence", "--estimate", "0.02", "--se", "0.01", "--n", "9000", "--alternative", "less",
           "--format", "json"])
    check(["abtest", "gsd", "--looks", "0.5,1", "--format", "json"])
    with open(j("arms.csv"), "w") as f:
        f.write("time,event,arm\n1,1,A\n2,1,B\n3,0,A\n4,1,B\n5,1,A\n6,0,B\n7,1,A\n8,1,B\n")
    check(["abtest", "survival", "--input", j("arms.csv"), "--format", "json"])
    # store commands
    db = j("s.db")
    run(["init", "--db", db])
    run(["member", "add", "--db", db, "--name", "Dana", "--email", "d@example.com", "--consent", "email",
         "--at", "1700000000"])
    check(["member", "show", "--db", db, "--member", "#1", "--format", "json"])
    check(["points", "earn", "--db", db, "--member", "#1", "--points", "100", "--key", "k1", "--at", "1700000100"])
    check(["points", "redeem", "--db", db, "--member", "#1", "--points", "10", "--key", "k2", "--at", "1700000200"])
    b = check(["points", "balance", "--db", db, "--member", "#1", "--at", "1700000300", "--format", "json"])
    if b and b.get("available") != 90:
        problems.append(f"points balance: available {b.get('available')}, expected 90")
    check(["points", "statement", "--db", db, "--member", "#1", "--format", "json"])
    check(["points", "policy", "--db", db])
    t = check(["tier", "show", "--db", db, "--member", "#1", "--at", "1700000300", "--format", "json"]) \
        if run(["tier", "configure", "--db", db, "--tier", "member=0", "--tier", "gold=100000"]) is not None else None
    if t is not None and t.get("tier") is not None:
        problems.append(f"tier show: a member never evaluated has tier {t.get('tier')!r}, expected null")
    check(["member", "export", "--db", db, "--member", "#1"])
    # the store as the data mart: purchases in, the card and a summary out
    check(["purchase", "record", "--db", db, "--member", "#1", "--key", "o1", "--amount", "2500",
           "--category", "shoes", "--quantity", "2", "--channel", "pos", "--at", "1700000400"])
    check(["purchase", "return", "--db", db, "--key", "o1", "--at", "1700000500"])
    check(["purchase", "record", "--db", db, "--member", "#1", "--key", "o2", "--amount", "700",
           "--at", "1700000600"])
    c = check(["member", "card", "--db", db, "--member", "#1", "--at", "1700000700", "--segments", "builtin"])
    if c and (c.get("purchases", {}).get("orders") != 1 or c.get("points", {}).get("available") != 90):
        problems.append(f"member card: orders/available {c.get('purchases')} {c.get('points')}")
    check(["member", "card", "--db", db, "--member", "#1", "--at", "1700000000"])
    s = check(["summary", "--db", db, "--as-of", "1700000700", "--format", "json"])
    if s and [r["customer_id"] for r in s] != ["1"]:
        problems.append(f"summary --db: {s}")
    # campaigns: definition, assignment, the segment's members, the measurement
    check(["campaign", "create", "--db", db, "--name", "spring", "--control", "0.5", "--days", "7"])
    check(["campaign", "assign", "--db", db, "--name", "spring", "--member", "#1", "--at", "1700000650"])
    check(["campaign", "target", "--db", db, "--name", "spring", "--at", "1700000700"])
    m = check(["campaign", "measure", "--db", db, "--name", "spring", "--as-of", "1701000000"])
    if m and m.get("conversion_p_value", 0) is not None:
        problems.append(f"campaign measure with one group: p-value {m.get('conversion_p_value')}, expected null")
    # earning rules with a budget, and the points liability
    check(["rule", "add", "--db", db, "--name", "flash", "--kind", "campaign", "--points", "30"])
    check(["rule", "budget", "set", "--db", db, "--name", "flash", "--points", "50", "--member-window", "day",
           "--member-points", "40"])
    u = check(["rule", "budget", "show", "--db", db, "--name", "flash", "--member", "#1", "--at", "1700000700"])
    if u and u.get("usage", {}).get("points_left") != 50:
        problems.append(f"rule budget show: {u}")
    lia = check(["report", "liability", "--db", db, "--cost-per-point", "1/2"])
    if lia and (lia[-1].get("breakage_rate") != 0 or lia[-1].get("outstanding") != 90 or lia[-1].get("value") != 45):
        problems.append(f"report liability: {lia[-1]}")
    # several programs in one store
    check(["program", "create", "--db", db, "--name", "partner"])
    check(["program", "list", "--db", db])
    check(["program", "join", "--db", db, "--program", "partner", "--member", "#1", "--at", "1700000700"])
    check(["program", "members", "--db", db, "--program", "partner"])
    check(["program", "of", "--db", db, "--member", "#1"])
    # rewards and coupons (one object per call)
    check(["reward", "add", "--db", db, "--code", "mug", "--cost", "10", "--stock", "5"])
    check(["reward", "redeem", "--db", db, "--member", "#1", "--reward", "mug", "--key", "rw1", "--at", "1700000800"])
    check(["reward", "cancel", "--db", db, "--key", "rw1", "--at", "1700000900"])
    check(["coupon", "create", "--db", db, "--name", "gift", "--gift-card", "--amount-off", "5000",
           "--pattern", "G-######", "--count", "1"])
    check(["coupon", "publish", "--db", db, "--campaign", "gift", "--member", "#1", "--at", "1700001000"])
    check(["coupon", "create", "--db", db, "--name", "ten", "--percent-off", "10", "--pattern", "T-####", "--count", "2"])
    check(["coupon", "validate", "--db", db, "--code", "NOPE", "--at", "1700001000"])
    listed = run(["coupon", "list", "--db", db, "--campaign", "ten", "--format", "json"])
    for line in (listed or "").splitlines():  # one object per line
        walk("patron coupon list", json.loads(line, parse_constant=reject_constant))
    if listed:
        code = json.loads(listed.splitlines()[0])["code"]
        check(["coupon", "redeem", "--db", db, "--code", code, "--key", "x", "--basket", "999", "--at", "1700001000"])

for p in problems:
    print("FAIL:", p)
print(f"{len(checked)} JSON outputs checked, {len(problems)} problems")
sys.exit(1 if problems else 0)
