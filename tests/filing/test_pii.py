"""ID numbers (PIPL sensitive personal information): encrypted at rest and HMAC-indexed, masked wherever they
are shown, revealed only to permitted roles with an audit entry — and never in clear anywhere in a dump of
the database or in the logs, even after a rejected roster that quoted cells in its report."""

from __future__ import annotations

import json
import logging
import os
import re
import shutil
import subprocess
import unicodedata

import pytest
from cryptography.fernet import InvalidToken
from django.core.exceptions import ValidationError
from django.db import connection, transaction

from filing import pii
from filing.errors import Denied
from filing.models import AuditEvent, AuditResult, Candidate, RosterImport
from filing.roles import Role
from filing.services import plans as svc
from filing.services import roster as roster_svc
from filing.validators import mask_document_number, validate_citizen_id
from tests import factories
from tests.conftest import require
from tests.filing.test_plans import FILED_ON, make_plan, open_task
from tests.filing.test_roster import csv_bytes, do_import, person_id, row
from workflows import services as wf

pytestmark = pytest.mark.django_db


@pytest.fixture
def body(college, body_operator):
    with transaction.atomic():  # the factory locks the serial counter; the pg_dump test runs in autocommit
        return factories.filed_body(college)


@pytest.fixture
def major(college):
    return factories.major(college, code="660103")


@pytest.fixture
def plan(body, body_operator, major, municipal_reviewer):
    plan = make_plan(body, body_operator)
    svc.plan_file(actor=body_operator, plan=plan, today=FILED_ON)
    wf.task_plan_review(
        actor=municipal_reviewer, task_pk=open_task(plan, "confirm_plan").pk, approve=True, comment="同意"
    )
    plan.refresh_from_db()
    svc.plan_open_registration(actor=body_operator, plan=plan)
    plan.refresh_from_db()
    return plan


# --- finding clear ID numbers in any text ---------------------------------------------------------------

_WINDOW = re.compile(r"(?=([0-9]{17}[0-9X]))")
_JSON_ESCAPE = re.compile(r"\\u([0-9a-fA-F]{4})")


def clear_ids(text: str) -> set[str]:
    """Every 18-character window (overlapping, no word boundaries needed) that is a valid citizen ID, after
    undoing JSON \\u escapes and NFKC (full-width digits)."""
    text = _JSON_ESCAPE.sub(lambda m: chr(int(m.group(1), 16)), text)
    text = unicodedata.normalize("NFKC", text).upper()
    found = set()
    for match in _WINDOW.finditer(text):
        try:
            validate_citizen_id(match.group(1))
        except ValidationError:
            continue
        found.add(match.group(1))
    return found


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, bytes | memoryview):
        return bytes(value).decode("utf-8", "replace")
    return str(value)


def python_dump() -> dict[str, str]:
    """Every row of every table in the database (not only Django models: viewflow's, auth's, sessions…)."""
    dump = {}
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")  # noqa: S608 - table names
            dump[table] = "\n".join("\t".join(_text(v) for v in r) for r in cursor.fetchall())
    return dump


# --- at rest -------------------------------------------------------------------------------------------


def test_numbers_are_encrypted_at_rest_and_indexed(plan, body_operator, settings):
    x_number = "31010419910101006X"  # check character X, written in lower case in the roster
    numbers = [person_id(800_000 + k) for k in range(3)] + [x_number]
    rows = [row(f"考生{i}", n) for i, n in enumerate(numbers)]
    rows[-1][2] = x_number.lower()
    rows[0][2] = numbers[0].translate(str.maketrans("0123456789", "０１２３４５６７８９"))  # full width
    record = do_import(body_operator, plan, "r.csv", csv_bytes(rows))
    assert record.outcome == RosterImport.Outcome.ACCEPTED, record.report

    for number in numbers:
        candidate = Candidate.objects.get(document_index=pii.index("citizen_id", number))
        assert len(candidate.document_index) == 64 and int(candidate.document_index, 16) >= 0
        assert number not in candidate.document_encrypted and number not in candidate.document_index
        assert pii.decrypt(candidate.document_encrypted) == number
        assert candidate.document_masked == number[:4] + "*" * 10 + number[-4:]
        assert number not in str(candidate) and candidate.document_masked in str(candidate)
        assert str(candidate.birth_date).replace("-", "") == number[6:14]
    # Fernet: the same number encrypts differently each time, so equality goes through the keyed index.
    assert pii.encrypt(numbers[1]) != pii.encrypt(numbers[1])
    assert pii.index("citizen_id", x_number.lower()) == pii.index("citizen_id", f" {x_number} ")
    assert pii.index("citizen_id", numbers[1]) != pii.index("passport", numbers[1])

    token, index = pii.encrypt(numbers[1]), pii.index("citizen_id", numbers[1])
    settings.PII_KEY = "another-key-kept-outside-the-database"
    assert pii.index("citizen_id", numbers[1]) != index  # the index is keyed, not a bare hash
    with pytest.raises(InvalidToken):
        pii.decrypt(token)


def test_masked_forms():
    number = "310104200506120011"
    assert pii.mask(number) == "3101**********0011"
    assert pii.mask(number, public=True) == "3****************1"
    assert mask_document_number("３１０１０４２００５０６１２００１ｘ") == "3101**********001X"
    assert pii.mask("E12345678") == "E******78"  # a passport


# --- reveal ---------------------------------------------------------------------------------------------


