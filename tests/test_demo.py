"""`seed_demo` (what `make run` loads) works through the real services, is idempotent, seeds every stage a
visitor wants to see, and prints certificates that the public verification page finds."""

import io
import re

import pytest
from django.core.management import call_command

from filing.models import (
    ApplicationStatus,
    Certificate,
    CertificateStatus,
    EvaluationBody,
    EvaluationPlan,
    FilingApplication,
    Objection,
    PlanStatus,
    RecusalDeclaration,
)

pytestmark = pytest.mark.django_db
S = ApplicationStatus


def test_seed_demo_twice(client):
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    call_command("seed_demo", stdout=io.StringIO())
    statuses = sorted(FilingApplication.objects.values_list("status", flat=True))
    assert statuses == sorted(
        [S.FILED, S.FILED, S.SUBMITTED, S.PUBLICITY, S.RETURNED, S.DISTRICT_REVIEW, S.EXPERT_ASSESSMENT]
    )
    assert Objection.objects.filter(application__status=S.PUBLICITY).count() == 1
    assert EvaluationBody.objects.count() == 2  # the college and the enterprise (申江)
    plans = sorted(EvaluationPlan.objects.values_list("method", "status"))
    assert plans == sorted(
        [
            ("exam", PlanStatus.CERTIFICATES_ISSUED),
            ("exam", PlanStatus.RESULTS_PUBLICITY),
            ("exam", PlanStatus.REGISTRATION_OPEN),
            ("direct", PlanStatus.RESULTS_PUBLICITY),  # 直接认定 under publicity
            ("competition", PlanStatus.CERTIFICATES_ISSUED),  # 以赛促评 certified
        ]
    )
    from filing.models import Competition, PromotionDecision, RecognitionEvidence

    assert RecognitionEvidence.objects.count() == 2
    competition = Competition.objects.get()
    decisions = PromotionDecision.objects.filter(result__competition=competition)
    assert decisions.filter(promoted=True).count() == 4
    assert "前10名" in decisions.get(promoted=False).reason
    promoted = Certificate.objects.filter(batch__plan__competition=competition)
    assert promoted.count() == 4 and set(promoted.values_list("level", flat=True)) == {3}
    # 人人持证 of the enterprise, from its staff register and our certificates: the 4 promoted of 9
    from filing import holding
    from filing.models import Organisation

    share = holding.certified_share(Organisation.objects.get(name__startswith="上海申江"))
    assert (share.staff, share.certified) == (9, 4)
    assert RecusalDeclaration.objects.count() == 1
    states = set(Certificate.objects.values_list("status", flat=True))
    assert {CertificateStatus.VALID, CertificateStatus.REVOKED} <= states
    assert Certificate.objects.filter(print_serial__gt=1).exists()  # one reissued
    # Nothing dated before its rule allows: certificates after the confirmation, results after the sittings.
    for plan in EvaluationPlan.objects.filter(status=PlanStatus.CERTIFICATES_ISSUED):
        last = max([s.starts_at.date() for s in plan.sittings.all()] or [plan.first_sitting_on])
        assert plan.results_confirmed_on > last
        issued = Certificate.objects.filter(batch__plan=plan)
        assert issued.exists() and all(c.issue_date >= plan.results_confirmed_on for c in issued)

    # Supervision: every held sitting reported, the body under rectification, one line suspended, and the
    # public catalogue showing it.
    from filing.models import BodyStatus, Sitting

    assert not Sitting.objects.filter(started_at__isnull=False, supervision_report__isnull=True).exists()
    body = EvaluationBody.objects.get(organisation__kind="technician_school")
    assert body.status == BodyStatus.RECTIFICATION
    catalogue = client.get(f"/catalogue/{body.code}/").content.decode()
    assert 'data-status="rectification"' in catalogue and 'data-line-status="suspended"' in catalogue

    login = client.post("/accounts/login/", {"username": "district_xh", "password": "Demo@2026"})
    assert login.status_code == 302, login.content.decode()[:500]
    inbox = client.get("/tasks/")
    assert "区级受理" in inbox.content.decode()

    # The certificates printed next to the logins are found by the public verification (number + name).
    printed = re.findall(r"^  (Y\d{21})  (\S+)  \[(.+)\]$", out.getvalue(), flags=re.M)
    assert len(printed) >= 3, out.getvalue()
    client.logout()
    valid = [(n, name) for n, name, state in printed if state.startswith("有效")]
    revoked = [(n, name) for n, name, state in printed if state.startswith("已撤销")]
    assert valid and revoked
    number, name = valid[0]
    answer = client.post("/verify/", {"number": number, "name": name}).content.decode()
    assert 'data-result="found"' in answer and "有效" in answer
    number, name = revoked[0]
    answer = client.post("/verify/", {"number": number, "name": name}).content.decode()
    assert 'data-result="found"' in answer and "撤销" in answer

    # The holder printed next to them signs in with the code the console e-mail backend shows.
    from django.core import mail
    from django.test import TestCase

    holder = re.search(r"^  姓名 (\S+)  证件号码 (\S+)  联系方式 (\S+)$", out.getvalue(), flags=re.M)
    assert holder, out.getvalue()
    name, number, contact = holder.groups()
    mail.outbox.clear()
    with TestCase.captureOnCommitCallbacks(execute=True):
        started = client.post(
            "/holder/", {"name": name, "document_type": "citizen_id", "number": number, "contact": contact}
        )
    assert started.status_code == 302 and len(mail.outbox) == 1
    code = re.search(r"\d{6}", mail.outbox[0].body).group(0)
    assert client.post("/holder/code/", {"code": code}).status_code == 302
    records = client.get("/holder/records/").content.decode()
    assert 'data-certificate="' in records and name in records
