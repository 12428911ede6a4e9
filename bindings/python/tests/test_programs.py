"""Several programs in one store through the generated classes, on SQLite
and PostgreSQL: a program created and chosen on the handle, a member joined,
independent balances and policies, a key of the other program refused, the
members and a member's programs."""
import calendar

import pytest

import patron
from patron import ffi

if not hasattr(ffi, "patron_program_create"):
    pytest.skip("patron_program_create not in this libpatron build yet", allow_module_level=True)

AT = calendar.timegm((2026, 1, 15, 0, 0, 0))


def test_two_programs(store_uri):
    with patron.Db.open(store_uri) as db:
        ann = db.profile_add({"name": "Ann", "email": "ann@example.com", "consent": "email"}, AT)
        ben = db.profile_add({"name": "Ben", "email": "ben@example.com", "consent": "email"}, AT)
        db.ledger_earn({"key": "cafe-1", "member_id": ann, "points": 100, "at": AT})
        assert db.program_current() == "default"
        db.program_create("bakery")
        with db.program_list() as names:
            assert [names.get(i) for i in range(names.count())] == ["default", "bakery"]
        db.program_use("bakery")
        assert db.program_current() == "bakery"
        db.ledger_set_policy({"expiry_months": 1})
        db.program_join(ann, AT)
        db.ledger_earn({"key": "bakery-1", "member_id": ann, "points": 30, "at": AT})
        assert db.ledger_balance(ann, AT + 1).available == 30
        assert db.ledger_balance(ann, AT + 40 * 86400).available == 0
        with pytest.raises(patron.PatronError) as ei:
            db.ledger_earn({"key": "bakery-2", "member_id": ben, "points": 5, "at": AT})
        assert ei.value.code == "PATRON_ENOTFOUND" and "has not joined program 'bakery'" in ei.value.message
        with pytest.raises(patron.PatronError) as ei:
            db.ledger_earn({"key": "cafe-1", "member_id": ann, "points": 100, "at": AT})
        assert ei.value.code == "PATRON_ECONFLICT" and "'default'" in ei.value.message
        members = db.program_members()
        assert [(m.member_id, m.joined_at) for m in members] == [(ann, AT)]
        with db.program_member_list(ann) as mine:
            assert [mine.get(i) for i in range(mine.count())] == ["default", "bakery"]
        db.program_use("default")
        assert db.ledger_balance(ann, AT + 40 * 86400).available == 100
        with pytest.raises(patron.PatronError) as ei:
            db.program_use("nope")
        assert ei.value.code == "PATRON_ENOTFOUND"
        assert db.ledger_check().problems == 0
