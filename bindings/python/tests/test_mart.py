"""The store as the data mart from Python: purchases recorded with
earn_purchase come back as a transaction log as of a moment (returns after
that moment not applied, merged members under the member they joined), and
the log summarises like any other."""
import ctypes

import pytest

import patron
from patron import ffi

if not hasattr(ffi, "patron_txlog_from_db"):
    pytest.skip("patron_txlog_from_db not in this libpatron build", allow_module_level=True)

T0 = 1700000000
DAY = 86400


def buy(db, key, member, at, amount):
    lines = (ffi.patron_purchase_line * 1)()
    lines[0].amount = amount
    lines[0].category = b"shoes"
    db.earn_purchase({"key": key, "member_id": member, "at": at, "lines": lines, "n_lines": 1})


def test_log_as_of(store_uri):
    with patron.open(store_uri) as db:
        ann = db.profile_add({"name": "Ann", "email": "ann@example.com", "consent": "email"}, T0)
        bob = db.profile_add({"name": "Bob", "email": "bob@example.com", "consent": "email"}, T0)
        dup = db.profile_add({"name": "Ann", "phone": "+972501234567", "consent": "sms"}, T0)
        buy(db, "A-1", ann, T0 + 1 * DAY, 2500)
        buy(db, "A-2", ann, T0 + 9 * DAY, 4000)
        buy(db, "B-1", bob, T0 + 5 * DAY, 1200)
        buy(db, "D-1", dup, T0 + 6 * DAY, 300)
        db.earn_return(b"A-2", T0 + 12 * DAY)
        db.profile_merge(ann, dup, T0 + 13 * DAY, b"test", None)
        before = patron.Txlog.from_db(db, {"as_of": T0 + 10 * DAY})
        after = patron.Txlog.from_db(db, {"as_of": T0 + 20 * DAY})
        gross = patron.Txlog.from_db(db, {"as_of": T0 + 20 * DAY, "with_returned": 1})
        assert (before.count(), after.count(), gross.count()) == (4, 3, 4)
        assert before.customers() == 2  # the duplicate counts as Ann
        with pytest.raises(patron.PatronError) as ei:
            patron.Txlog.from_db(db, {"as_of": 0})
        assert "as_of is required" in ei.value.message
        with pytest.raises(patron.PatronError) as ei:
            patron.Txlog.from_db(db, {"as_of": (T0 + DAY) * 1000})
        assert "milliseconds" in ei.value.message
        # the summary straight from the store: one call for log + summarise
        frame = db.summary_from_db({"as_of": T0 + 20 * DAY})
        assert ffi.patron_frame_rows(frame) == 2
    pd = pytest.importorskip("pandas")
    del pd
    s = patron.summary(after, observation_end=T0 + 20 * DAY)
    assert list(s["orders"]) == [2, 1]
    assert list(s["total_spend"]) == [pytest.approx(28.00), pytest.approx(12.00)]


def test_card(store_uri):
    import json
    with patron.open(store_uri) as db:
        ann = db.profile_add({"name": "Ann", "email": "ann@example.com", "consent": "email"}, T0)
        lines = (ffi.patron_purchase_line * 2)()
        lines[0].category, lines[0].amount = b"shoes", 3000
        lines[1].category, lines[1].amount = b"socks", 500
        qty = (ctypes.c_int64 * 2)(2, 3)
        db.earn_purchase({"key": "P-1", "member_id": ann, "at": T0 + DAY, "lines": lines, "n_lines": 2,
                          "channel": b"pos", "quantities": qty})
        card = json.loads(db.member_card(ann, {"as_of": T0 + 2 * DAY}))
        assert card["member_id"] == ann and card["profile"]["name"] == "Ann"
        assert card["consents"] == {"email": True}
        assert card["purchases"]["orders"] == 1 and card["purchases"]["spend"] == 3500
        assert card["purchases"]["favourite_category"] == "shoes"
        recent = card["purchases"]["recent"][0]
        assert recent["channel"] == "pos" and [l["quantity"] for l in recent["lines"]] == [2, 3]
        assert card["segments"] is None and card["journeys_sent"] == []
        with pytest.raises(patron.PatronError) as ei:
            db.member_card(ann, {"as_of": T0, "expiring_days": 0})
        assert "expiring_days 0" in ei.value.message


