"""Campaigns from Python: create, target a segment, record sends as
behaviour events, measure the treatment against the control — the numbers
checked against what the test itself recorded."""
import math

import pytest

import patron
from patron import ffi

if not hasattr(ffi, "patron_campaign_measure"):
    pytest.skip("patron_campaign_measure not in this libpatron build", allow_module_level=True)

T0 = 1700000000
DAY = 86400


def buy(db, key, member, at, amount):
    lines = (ffi.patron_purchase_line * 1)()
    lines[0].amount = amount
    db.earn_purchase({"key": key, "member_id": member, "at": at, "lines": lines, "n_lines": 1})


def test_campaign_loop(store_uri):
    with patron.open(store_uri) as db:
        ids = []
        for i in range(30):
            m = db.profile_add({"name": f"M{i}", "email": f"m{i}@example.com", "consent": "email"}, T0)
            buy(db, f"first-{i}", m, T0 + 3600, 1000 + i)
            ids.append(m)
        db.campaign_create({"name": "winback", "segment": "orders >= 1", "offer": "free coffee",
                            "control_share": 0.3, "conversion_days": 10})
        with pytest.raises(patron.PatronError) as ei:
            db.campaign_create({"name": "winback", "control_share": 0.5})
        assert ei.value.code == "PATRON_ECONFLICT"
        members = db.campaign_target("winback", T0 + DAY)
        assert [m.member_id for m in members] == sorted(ids)
        assert all(m.is_new == 1 and m.assigned_at == T0 + DAY for m in members)
        # the same group when asked one by one, and the first time kept
        for m in members:
            assert db.campaign_assign("winback", m.member_id, T0 + 2 * DAY) == (m.group, T0 + DAY)
        treated = [m.member_id for m in members if m.group == ffi.PATRON_CAMPAIGN_TREATMENT]
        control = [m.member_id for m in members if m.group == ffi.PATRON_CAMPAIGN_CONTROL]
        assert treated and control
        for k, m in enumerate(treated):
            db.behaviour_record({"key": f"sent-{m}", "member_id": m, "at": T0 + DAY, "campaign": b"winback",
                                 "kind": ffi.PATRON_BEHAVIOUR_SENT, "source": b"email"})
            if k % 2 == 0:  # half of the treated buy again, 3 days after
                buy(db, f"again-{m}", m, T0 + 4 * DAY, 2000)
        buy(db, "again-control", control[0], T0 + 5 * DAY, 1500)
        buy(db, "too-late", control[-1], T0 + 12 * DAY, 9999)  # after its 10-day window
        r = db.campaign_measure("winback", T0 + 20 * DAY)
        t, c = r.treatment, r.control
        conv_t = (len(treated) + 1) // 2
        assert (t.assigned, t.measured, t.sent, t.converted) == (len(treated),) * 3 + (conv_t,)
        assert (c.assigned, c.measured, c.sent, c.converted) == (len(control), len(control), 0, 1)
        assert t.revenue == 2000 * conv_t and c.revenue == 1500
        assert t.avg_days_to_convert == pytest.approx(3.0) and c.avg_basket == 1500
        assert r.conversion_diff == pytest.approx(conv_t / len(treated) - 1 / len(control), abs=1e-15)
        assert 0 < r.conversion_p_value < 1 and 0 < r.srm_p_value <= 1
        # before the windows end nothing is measured; the comparison is then undefined
        early = db.campaign_measure("winback", T0 + 5 * DAY)
        assert early.treatment.pending == len(treated) and early.treatment.measured == 0
        assert math.isnan(early.conversion_diff)
        with pytest.raises(patron.PatronError) as ei:
            db.campaign_measure("winback", T0, {"alpha": 1.5})
        assert "alpha 1.5" in str(ei.value)
