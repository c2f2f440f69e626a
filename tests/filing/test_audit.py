"""The append-only, HMAC-chained audit log (filing.audit, filing.models.audit, manage.py verify_audit).

Tampering is done through raw SQL, as an attacker with database access would (the ORM refuses). Each tamper
test builds a fresh chain of 10,000 events with audit_record_many in batches.
"""

from __future__ import annotations

import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from filing.audit import AuditEntry, audit_record, audit_record_many, compute_mac, verify_chain
from filing.errors import Denied
from filing.models import AuditChainHead, AuditEvent, AuditResult
from filing.models.audit import AppendOnlyError

CHAIN_LENGTH = 10_000
BATCH = 2_000
VALID_ID = "310115200801240020"
VALID_ID_X = "11010519491231002X"


def sql(statement: str, params: list | tuple = ()) -> None:
    with connection.cursor() as cursor:
        cursor.execute(statement, params)


def column(statement: str, params: list | tuple = ()):
    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        return [row[0] for row in cursor.fetchall()]


def build_chain(n: int = CHAIN_LENGTH) -> None:
    for start in range(1, n + 1, BATCH):
        audit_record_many(
            AuditEntry(
                action="test.event",
                object_type="filing.test",
                object_id=str(i),
                payload={"i": i, "note": f"第{i}条"},
                role="tester",
            )
            for i in range(start, min(start + BATCH, n + 1))
        )


@pytest.fixture
def chain(db):
    build_chain()
    assert AuditEvent.objects.count() == CHAIN_LENGTH
    assert verify_chain() is None
    return CHAIN_LENGTH


def assert_broken_at(seq: int, kinds: set[str]):
    problem = verify_chain()
    assert problem is not None
    assert problem.seq == seq, problem
    assert problem.kind in kinds, problem
    with pytest.raises(CommandError) as info:
        call_command("verify_audit", stdout=StringIO())
    assert f"seq={seq} " in str(info.value)
    assert problem.kind in str(info.value)
    return problem


# --- writing ------------------------------------------------------------------------------------------


def test_audit_record_writes_chained_events(db, outsider):
    first = audit_record(action="filing.submit", actor=outsider, obj=outsider, payload={"n": 1}, role="x")
    second = audit_record(action="filing.approve", object_type="filing.thing", object_id="42")
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.seq, second.seq) == (1, 2)
    assert first.prev_mac == ""
    assert second.prev_mac == first.mac
    assert first.mac == compute_mac(first) and second.mac == compute_mac(second)
    assert first.actor == outsider and first.actor_name == "outsider"
    assert first.object_type == "auth.user" and first.object_id == str(outsider.pk)
    assert first.result == AuditResult.OK
    head = AuditChainHead.objects.get(id=1)
    assert (head.last_seq, head.last_mac) == (2, second.mac)
    assert verify_chain() is None
    out = StringIO()
    call_command("verify_audit", stdout=out)
    assert "2 events" in out.getvalue()


def test_audit_record_many_continues_the_chain(db):
    audit_record(action="one")
    events = audit_record_many([AuditEntry("two"), AuditEntry("three")])
    assert [e.seq for e in events] == [2, 3]
    assert audit_record_many([]) == []
    assert verify_chain() is None


def test_payload_identifiers_are_masked(db):
    event = audit_record(
        action="person.create",
        payload={
            "note": f"身份证号{VALID_ID}已核验",
            "id_number": VALID_ID_X.lower(),
            "document_number": "E12345678",
            "nested": {"list": [f"another {VALID_ID_X}", {"id_number": VALID_ID}]},
            "password": "hunter2",
            "token": "0123456789abcdef0123456789abcdef",
            "count": 3,
            "as_integer": int(VALID_ID),
            "flag": True,
            "none": None,
        },
    )
    stored = AuditEvent.objects.get(pk=event.pk).payload
    text = json.dumps(stored, ensure_ascii=False)
    for clear in (VALID_ID, VALID_ID_X, VALID_ID_X.lower(), "E12345678", "hunter2", "TER2", "cdef"):
        assert clear not in text
    assert stored["note"] == "身份证号3101**********0020已核验"
    assert stored["id_number"] == "1101**********002X"
    assert stored["document_number"] == "E******78"
    assert stored["nested"] == {"list": ["another 1101**********002X", {"id_number": "3101**********0020"}]}
    # Secrets are replaced outright, not masked like a document number (which keeps 5 of 7 characters).
    assert stored["password"] == stored["token"] == "********"
    assert stored["as_integer"] == "3101**********0020"
    assert (stored["count"], stored["flag"], stored["none"]) == (3, True, None)
    # Nor in the raw column.
    raw = column("SELECT payload FROM filing_auditevent WHERE id = %s", [event.pk])[0]
    raw = raw if isinstance(raw, str) else json.dumps(raw)
    assert "200801240020" not in raw and "491231002" not in raw.upper()
    assert verify_chain() is None