def test_scores(store_uri):
    """Stored scores from the store's own purchases, then the frame columns and the card."""
    import json
    import random
    rnd = random.Random(7)
    with patron.open(store_uri) as db:
        db.batch_begin()
        ids = [db.profile_add({"name": "M", "email": f"m{i}@example.com", "consent": "none"}, T0) for i in range(300)]
        k = 0
        for m in ids:  # buy at a member's own rate until a dropout that comes after each purchase with p = 0.25
            t = T0 + rnd.randrange(60 * DAY)
            rate = rnd.gammavariate(0.8, 1 / 0.05)  # purchases per day ~ 0.04
            while t < T0 + 300 * DAY:
                buy(db, f"o-{k}", m, t, 500 + rnd.randrange(9000))
                k += 1
                if rnd.random() < 0.25:
                    break
                t += int(rnd.expovariate(max(rate / 30, 1e-3)) * DAY) + 1
        db.batch_commit()
        res = db.scores_refresh({"as_of": T0 + 200 * DAY})
        assert res.fit_id >= 1 and res.scored > 100 and res.spend_fitted == 1
        log = patron.Txlog.from_db(db, {"as_of": T0 + 200 * DAY})
        frame = ffi.patron_summarize(log, {"observation_end": T0 + 200 * DAY})
        ffi.patron_frame_add_scores(frame, db)
        names = [ffi.patron_frame_col_name(frame, c) for c in range(ffi.patron_frame_cols(frame))]
        assert {"p_alive", "expected_purchases_90d", "clv_12m"} <= set(names)
        card = json.loads(db.member_card(ids[0], {"as_of": T0 + 200 * DAY}))
        assert card["clv"]["fit_id"] == res.fit_id and 0 <= card["clv"]["p_alive"] <= 1


def test_behaviour_events(store_uri):
    import json
    with patron.open(store_uri) as db:
        ann = db.profile_add({"name": "Ann", "email": "ann@example.com", "consent": "email"}, T0)
        ev = {"key": "v1", "member_id": ann, "at": T0 + 60, "kind": ffi.PATRON_BEHAVIOUR_VISIT, "source": b"web"}
        assert db.behaviour_record(ev) == 0
        assert db.behaviour_record(ev) == 1  # replayed
        with pytest.raises(patron.PatronError) as ei:
            db.behaviour_record(dict(ev, source=b"app"))
        assert ei.value.code == "PATRON_ECONFLICT"
        card = json.loads(db.member_card(ann, {"as_of": T0 + 120}))
        assert card["behaviour"]["visits_30d"] == 1 and card["behaviour"]["last_visit_at"] == T0 + 60


def test_purchase_import(store_uri, tmp_path):
    path = tmp_path / "purchases.csv"
    path.write_text("member,at,key,amount,category,quantity\n"
                    "#1,1700000100,A-1,2500,shoes,2\n#1,1700000100,A-1,700,socks,\n#1,1700200000,A-2,900,,\n")
    with patron.open(store_uri) as db:
        db.profile_add({"name": "Ann", "email": "ann@example.com", "consent": "email"}, T0)
        assert db.earn_import_csv(str(path).encode()) == 2
        assert db.earn_import_csv(str(path).encode()) == 0  # a retried file
        bad = tmp_path / "bad.csv"
        bad.write_text("member,at,key,amount\n#1,1700300000,A-3,100\n#1,1700300001,A-4,x\n")
        with pytest.raises(patron.PatronError) as ei:
            db.earn_import_csv(str(bad).encode())
        assert "line 3: amount 'x'" in ei.value.message
        log = patron.Txlog.from_db(db, {"as_of": T0 + 10 * DAY})
        assert log.count() == 2
