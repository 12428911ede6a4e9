"""Campaign budgets and the points liability from Python (conftest.py runs
them on SQLite and PostgreSQL): a campaign's total points budget stops at
exactly its size, the award at the boundary getting the remainder, and the
usage read back; the liability of what was posted, valued at half a minor
unit a point."""
import calendar
import math

import pytest

import patron
from patron import ffi

for f in ("patron_earn_budget_set", "patron_report_liability"):
    if not hasattr(ffi, f):
        pytest.skip(f"{f} not in this libpatron build", allow_module_level=True)

MON = calendar.timegm((2026, 1, 5, 0, 0, 0))  # a Monday


def buy(db, key, member, at):
    lines = (ffi.patron_purchase_line * 1)()
    lines[0].amount = 1000
    p = {"key": key, "member_id": member, "at": at, "lines": lines, "n_lines": 1}
    quote = db.earn_quote(p)
    res = db.earn_purchase(p)
    assert res.points == quote
    return res.points


def test_budget_and_liability(store_uri):
    with patron.open(store_uri) as db:
        ann = db.profile_add({"name": "Ann", "email": "ann@example.com", "consent": "email"}, MON - 86400)
        db.earn_rule_add({"name": "flash", "kind": ffi.PATRON_EARN_CAMPAIGN, "points": 40})
        db.earn_budget_set(b"flash", {"points": 100, "member_window": ffi.PATRON_EARN_WINDOW_DAY,
                                      "member_points": 60})
        assert [buy(db, f"o{i}", ann, MON + i) for i in range(3)] == [40, 20, 0]  # the day's 60
        assert buy(db, "o3", ann, MON + 86400) == 40                                # a new day
        assert buy(db, "o4", ann, MON + 86401) == 0                                 # 100 spent
        budget, usage = db.earn_budget_get(b"flash", MON, ann, None)
        assert (budget.points, budget.member_points) == (100, 60)
        assert (usage.points_used, usage.awards_used, usage.points_left) == (100, 3, 0)
        assert (usage.member_start, usage.member_end, usage.member_points_used) == (MON, MON + 86400, 60)
        with pytest.raises(patron.PatronError) as ei:
            db.earn_budget_set(b"nope", {"points": 1})
        assert ei.value.code == "PATRON_ENOTFOUND"

        months = db.report_liability({"cost_minor": 1, "cost_points": 2})
        assert len(months) == 1
        m = months[0]
        assert (m.month_start, m.issued, m.outstanding, m.value) == (calendar.timegm((2026, 1, 1, 0, 0, 0)),
                                                                       100, 100, 50)
        assert math.isnan(m.breakage_rate) and m.expected_cost == 50