# --- append-only --------------------------------------------------------------------------------------------


def test_orm_refuses_changes(db):
    event = audit_record(action="x")
    stored = AuditEvent.objects.get(pk=event.pk)
    stored.action = "y"
    with pytest.raises(AppendOnlyError):
        stored.save()
    with pytest.raises(AppendOnlyError):
        stored.delete()
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.filter(pk=event.pk).update(action="y")
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.filter(pk=event.pk).delete()
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.all().delete()
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.update(action="y")
    assert AuditEvent.objects.get(pk=event.pk).action == "x"
    assert verify_chain() is None


# --- the 10,000-event chain ---------------------------------------------------------------------------------


def test_long_chain_verifies(chain):
    out = StringIO()
    call_command("verify_audit", stdout=out)
    assert f"audit chain intact: {CHAIN_LENGTH} events" in out.getvalue()
    seqs = column("SELECT seq FROM filing_auditevent ORDER BY seq")
    assert seqs == list(range(1, CHAIN_LENGTH + 1))


def test_empty_chain_verifies(db):
    assert verify_chain() is None
    call_command("verify_audit", stdout=StringIO())


def test_edited_action_detected(chain):
    sql("UPDATE filing_auditevent SET action=%s WHERE seq=%s", ["test.forged", 7321])
    problem = assert_broken_at(7321, {"edited"})
    assert problem.event_id == AuditEvent.objects.get(seq=7321).pk


def test_edited_payload_detected(chain):
    sql("UPDATE filing_auditevent SET payload=%s WHERE seq=%s", [json.dumps({"i": 1, "note": "改"}), 1])
    assert_broken_at(1, {"edited"})


def test_edited_last_event_detected(chain):
    sql("UPDATE filing_auditevent SET result=%s WHERE seq=%s", ["denied", CHAIN_LENGTH])
    assert_broken_at(CHAIN_LENGTH, {"edited"})


def test_deleted_event_detected(chain):
    sql("DELETE FROM filing_auditevent WHERE seq=%s", [4242])
    assert_broken_at(4242, {"missing"})


def test_swapped_events_detected(chain):
    """Rows 5000 and 5001 exchange all their content (and ids); the seq column keeps 5000, 5001."""
    before = column("SELECT mac FROM filing_auditevent WHERE seq IN (5000, 5001) ORDER BY seq")
    sql("UPDATE filing_auditevent SET seq=%s WHERE seq=%s", [900_000, 5000])
    sql("UPDATE filing_auditevent SET seq=%s WHERE seq=%s", [5000, 5001])
    sql("UPDATE filing_auditevent SET seq=%s WHERE seq=%s", [5001, 900_000])
    after = column("SELECT mac FROM filing_auditevent WHERE seq IN (5000, 5001) ORDER BY seq")
    assert after == before[::-1]
    # seq is part of each MAC, so the moved row no longer matches its MAC either: reported as "inserted".
    assert_broken_at(5000, {"reordered", "inserted"})


def test_swapped_content_columns_detected(chain):
    """The same swap done column by column, keeping ids as well as seq."""
    columns = [
        "created_at",
        "actor_id",
        "actor_name",
        "role",
        "action",
        "object_type",
        "object_id",
        "result",
        "payload",
        "prev_mac",
        "mac",
    ]
    assignments = ", ".join(
        f"{c} = (SELECT o.{c} FROM filing_auditevent o WHERE o.seq = %s)" for c in columns
    )
    # Park row 5001's content on a temporary row, then copy across.
    sql(
        f"INSERT INTO filing_auditevent (seq, {', '.join(columns)}) "
        f"SELECT %s, {', '.join(columns)} FROM filing_auditevent WHERE seq = %s",
        [900_000, 5001],
    )
    sql(f"UPDATE filing_auditevent SET {assignments} WHERE seq = %s", [5000] * len(columns) + [5001])
    sql(f"UPDATE filing_auditevent SET {assignments} WHERE seq = %s", [900_000] * len(columns) + [5000])
    sql("DELETE FROM filing_auditevent WHERE seq = %s", [900_000])
    assert AuditEvent.objects.count() == CHAIN_LENGTH
    assert AuditEvent.objects.get(seq=5000).object_id == "5001"
    assert AuditEvent.objects.get(seq=5001).object_id == "5000"
    assert_broken_at(5000, {"reordered", "inserted"})


