"""The national report is the only export that carries full ID numbers (DOMAIN.md §5, #15 must-show): every
other export — the Excel exports of the lists, the roster import report, the statistics CSV, the public
verification CSV, the API lists — is scanned for the clear numbers of the seeded candidates. The certificate
PDF and the batch zip of PDFs are not exports but the holder's own paper, which prints the full number by
design (#15 item 1)."""

from __future__ import annotations

import io

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from filing import pii
from filing.models import Certificate
from filing.sealed import dev_identity, unseal
from filing.services import national
from tests import factories
from tests.filing.issued import issue
from tests.filing.test_roster import body, csv_bytes, do_import, major, open_plan, person_id, row  # noqa: F401

pytestmark = pytest.mark.django_db


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def text_of(response) -> str:
    """Everything a download says: the cells of an Excel file, or the body as text."""
    assert response.status_code == 200, response.status_code
    content = b"".join(response.streaming_content) if response.streaming else response.content
    if content[:2] == b"PK":
        workbook = openpyxl.load_workbook(io.BytesIO(content), read_only=True)
        return "\n".join(
            "\t".join("" if v is None else str(v) for v in r)
            for ws in workbook
            for r in ws.iter_rows(values_only=True)
        )
    return content.decode("utf-8-sig")


@pytest.fixture
def seeded(body, body_operator, municipal_reviewer, open_plan):  # noqa: F811
    plan, operator = factories.plan_with_results(body, passed=4)
    issue(plan, operator, "scan")
    numbers = {
        pii.decrypt(r.candidate.document_encrypted) for r in plan.registrations.select_related("candidate")
    }
    # A roster that repeats the seeded numbers under other names (rejected: name and number do not match)
    # and one more that is accepted: the import report and the registrations must not echo them.
    roster_plan = open_plan()
    rejected = do_import(
        body_operator,
        roster_plan,
        "bad.csv",
        csv_bytes(
            [row(f"别人{i}", n) for i, n in enumerate(sorted(numbers))]
            + [row("校验错", "310115200801240021")]
        ),
    )
    assert rejected.outcome == "rejected" and rejected.report
    fresh = [person_id(900_000 + k) for k in range(3)]
    accepted = do_import(
        body_operator, roster_plan, "good.csv", csv_bytes([row(f"新生{k}", n) for k, n in enumerate(fresh)])
    )
    assert accepted.outcome == "accepted"
    return plan, roster_plan, rejected, numbers | set(fresh)


def test_the_national_report_is_the_only_export_with_full_numbers(
    seeded, body_operator, municipal_reviewer, auditor
):
    plan, roster_plan, rejected, numbers = seeded
    report = national.report_export(actor=municipal_reviewer)
    clear = unseal(report.ciphertext, dev_identity()).decode("utf-8")
    assert all(number in clear for number in numbers & _certified(plan))  # the positive control

    exports = []
    for user in (body_operator, municipal_reviewer, auditor):
        client = client_for(user)
        for url in ("/certificates/?export=xlsx", "/plans/?export=xlsx", "/applications/?export=xlsx"):
            exports.append((user.username, url, client.get(url)))
        for url in (
            "/api/v1/certificates/",
            f"/api/v1/plans/{roster_plan.pk}/registrations/",
            "/api/v1/plans/",
        ):
            response = client.get(url)
            if response.status_code == 200:
                exports.append((user.username, url, response))
    city = client_for(municipal_reviewer)
    exports.append(("city", "statistics", city.get("/certificates/statistics/?format=csv")))
    operator = client_for(body_operator)
    url = f"/plans/{roster_plan.pk}/roster/{rejected.pk}/report/"
    exports.append(("operator", url, operator.get(url)))
    lines = "\n".join(f"{c.number},{c.holder_name}" for c in Certificate.objects.all())
    upload = SimpleUploadedFile("check.csv", f"证书编号,姓名\n{lines}\n".encode(), content_type="text/csv")
    exports.append(
        ("public", "verify csv", Client().post("/verify/list/", {"file": upload, "format": "csv"}))
    )

    assert len(exports) >= 12
    for who, url, response in exports:
        text = text_of(response)
        leaked = sorted(n for n in numbers if n in text)
        assert not leaked, f"{who} {url} carries full ID numbers"
    # The lists did show the seeded people (the scan looked at real rows, masked).
    certificates_xlsx = text_of(client_for(municipal_reviewer).get("/certificates/?export=xlsx"))
    assert all(c.document_masked in certificates_xlsx for c in Certificate.objects.all())


def _certified(plan) -> set[str]:
    return {
        pii.decrypt(r.candidate.document_encrypted)
        for r in plan.registrations.select_related("candidate")
        if r.certificates.exists()
    }
