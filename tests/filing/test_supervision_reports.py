"""逢考必督: the supervisor's report on every sitting, allowed and denied (role, state, once), bad input, the
photo re-encoded, and the results audit refused until every sitting is reported and a serious finding is
accepted."""

import datetime

import pytest
from django.utils import timezone

from filing.errors import Denied, Invalid, WrongState
from filing.models import (
    BodyStatus,
    EvaluationPlan,
    PlanStatus,
    RectificationStatus,
    Sitting,
    SupervisionReport,
)
from filing.services import rectification as rect
from filing.services import results as results_svc
from filing.services import supervision_reports as svc
from tests import factories

pytestmark = pytest.mark.django_db
NOW = timezone.now()


@pytest.fixture
def body(college, body_operator):
    return factories.filed_body(college)


@pytest.fixture
def supervisor(roles):
    return factories.user("supervisor_a", role="supervisor")


def plan_in(body, operator, status=PlanStatus.RESULTS_SUBMITTED, sittings=2, started=True):
    plan = EvaluationPlan.objects.create(
        body=body,
        line=body.lines.get(offering__level=4),
        title=f"计划{EvaluationPlan.objects.count()}",
        expected_headcount=10,
        first_sitting_on=datetime.date(2026, 6, 1),
        created_by=operator,
        status=status,
    )
    for i, part in enumerate(["theory", "skill"][:sittings]):
        Sitting.objects.create(
            plan=plan,
            part=part,
            starts_at=NOW - datetime.timedelta(hours=4 - i),
            ends_at=NOW - datetime.timedelta(hours=3 - i),
            room=f"A10{i}",
            candidates_expected=10,
            started_at=NOW if started else None,
        )
    return plan


def file(supervisor, sitting, **overrides):
    fields = {"present": "9", "absent": "1", "identity_checked": True, **overrides}
    return svc.report_file(actor=supervisor, sitting=sitting, **fields)


def audit(plan, reviewer, approve=True):
    return results_svc.plan_audit_results(actor=reviewer, plan=plan, approve=approve, comment="意见")


def test_results_audit_waits_for_every_report(body, body_operator, supervisor, municipal_reviewer):
    plan = plan_in(body, body_operator)
    first, second = plan.sittings.all()
    with pytest.raises(Invalid, match="认定结果不能确认") as exc:
        audit(plan, municipal_reviewer)
    assert "督导报告" in str(exc.value.errors)
    file(supervisor, first)
    with pytest.raises(Invalid):
        audit(plan, municipal_reviewer)
    file(supervisor, second)
    assert audit(plan, municipal_reviewer).status == PlanStatus.RESULTS_CONFIRMED


def test_returning_results_needs_no_report(body, body_operator, municipal_reviewer):
    plan = plan_in(body, body_operator)
    assert audit(plan, municipal_reviewer, approve=False).status != PlanStatus.RESULTS_CONFIRMED


def test_a_serious_irregularity_opens_a_finding_that_blocks_until_accepted(
    body, body_operator, supervisor, municipal_reviewer
):
    plan = plan_in(body, body_operator, sittings=1)
    report = file(supervisor, plan.sittings.get(), blocking=True, irregularities="两名考生使用手机")
    order = report.finding
    assert order.status == RectificationStatus.OPEN and "督导报告" in order.source
    body.refresh_from_db()
    assert body.status == BodyStatus.RECTIFICATION
    with pytest.raises(Invalid, match="认定结果不能确认"):
        audit(plan, municipal_reviewer)
    rect.rectification_respond(actor=body_operator, order=order, response="已取消两人成绩")
    rect.rectification_accept(actor=municipal_reviewer, order=order, note="处理得当")
    assert audit(plan, municipal_reviewer).status == PlanStatus.RESULTS_CONFIRMED


def test_only_a_supervisor_once_and_only_after_the_start(body, body_operator, supervisor, municipal_reviewer):
    plan = plan_in(body, body_operator, sittings=1)
    sitting = plan.sittings.get()
    for actor in (body_operator, municipal_reviewer):
        with pytest.raises(Denied):
            file(actor, sitting)
    file(supervisor, sitting)
    with pytest.raises(WrongState):
        file(supervisor, sitting)
    early = plan_in(body, body_operator, status=PlanStatus.REGISTRATION_CLOSED, sittings=1, started=False)
    with pytest.raises(WrongState):
        file(supervisor, early.sittings.get())
    done = plan_in(body, body_operator, status=PlanStatus.RESULTS_CONFIRMED, sittings=1)
    with pytest.raises(WrongState):
        file(supervisor, done.sittings.get())


@pytest.mark.parametrize(
    "overrides",
    [
        {"present": "abc"},
        {"present": "-1"},
        {"absent": ""},
        {"present": "9" * 20},
        {"identity_checked": False},
        {"blocking": True},
        {"photo": b"not an image"},
        {"photo": b"\xff\xd8\xff" + b"\x00" * 100},
        {"irregularities": "问题" * 3000},
    ],
)
def test_bad_input_is_refused_with_the_field(body, body_operator, supervisor, overrides):
    plan = plan_in(body, body_operator, sittings=1)
    with pytest.raises(Invalid):
        file(supervisor, plan.sittings.get(), **overrides)
    assert not SupervisionReport.objects.exists()


