"""The rewards catalogue and coupons through the generated classes, on
SQLite and PostgreSQL: a reward redeemed (points taken, stock down), its
retry, out of stock, cancel (points and unit back); a coupon campaign from
a pattern, validation verdicts, redemption, publication; a gift card drawn
down in parts and refused below zero."""
import calendar

import pytest

import patron
from patron import ffi

for f in ("patron_reward_redeem", "patron_coupon_redeem"):
    if not hasattr(ffi, f):
        pytest.skip(f"{f} not in this libpatron build yet", allow_module_level=True)

AT = calendar.timegm((2026, 1, 15, 0, 0, 0))


def test_reward_redeem_cancel(store_uri):
    with patron.Db.open(store_uri) as db:
        mid = db.profile_add({"name": "Ada", "email": "ada@example.com", "consent": "email"}, AT)
        db.ledger_earn({"key": "order-1", "member_id": mid, "points": 500, "at": AT})
        assert db.reward_set({"code": "mug", "cost": 200, "stock": 1, "title": "A mug"}) == 1
        r = db.reward_redeem({"key": "r1", "reward": "mug", "member_id": mid, "at": AT + 10})
        assert (r.points, r.status, r.replayed) == (200, ffi.PATRON_REWARD_ISSUED, 0)
        assert db.ledger_balance(mid, AT + 10).available == 300
        again = db.reward_redeem({"key": "r1", "reward": "mug", "member_id": mid, "at": AT + 20})
        assert again.replayed == 1 and again.id == r.id
        with pytest.raises(patron.PatronError) as ei:
            db.reward_redeem({"key": "r2", "reward": "mug", "member_id": mid, "at": AT + 20})
        assert ei.value.code == "PATRON_ERANGE" and "out of stock" in ei.value.message
        c = db.reward_cancel("r1", AT + 30)
        assert c.status == ffi.PATRON_REWARD_CANCELLED
        assert db.ledger_balance(mid, AT + 30).available == 500
        info = db.reward_get("mug")
        assert (info.stock, info.cancelled, info.title) == (1, 1, b"A mug")
        with db.reward_list(0) as rewards:
            assert [x.code for x in rewards] == [b"mug"]


def test_coupons_and_gift_cards(store_uri):
    with patron.Db.open(store_uri) as db:
        mid = db.profile_add({"name": "Ada", "email": "ada@example.com", "consent": "email"}, AT)
        n = db.coupon_create({"name": "summer", "amount_off": 500, "min_basket": 2000,
                              "pattern": "SUMMER-####-??", "count": 3, "seed": 5})
        assert n == 3
        with db.coupon_list("summer") as codes:
            first = [c.code.decode() for c in codes][0]
        assert first.startswith("SUMMER-") and len(first) == len("SUMMER-0000-AA")
        v = db.coupon_validate({"code": first, "at": AT, "basket": 1000})
        assert v.verdict == ffi.PATRON_COUPON_MIN_BASKET
        assert db.coupon_validate({"code": "NOPE", "at": AT}).verdict == ffi.PATRON_COUPON_UNKNOWN
        r = db.coupon_redeem({"code": first, "key": "c1", "member_id": mid, "at": AT, "basket": 3000})
        assert (r.value, r.uses, r.member_uses, r.replayed) == (500, 1, 1, 0)
        assert db.coupon_validate({"code": first, "at": AT, "basket": 3000}).verdict == ffi.PATRON_COUPON_USED_UP
        p = db.coupon_publish("summer", None, mid, AT)
        assert p.member_id == mid and p.code.decode() != first
        assert db.coupon_validate({"code": p.code.decode(), "at": AT, "basket": 3000}).verdict == \
            ffi.PATRON_COUPON_WRONG_MEMBER
        db.coupon_create({"name": "gift", "kind": ffi.PATRON_COUPON_GIFT_CARD, "amount_off": 5000, "max_uses": 0})
        assert db.coupon_import("gift", ["GC-1", "GC-2"], 2) == 2
        g = db.coupon_redeem({"code": "GC-1", "key": "g1", "at": AT, "amount": 1200})
        assert g.balance == 3800
        with pytest.raises(patron.PatronError) as ei:
            db.coupon_redeem({"code": "GC-1", "key": "g2", "at": AT, "amount": 4000})
        assert ei.value.code == "PATRON_EBALANCE" and "balance 3800" in ei.value.message
        assert db.coupon_redeem({"code": "GC-1", "key": "g2", "at": AT, "amount": 3800}).balance == 0