def _forge(seq: int, *, copy_from: int, prev_mac: str | None = None) -> None:
    """Insert a forged event: a copy of a real one with a new action and a made-up MAC."""
    sql(
        "INSERT INTO filing_auditevent (seq, created_at, actor_id, actor_name, role, action, object_type, "
        "object_id, result, payload, prev_mac, mac) "
        "SELECT %s, created_at, actor_id, actor_name, role, %s, object_type, object_id, result, payload, "
        f"{'%s' if prev_mac is not None else 'mac'}, %s FROM filing_auditevent WHERE seq = %s",
        [seq, "test.forged"] + ([prev_mac] if prev_mac is not None else []) + ["f" * 64, copy_from],
    )


def test_inserted_event_in_the_middle_detected(chain):
    """Shift seq 5000.. up by one and insert a forged event at 5000 that claims to follow 4999."""
    sql("UPDATE filing_auditevent SET seq = seq + %s WHERE seq >= %s", [1_000_000, 5000])
    sql("UPDATE filing_auditevent SET seq = seq - %s WHERE seq >= %s", [999_999, 1_000_000])
    _forge(5000, copy_from=4999)  # prev_mac = the genuine MAC of 4999, mac made up
    assert AuditEvent.objects.count() == CHAIN_LENGTH + 1
    # It links correctly to 4999, so only its own MAC gives it away.
    assert_broken_at(5000, {"inserted", "edited"})


def test_inserted_event_with_made_up_link_detected(chain):
    sql("UPDATE filing_auditevent SET seq = seq + %s WHERE seq >= %s", [1_000_000, 5000])
    sql("UPDATE filing_auditevent SET seq = seq - %s WHERE seq >= %s", [999_999, 1_000_000])
    _forge(5000, copy_from=4999, prev_mac="0" * 64)
    assert_broken_at(5000, {"inserted"})


def test_appended_forged_event_detected(chain):
    _forge(CHAIN_LENGTH + 1, copy_from=CHAIN_LENGTH)
    assert_broken_at(CHAIN_LENGTH + 1, {"inserted", "edited"})


def test_truncated_tail_detected(chain):
    sql("DELETE FROM filing_auditevent WHERE seq=%s", [CHAIN_LENGTH])
    problem = assert_broken_at(CHAIN_LENGTH, {"truncated"})
    assert str(CHAIN_LENGTH) in problem.detail


def test_chain_continues_after_verification(chain):
    event = audit_record(action="after")
    assert event.seq == CHAIN_LENGTH + 1
    assert verify_chain() is None


# --- denials ------------------------------------------------------------------------------------------------


def test_denied_record_writes_a_denied_event(db, outsider):
    error = Denied("无权查看该备案。", actor=outsider, action="filing.view", obj=outsider)
    error.record()
    error.record()  # only once
    events = list(AuditEvent.objects.all())
    assert len(events) == 1
    event = events[0]
    assert event.result == AuditResult.DENIED == "denied"
    assert event.action == "filing.view"
    assert event.actor == outsider
    assert event.object_type == "auth.user" and event.object_id == str(outsider.pk)
    assert event.payload == {"reason": "无权查看该备案。"}
    assert error.recorded
    assert verify_chain() is None


def test_denied_without_action_is_not_recorded(db):
    error = Denied("no")
    error.record()
    assert not AuditEvent.objects.exists()
    assert not error.recorded


def test_denied_reason_is_scrubbed(db):
    Denied(f"证件{VALID_ID}不属于本单位", action="person.view").record()
    event = AuditEvent.objects.get()
    assert event.result == AuditResult.DENIED
    assert VALID_ID not in json.dumps(event.payload)
    assert event.actor is None
