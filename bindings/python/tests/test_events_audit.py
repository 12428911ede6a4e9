"""The events outbox and the audit trail through the generated classes:
switch on, events of a posting in order, a consumer that reads, dies
before acknowledging, reads the same events again, acknowledges; the
audit entry of an adjustment with the handle's actor, listed by actor."""
import calendar
import json

import pytest

import patron
from patron import ffi

for f in ("patron_events_read", "patron_audit_list"):
    if not hasattr(ffi, f):
        pytest.skip(f"{f} not in this libpatron build yet", allow_module_level=True)

AT = calendar.timegm((2026, 1, 15, 0, 0, 0))


def test_outbox_consumer_and_audit(store_uri):  # conftest.py: SQLite and PostgreSQL
    with patron.Db.open(store_uri) as db:
        assert db.events_enabled() == 0
        db.set_actor("alice")
        db.events_enable(1)
        mid = db.profile_add({"name": "Ada", "email": "ada@example.com", "consent": "email"}, AT)
        db.ledger_earn({"key": "order-1", "member_id": mid, "points": 120, "at": AT})
        db.ledger_adjust({"key": "fix-1", "member_id": mid, "points": -20, "at": AT + 5,
                          "reason": "typo", "operator_name": "bob"})
        with db.events_read(0, 100) as evs:
            kinds = [e.kind.decode() for e in evs]
            assert kinds == ["member.enrolled", "points.earned", "points.adjusted"]
            assert [json.loads(e.payload).get("points") for e in evs][1:] == [120, -20]
            positions = [e.position for e in evs]
            assert positions == sorted(positions) and evs.last() == positions[-1]
        with db.events_fetch("crm", 2) as first:
            assert len(first) == 2
            seen = [e.position for e in first]
        with db.events_fetch("crm", 2) as again:  # not acknowledged: the same events
            assert [e.position for e in again] == seen
            db.events_ack("crm", again.last())
        assert db.events_cursor("crm") == positions[1]
        with db.events_fetch("crm", 10) as rest:
            assert [e.kind for e in rest] == [b"points.adjusted"]
        with pytest.raises(patron.PatronError) as ei:
            db.events_ack("crm", positions[-1] + 100)
        assert ei.value.code == "PATRON_EINVAL" and "never given" in ei.value.message
        with db.audit_list({"actor": "alice"}) as entries:
            actions = [e.action.decode() for e in entries]
            assert actions == ["events.enable", "points.adjust"]
            adj = list(entries)[1]
            assert adj.member_id == mid and json.loads(adj.detail)["reason"] == "typo"
        with db.audit_list({"member_id": mid}) as entries:
            assert len(entries) == 1
