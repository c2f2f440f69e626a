"""Demo scenarios for `make run`: applications and a plan in realistic states, driven through the real
services and the review flow. Lives in `workflows` because it drives viewflow tasks."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db import transaction

from filing.demo import ORGS, USERS
from filing.models import Organisation
from filing.services.memberships import membership_grant

DEMO_PDF = b"%PDF-1.4\n% demo attachment\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _pdf(name: str):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, DEMO_PDF, content_type="application/pdf")


def _draft(applicant, legal_rep, organisation, offerings, summary):
    from filing.models import REQUIRED_ATTACHMENTS, AttachmentKind
    from filing.services import applications as svc
    from filing.services import attachments

    application = svc.application_create(
        actor=applicant,
        organisation=organisation,
        kind="initial",
        summary=summary,
        contact_name=applicant.first_name,
        contact_phone="021-5000 0000",
    )
    for offering in offerings:
        # The majors this organisation maps to the line's occupation (本专业 first), as a clerk would pick.
        majors = list(
            organisation.majors.filter(occupation_links__occupation=offering.occupation).order_by(
                "occupation_links__relation", "code"
            )
        ) or list(organisation.majors.all()[:1])
        svc.line_add(
            actor=applicant,
            application=application,
            offering=offering,
            majors=majors,
            venue="实训中心（演示）",
            equipment="按国家职业技能标准配置（演示）",
            evaluator_pool="校内考评员12名（演示）",
        )
    kinds = list(REQUIRED_ATTACHMENTS["initial"]) + (
        [AttachmentKind.CURRICULUM] if organisation.is_school else []
    )
    for kind in kinds:
        attachments.attachment_upload(
            actor=applicant, application=application, kind=kind, uploaded_file=_pdf(f"{kind}.pdf")
        )
    application.refresh_from_db()
    if legal_rep is not None:
        svc.application_sign_commitment(actor=legal_rep, application=application)
        application.refresh_from_db()
    return application


DEMO_CALENDAR_SOURCE = (
    "演示数据：该年节假日安排尚未录入，按周一至周五计算（仅供演示；正式环境须按国务院办公厅通知录入）"
)


def _ensure_demo_calendar(start, end) -> None:
    """The demo plan's legal clock may reach into a year whose State Council schedule neither the
    chinese-calendar package nor the override table knows yet (near the end of a year). A real deployment
    refuses to count such days until an administrator enters the schedule; the demo declares the year
    itself, labelled as demo data, so that ``make run`` works in any month."""
    from filing.models import CalendarYear
    from filing.workdays import undeclared_years

    for year in undeclared_years(start, horizon_days=(end - start).days):
        CalendarYear.objects.create(year=year, source=DEMO_CALENDAR_SOURCE)


@transaction.atomic
def seed_scenarios() -> list[str]:
    """Applications and a plan in realistic states, driven through the real services and tasks, so every
    demo login has something to look at. Skipped when already present."""
    import datetime

    from django.utils import timezone

    from filing.models import EvaluationPlan, Evaluator, FilingApplication, OccupationLevel
    from filing.services import applications as svc
    from filing.services import plans
    from workflows import scenarios
    from workflows import services as wf
    from workflows.selectors import open_task

    User = get_user_model()
    users = {u.username: u for u in User.objects.filter(username__in=[row[0] for row in USERS])}
    pujiang = Organisation.objects.get(name=ORGS[0].name)
    xuhui = Organisation.objects.get(name=ORGS[1].name)
    if FilingApplication.objects.filter(organisation__in=[pujiang, xuhui]).exists():
        return []
    done = []
    offerings = list(
        OccupationLevel.objects.filter(occupation__code="6-18-01-01", level__in=[4, 3]).order_by("-level")
    )
    if not offerings:
        return done

    # 1. 浦江: filed through the whole review, publicity already over.
    app = _draft(
        users["applicant"], users["legalrep"], pujiang, offerings, "申请备案为用人单位评价机构（演示）"
    )
    svc.application_submit(actor=users["applicant"], application=app)
    people = scenarios.Reviewers(
        district_accept=users["district_pd"],
        district_review=users["district_pd_lead"],
        municipal_review=users["municipal"],
        decision=users["municipal_lead"],
        experts=[users["expert1"], users["expert2"], users["expert3"]],
    )
    today = timezone.localdate()
    scenarios.review_to_publicity(app, people, decided_on=today - datetime.timedelta(days=14))
    done.append(f"{app.number} 已进入公示")
    body = scenarios.end_publicity(app, today=today)
    if body is not None:
        done.append(f"{app.number} 已备案为评价机构 {body.code}")

    # 2. 徐汇: submitted, waiting for the district's acceptance.
    live_selling = OccupationLevel.objects.get(
        occupation__code="4-01-02-07", work_type__name="直播销售员", level=4
    )  # 互联网营销师（直播销售员）四级, for the college's 电子商务 major
    xh = _draft(users["applicant_xh"], None, xuhui, [live_selling], "申请备案（演示，待受理）")
    from filing.models import Membership

    if not Membership.objects.filter(user=users["applicant_xh"], role="legal_rep").exists():
        membership_grant(actor=None, user=users["applicant_xh"], role="legal_rep", organisation=xuhui)
    svc.application_sign_commitment(actor=users["applicant_xh"], application=xh)
    xh.refresh_from_db()
    svc.application_submit(actor=users["applicant_xh"], application=xh)
    done.append(f"{xh.number} 待徐汇区受理")

    # 3. A plan of the 浦江 body, confirmed, with registration open; evaluators to staff it.
    for i, name in enumerate(["陈监考", "林监考", "周考评", "吴考评", "郑考评", "王督导", "冯督导"]):
        Evaluator.objects.get_or_create(
            certificate_no=f"DEMO-KP-{i:03d}",
            defaults={"name": name, "organisation": pujiang, "is_supervisor": "督导" in name},
        )
    if body is not None and not EvaluationPlan.objects.filter(body=body).exists():
        first = today + datetime.timedelta(days=35)
        _ensure_demo_calendar(today, first)
        plan = plans.plan_create(
            actor=users["operator"],
            body=body,
            line=body.lines.order_by("-offering__level").first(),
            title=f"{first.year}届数控车工四级认定（演示）",
            expected_headcount=60,
            first_sitting_on=first,
        )
        start = timezone.make_aware(datetime.datetime.combine(first, datetime.time(9)))
        plans.sitting_add(
            actor=users["operator"],
            plan=plan,
            part="theory",
            starts_at=start,
            ends_at=start + datetime.timedelta(hours=2),
            room="教学楼A101",
            candidates_expected=30,
        )
        plans.sitting_add(
            actor=users["operator"],
            plan=plan,
            part="skill",
            starts_at=start + datetime.timedelta(hours=4),
            ends_at=start + datetime.timedelta(hours=8),
            room="实训楼3-1",
            candidates_expected=15,
        )
        plans.plan_file(actor=users["operator"], plan=plan)
        wf.task_plan_review(
            actor=users["municipal"],
            task_pk=open_task(plan, "confirm_plan").pk,
            approve=True,
            comment="同意（演示）",
        )
        plans.plan_open_registration(actor=users["operator"], plan=plan)
        done.append(f"认定计划“{plan.title}”报名中")
    return done
