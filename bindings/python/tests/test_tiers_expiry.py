"""Tiers of 0.2 and the ledger's expiry rounding through the generated
classes, on SQLite and PostgreSQL: a one-level downgrade after the tier's
expiry date, a lifetime tier that stops it, the benefits a till shows, the
detail status, and points expiring at the end of a quarter."""
import calendar

import pytest

import patron
from patron import ffi

for f in ("patron_tier_get_detail", "patron_tier_member_benefits"):
    if not hasattr(ffi, f):
        pytest.skip(f"{f} not in this libpatron build", allow_module_level=True)

T0 = calendar.timegm((2026, 1, 15, 0, 0, 0))
DAY = 86400


def buy(db, key, member, at, amount):
    lines = (ffi.patron_purchase_line * 1)()
    lines[0].amount = amount
    db.earn_purchase({"key": key, "member_id": member, "at": at, "lines": lines, "n_lines": 1})


def test_tier_modes_lifetime_benefits(store_uri):  # conftest.py: SQLite and PostgreSQL
    with patron.open(store_uri) as db:
        db.earn_rule_add({"name": "base", "kind": ffi.PATRON_EARN_BASE, "points": 1, "per_amount": 100})
        tiers = [{"name": n, "threshold": t} for n, t in (("basic", 0), ("silver", 50000), ("gold", 200000))]
        db.tier_configure({"window_days": 30, "grace_days": 0, "downgrade": ffi.PATRON_TIER_DOWNGRADE_ONE_LEVEL,
                           "expiry_months": 1}, tiers, 3)
        db.tier_set_lifetime("silver", 1)
        db.tier_set_benefits("gold", ["free shipping", "lounge"], 2)
        ann = db.profile_add({"name": "Ann", "email": "ann@example.com", "consent": "email"}, T0)
        buy(db, "o1", ann, T0, 250000)
        d = db.tier_get_detail(ann, T0)
        assert d.tier == b"gold" and d.available == 2500
        assert d.valid_until == calendar.timegm((2026, 2, 15, 0, 0, 0))
        assert [b.name for b in db.tier_member_benefits(ann)] == [b"free shipping", b"lounge"]
        db.tier_review(d.valid_until - 1)  # before the date: kept
        assert db.tier_get_detail(ann, d.valid_until - 1).tier == b"gold"
        db.tier_review(d.valid_until)  # one level down, then the lifetime tier holds
        assert db.tier_get_detail(ann, d.valid_until).tier == b"silver"
        db.tier_review(d.valid_until + 400 * DAY)
        later = db.tier_get_detail(ann, d.valid_until + 400 * DAY)
        assert later.tier == b"silver" and later.lifetime == b"silver"
        assert db.tier_member_benefits(ann) == []
        with pytest.raises(patron.PatronError) as ei:
            db.tier_set_benefits("gold", ["lounge", "lounge"], 2)
        assert ei.value.code == "PATRON_EINVAL" and "listed twice" in ei.value.message
        with pytest.raises(patron.PatronError) as ei:
            db.tier_set_lifetime("iron", 1)
        assert ei.value.code == "PATRON_ENOTFOUND"


def test_expiry_rounded_to_quarter_end(store_uri):
    with patron.open(store_uri) as db:
        db.ledger_set_policy({"expiry_months": 1, "expiry_round": ffi.PATRON_EXPIRY_END_OF_QUARTER})
        p = db.ledger_get_policy()
        assert p.expiry_round == ffi.PATRON_EXPIRY_END_OF_QUARTER and p.expiry_end_of_month == 0
        ann = db.profile_add({"name": "Ann", "email": "ann@example.com", "consent": "email"}, T0)
        db.ledger_earn({"key": "e1", "member_id": ann, "points": 70, "at": T0})  # +1 month: 02-15 -> 04-01
        q2 = calendar.timegm((2026, 4, 1, 0, 0, 0))
        assert db.ledger_balance(ann, q2 - 1).available == 70
        b = db.ledger_balance(ann, q2)
        assert b.available == 0 and b.expired_unposted == 70


def test_pending_until_action(store_uri):
    with patron.open(store_uri) as db:
        db.earn_rule_add({"name": "base", "kind": ffi.PATRON_EARN_BASE, "points": 1, "per_amount": 100})
        ann = db.profile_add({"name": "Ann", "email": "ann@example.com", "consent": "email"}, T0)
        db.ledger_earn({"key": "web-1", "member_id": ann, "points": 40, "at": T0, "mature_at": ffi.PATRON_NEVER})
        b = db.ledger_balance(ann, T0 + 900 * DAY)
        assert (b.available, b.pending) == (0, 40)
        r = db.ledger_release("web-1", T0 + 2 * DAY)
        assert r.points == 40 and r.replayed == 0
        assert db.ledger_release("web-1", T0 + 3 * DAY).replayed == 1
        assert db.ledger_balance(ann, T0 + 2 * DAY).available == 40
        lines = (ffi.patron_purchase_line * 1)()
        lines[0].amount = 5000
        db.earn_purchase({"key": "web-2", "member_id": ann, "at": T0, "lines": lines, "n_lines": 1,
                          "hold_until_action": 1})
        assert db.ledger_balance(ann, T0 + 3 * DAY).pending == 50
        assert db.earn_release("web-2", T0 + 4 * DAY) == 50
        assert db.ledger_balance(ann, T0 + 4 * DAY).available == 90
        with pytest.raises(patron.PatronError) as ei:
            db.ledger_release("nosuch", T0)
        assert ei.value.code == "PATRON_ENOTFOUND"