def test_photo_is_re_encoded_and_kept_encrypted(body, body_operator, supervisor):
    plan = plan_in(body, body_operator, sittings=1)
    raw = factories.photo_jpeg(size=(800, 600), exif=b"Exif\x00\x00secret-gps")
    report = file(supervisor, plan.sittings.get(), photo=raw)
    stored = svc.report_photo(report)
    assert stored.startswith(b"\xff\xd8") and b"secret-gps" not in stored
    assert b"secret-gps" not in report.photo_encrypted.encode()


# --- the page ----------------------------------------------------------------------------------------------


def report_url(plan, sitting):
    from django.urls import reverse

    return reverse("plans:supervision_report", args=[plan.pk, sitting.pk])


def test_supervisor_files_through_the_page_and_the_plan_shows_it(client, body, body_operator, supervisor):
    from django.urls import reverse

    plan = plan_in(body, body_operator, sittings=1)
    sitting = plan.sittings.get()
    client.force_login(supervisor)
    assert 'data-report="missing"' in client.get(reverse("plans:detail", args=[plan.pk])).text
    form = client.get(report_url(plan, sitting))
    assert form.status_code == 200 and 'data-action="file_report"' in form.text
    bad = client.post(report_url(plan, sitting), {"present": "abc", "absent": "0"})
    assert bad.status_code == 422 and not SupervisionReport.objects.exists()
    photo = factories.photo_jpeg(size=(400, 300))
    from django.core.files.uploadedfile import SimpleUploadedFile

    done = client.post(
        report_url(plan, sitting),
        {
            "present": "9",
            "absent": "1",
            "identity_checked": "on",
            "photo": SimpleUploadedFile("room.jpg", photo, content_type="image/jpeg"),
        },
    )
    assert done.status_code == 302
    assert 'data-report="filed"' in client.get(reverse("plans:detail", args=[plan.pk])).text
    client.force_login(body_operator)
    shown = client.get(report_url(plan, sitting))
    assert 'data-section="report"' in shown.text and 'data-action="file_report"' not in shown.text
    image = client.get(reverse("plans:supervision_photo", args=[plan.pk, sitting.pk]))
    assert image.status_code == 200 and image.content.startswith(b"\xff\xd8")
    assert client.post(report_url(plan, sitting), {"present": "1", "absent": "0"}).status_code in (403, 409)


def test_report_page_of_another_bodys_plan_is_404(client, body, body_operator):
    plan = plan_in(body, body_operator, sittings=1)
    stranger = factories.user(role="body_operator", organisation=factories.organisation())
    client.force_login(stranger)
    assert client.get(report_url(plan, plan.sittings.get())).status_code == 404


def test_a_bodys_own_person_cannot_be_the_sittings_supervisor(body, body_operator):
    from filing.services.staffing import qualification_problems

    plan = plan_in(body, body_operator, sittings=1)
    own = factories.evaluator("本机构内督", supervisor=True, body=body)
    city = factories.evaluator("市督导", supervisor=True)
    sitting = plan.sittings.get()
    assert any("市级督导员库" in p for p in qualification_problems(own, sitting, "supervisor"))
    assert not qualification_problems(city, sitting, "supervisor")


def test_the_city_chooses_a_sittings_supervisor_from_its_register(
    client, body, body_operator, municipal_reviewer
):
    from django.urls import reverse

    from filing.models import SittingStaff
    from filing.services import staffing

    plan = plan_in(body, body_operator, status=PlanStatus.CONFIRMED, sittings=1, started=False)
    sitting = plan.sittings.get()
    city_supervisor = factories.evaluator("市督导丙", supervisor=True)
    invigilator = factories.evaluator("监考丁")
    with pytest.raises(Denied):  # the city chooses supervisors only
        staffing.staff_assign(
            actor=municipal_reviewer, sitting=sitting, evaluator=invigilator, role="invigilator"
        )
    client.force_login(municipal_reviewer)
    assert 'data-action="choose_supervisor"' in client.get(reverse("plans:detail", args=[plan.pk])).text
    response = client.post(
        reverse("plans:supervisor_choose", args=[plan.pk]),
        {"sitting": sitting.pk, "evaluator": city_supervisor.pk},
    )
    assert response.status_code == 302
    staff = SittingStaff.objects.get(sitting=sitting)
    assert staff.role == "supervisor" and staff.evaluator == city_supervisor
    bad = client.post(reverse("plans:supervisor_choose", args=[plan.pk]), {"sitting": "x", "evaluator": "y"})
    assert bad.status_code == 422
    staffing.staff_remove(actor=municipal_reviewer, staff=staff)
    assert not SittingStaff.objects.filter(sitting=sitting).exists()