def test_reveal_is_audited_for_permitted_roles_and_denied_to_others(
    plan, body_operator, municipal_reviewer, district_reviewer, auditor, expert, outsider, college
):
    number = person_id(810_000)
    assert do_import(body_operator, plan, "r.csv", csv_bytes([row("张三", number)])).outcome == "accepted"
    registration = plan.registrations.get()
    masked = registration.candidate.document_masked

    for actor in (body_operator, municipal_reviewer):
        assert roster_svc.reveal_document_number(actor=actor, registration=registration) == number
    events = list(AuditEvent.objects.filter(action="pii.reveal").order_by("seq"))
    assert [(e.actor, e.result) for e in events] == [(body_operator, "ok"), (municipal_reviewer, "ok")]
    for event in events:
        assert (event.object_type, event.object_id) == ("filing.candidate", str(registration.candidate_id))
        assert event.payload == {"registration": registration.pk, "masked": masked}

    other_operator = factories.user(role=Role.BODY_OPERATOR, organisation=factories.organisation())
    applicant_same_school = factories.user(role=Role.APPLICANT, organisation=college)
    for actor in (district_reviewer, auditor, expert, outsider, other_operator, applicant_same_school):
        with pytest.raises(Denied) as exc:
            roster_svc.reveal_document_number(actor=actor, registration=registration)
        exc.value.record()  # what the views and the API do with a denial
        assert number not in str(exc.value)
    assert AuditEvent.objects.filter(action="pii.reveal", result=AuditResult.OK).count() == 2
    denied = AuditEvent.objects.filter(action="pii.reveal", result=AuditResult.DENIED)
    assert denied.count() == 6
    assert not any(clear_ids(json.dumps(e.payload)) for e in denied)


# --- nothing in clear in the database or the logs ------------------------------------------------------


def populate(plan, operator, municipal_reviewer, district_reviewer) -> tuple[list[str], bytes]:
    """An accepted import of 300 rows, a rejected roster whose cells hold valid ID numbers in the wrong
    columns (quoted back in the report), reveals and a denied reveal. Returns the IDs and the roster."""
    numbers = [person_id(820_000 + k) for k in range(300)]
    roster = csv_bytes([row(f"考生{i}", n) for i, n in enumerate(numbers)])
    assert do_import(operator, plan, "名册.csv", roster).outcome == RosterImport.Outcome.ACCEPTED

    strays = [person_id(830_000 + k) for k in range(6)]
    bad = [
        row("甲", strays[0], type=strays[1]),  # columns shifted: the ID in 证件类型
        row("乙", strays[2], major=strays[3]),  # …in 专业代码
        row("丙", strays[4], school=strays[5]),  # …in 就读院校统一社会信用代码
        row("丁", numbers[0]),  # already registered in this plan (reported against the plan)
        row("戊", numbers[1], graduation=numbers[2]),
        row("己", "3.10115E+17"),
        row("庚", numbers[3][:17] + ("0" if numbers[3][17] != "0" else "1")),
    ]
    record = do_import(operator, plan, f"张三{strays[0]}补报.csv", csv_bytes(bad))
    assert record.outcome == RosterImport.Outcome.REJECTED
    assert {e["row"] for e in record.report} == set(range(2, 9))
    assert sum("**********" in e["reason"] for e in record.report) == 2  # the quoted IDs, masked
    assert "**********" in record.file_name

    registrations = list(plan.registrations.all()[:3])
    for registration in registrations:
        roster_svc.reveal_document_number(actor=operator, registration=registration)
        roster_svc.reveal_document_number(actor=municipal_reviewer, registration=registration)
    with pytest.raises(Denied) as exc:
        roster_svc.reveal_document_number(actor=district_reviewer, registration=registrations[0])
    exc.value.record()
    return numbers + strays, roster


def test_database_dump_and_logs_hold_no_clear_id(
    plan, body_operator, municipal_reviewer, district_reviewer, caplog
):
    caplog.set_level(logging.DEBUG)
    caplog.set_level(logging.DEBUG, logger="django")  # Django's own config keeps "django" at INFO
    connection.force_debug_cursor = True  # SQL statements and their parameters go to the log too
    try:
        numbers, roster = populate(plan, body_operator, municipal_reviewer, district_reviewer)
    finally:
        connection.force_debug_cursor = False
    assert clear_ids(roster.decode()) >= set(numbers[:300])  # the scanner does find clear numbers

    dump = python_dump()
    assert dump["filing_candidate"].count("\n") + 1 >= 300
    assert "pii.reveal" in dump["filing_auditevent"] and "**********" in dump["filing_rosterimport"]
    leaks = {table: clear_ids(text) for table, text in dump.items()}
    assert {t: ids for t, ids in leaks.items() if ids} == {}

    log_text = caplog.text + "\n".join(r.getMessage() for r in caplog.records)
    assert "filing_candidate" in log_text and "INSERT" in log_text  # the SQL log was captured
    assert clear_ids(log_text) == set()


@pytest.mark.django_db(transaction=True)
def test_pg_dump_holds_no_clear_id(on_postgres, plan, body_operator, municipal_reviewer, district_reviewer):
    """The same with the real tool: committed data, dumped by pg_dump from the test database."""
    require(bool(shutil.which("pg_dump")), "pg_dump is not installed (Debian's postgresql-client)")
    numbers, _ = populate(plan, body_operator, municipal_reviewer, district_reviewer)
    db = connection.settings_dict
    env = dict(os.environ, PGPASSWORD=db.get("PASSWORD") or "")
    result = subprocess.run(
        [
            "pg_dump",
            "--data-only",
            "--no-owner",
            "-h",
            db.get("HOST") or "localhost",
            "-p",
            str(db.get("PORT") or 5432),
            "-U",
            db.get("USER") or "postgres",
            db["NAME"],
        ],
        capture_output=True,
        env=env,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr.decode(errors="replace")
    dump = result.stdout.decode()
    assert "COPY public.filing_candidate" in dump and "pii.reveal" in dump
    assert clear_ids(dump) == set()
