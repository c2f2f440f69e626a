"""Demo scenarios for `make run`: applications and a plan in realistic states, driven through the real
services and the review flow. Lives in `workflows` because it drives viewflow tasks."""

from __future__ import annotations

import datetime

from django.contrib.auth import get_user_model
from django.db import transaction

from filing.demo import ORGS, USERS
from filing.models import Organisation
from filing.services.memberships import membership_grant
from workflows import demo_enterprise, demo_supervision

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
    from django.utils import timezone

    from filing.models import FilingApplication, OccupationLevel
    from filing.services import applications as svc
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

    today = timezone.localdate()
    # Some demo plans lie in the past: the body must have been filed before them, so the review is dated
    # back too (the services take the day they act on; nothing bypasses a rule of time).
    filed_long_ago = today - datetime.timedelta(days=150)
    _ensure_demo_calendar(filed_long_ago - datetime.timedelta(days=60), today + datetime.timedelta(days=90))
    people = scenarios.Reviewers(
        district_accept=users["district_pd"],
        district_review=users["district_pd_lead"],
        municipal_review=users["municipal"],
        decision=users["municipal_lead"],
        experts=[users["expert1"], users["expert2"], users["expert3"]],
    )

    # 1. 浦江: filed through the whole review, publicity over long ago.
    app = _draft(
        users["applicant"], users["legalrep"], pujiang, offerings, "申请备案为用人单位评价机构（演示）"
    )
    svc.application_submit(actor=users["applicant"], application=app)
    scenarios.review_to_publicity(app, people, decided_on=filed_long_ago)
    body = scenarios.end_publicity(app)
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

    # 3. 徐汇: a second application under publicity, with an objection registered from a letter.
    from filing.services import publicity

    xh2 = _draft(users["applicant_xh"], None, xuhui, [live_selling], "申请备案（演示，公示中有异议）")
    svc.application_sign_commitment(actor=users["applicant_xh"], application=xh2)
    xh2.refresh_from_db()
    svc.application_submit(actor=users["applicant_xh"], application=xh2)
    xh_people = scenarios.Reviewers(
        district_accept=users["district_xh"],
        district_review=users["district_xh_lead"],
        municipal_review=users["municipal"],
        decision=users["municipal_lead"],
        experts=[users["expert2"], users["expert3"], users["expert4"]],
    )
    scenarios.review_to_publicity(xh2, xh_people, decided_on=today - datetime.timedelta(days=1))
    publicity.objection_file(
        application=xh2, name="李女士（演示）", contact="13800000000", text="实训场地面积与申报不符（演示）"
    )
    done.append(f"{xh2.number} 公示中，收到异议1件")

    # 4. 闵行: one application returned for correction, one accepted and in the district's review.
    minhang = Organisation.objects.get(name=ORGS[2].name)
    mh_applicant = _demo_clerk("applicant_mh", "闵行经办人", minhang)
    returned = _draft(mh_applicant, mh_applicant, minhang, offerings[:1], "申请备案（演示，退回补正）")
    svc.application_submit(actor=mh_applicant, application=returned)
    wf.task_review(
        actor=users["district_mh"],
        task_pk=open_task(returned, "district_accept").pk,
        outcome="return",
        comment="请补充质量管理制度文件（演示）",
        correction_items=[{"kind": "attachment", "key": "quality"}],
        correction_deadline=today + datetime.timedelta(days=10),
    )
    done.append(f"{returned.number} 已退回补正")
    accepted = _draft(mh_applicant, mh_applicant, minhang, offerings[1:], "申请备案（演示，区级审核中）")
    svc.application_submit(actor=mh_applicant, application=accepted)
    wf.task_review(
        actor=users["district_mh"],
        task_pk=open_task(accepted, "district_accept").pk,
        outcome="approve",
        comment="材料齐全，予以受理（演示）",
    )
    done.append(f"{accepted.number} 区级审核中")

    # 5. 临港 (an enterprise): through the district and the city, the expert panel to be named.
    lingang = Organisation.objects.get(name=ORGS[3].name)
    lg_applicant = _demo_clerk("applicant_lg", "临港经办人", lingang)
    lg = _draft(lg_applicant, lg_applicant, lingang, offerings[:1], "申请备案为用人单位评价机构（演示）")
    svc.application_submit(actor=lg_applicant, application=lg)
    scenarios.review_to_expert_panel(lg, people)
    done.append(f"{lg.number} 待组建专家组")

    done += _seed_plans(body, users, today)
    done += demo_supervision.seed_supervision(body, users, today)
    done += demo_enterprise.seed_enterprise(people, today, filed_long_ago, draft=_draft)
    return done


def _demo_clerk(username: str, full_name: str, organisation):
    """An applicant who is also the organisation's legal representative (a small unit), with the demo
    password."""
    from filing.demo import DEMO_PASSWORD
    from filing.models import Membership

    User = get_user_model()
    user, created = User.objects.get_or_create(username=username, defaults={"first_name": full_name})
    if created:
        user.set_password(DEMO_PASSWORD)
        user.save()
    for role in ("applicant", "legal_rep"):
        if not Membership.objects.filter(user=user, role=role).exists():
            membership_grant(actor=None, user=user, role=role, organisation=organisation)
    return user


def _demo_id(seq: int, birth: str) -> str:
    from filing.demo import demo_citizen_id

    return demo_citizen_id(seq, birth)


DEMO_NAMES = [
    "王晓明",
    "李佳怡",
    "张子豪",
    "刘思雨",
    "陈俊杰",
    "杨雨涵",
    "赵一鸣",
    "黄欣怡",
    "周浩然",
    "吴诗琪",
    "徐天宇",
    "孙梦瑶",
]


def demo_contact(seq: int) -> str:
    """The contact a demo roster gives for a candidate (codes go to the console e-mail backend)."""
    return f"student{seq}@demo.example.cn"


def _demo_photo(seed: int) -> bytes:
    """A generated head-and-shoulders picture (PNG) standing in for a demo candidate's certificate photo."""
    import io

    from PIL import Image, ImageDraw

    backgrounds = [(67, 119, 196), (200, 60, 60), (245, 245, 245)]  # the usual blue, red, white
    image = Image.new("RGB", (413, 531), backgrounds[seed % len(backgrounds)])
    draw = ImageDraw.Draw(image)
    skin = (240 - seed % 4 * 8, 205 - seed % 3 * 6, 180)
    draw.ellipse((126, 90, 287, 290), fill=skin)
    draw.ellipse((116, 70, 297, 190), fill=(35, 30, 30))
    draw.ellipse((136, 120, 277, 290), fill=skin)
    draw.rectangle((190, 280, 223, 340), fill=skin)
    draw.ellipse((40, 320, 373, 700), fill=(30, 45, 80))
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def _roster(plan, operator, seed: int, count: int):
    from filing.eligibility import academic_year_end
    from filing.services import roster

    graduation = academic_year_end(plan.first_sitting_on).replace(month=6, day=30)
    header = (
        "姓名,证件类型,证件号码,专业代码,班级,预计毕业时间,是否全日制,就读院校统一社会信用代码,联系方式\n"
    )
    rows = [
        f"{DEMO_NAMES[i % len(DEMO_NAMES)]},居民身份证,{_demo_id(seed + i, f'2008{i % 12 + 1:02d}15')},"
        f"660103,数控{i % 2 + 1}班,{graduation.isoformat()},是,,{demo_contact(seed + i)}"
        for i in range(count)
    ]
    record = roster.roster_import(
        actor=operator, plan=plan, file_name="考生名册（演示）.csv", data=(header + "\n".join(rows)).encode()
    )
    assert record.outcome == "accepted", record.report
    return record


def _seed_pool(body, users, until):
    """The body's evaluator register and the city's supervisors, through the register's services."""
    from filing.services import staffing

    occupation = body.lines.first().offering.occupation
    base = {"valid_until": until, "can_invigilate": True, "is_supervisor": False}
    for i, name in enumerate(
        ["周考评", "吴考评", "郑考评", "钱考评", "孙考评", "李考评", "何考评", "施考评", "卫考评"]
    ):
        staffing.evaluator_create(
            actor=users["operator"],
            body=body,
            name=name,
            certificate_no=f"DEMO-KP-{i:03d}",
            occupation=occupation,
            level=3,
            can_evaluate=True,
            **base,
        )
    for i, name in enumerate(["陈监考", "林监考", "蒋监考"]):
        staffing.evaluator_create(
            actor=users["operator"],
            body=body,
            name=name,
            certificate_no=f"DEMO-JK-{i:03d}",
            occupation=None,
            level=None,
            can_evaluate=False,
            **base,
        )
    for i, name in enumerate(["王督导", "冯督导", "褚督导"]):
        staffing.evaluator_create(
            actor=users["municipal"],
            body=None,
            name=name,
            certificate_no=f"DEMO-DD-{i:03d}",
            occupation=None,
            level=None,
            can_evaluate=False,
            valid_until=until,
            can_invigilate=False,
            is_supervisor=True,
        )


def _seed_plans(body, users, today) -> list[str]:
    """Three plans of the filed body: one with certificates issued (one revoked, one reissued), one with
    results under publicity, one open for registration. The past ones are run on their own dates."""
    from filing import signing
    from filing.schedule import chinese_date, latest_filing_day
    from filing.services import certificates, issuance, photos
    from workflows import scenarios
    from workflows import selectors as wf_selectors
    from workflows import services as wf_services
    from workflows.scenarios import SittingSpec

    operator, authority = users["operator"], users["municipal"]
    done = []
    _seed_pool(body, users, datetime.date(today.year + 3, 12, 31))

    def sittings(day, theory=30, skill=15):
        return [
            SittingSpec("theory", day, "教学楼A101", theory),
            SittingSpec("skill", day, "实训楼3-1", skill, start_hour=13, hours=4),
        ]

    # 1. Held about two months ago: results confirmed, certificates issued, one revoked, one reissued.
    held = today - datetime.timedelta(days=60)
    plan = scenarios.plan_to_registration(
        body,
        operator,
        authority,
        title=f"{held.year}年秋季数控车工四级认定（演示）",
        sittings=sittings(held),
        filed_on=latest_filing_day(held) - datetime.timedelta(days=3),
    )
    _roster(plan, operator, seed=100, count=6)
    scenarios.staff_from_pool(plan, operator)
    scenarios.hold_and_publish(
        plan, operator, held_on=held, score=lambda r, part: 55 if r.row_number == 7 else 82
    )
    plan = scenarios.confirm_results(plan, operator, authority)
    signing.generate(bodies=[body])  # the demo seal's key (idempotent; `make run` made the city's)
    for registration in plan.registrations.filter(status="passed").select_related("candidate"):
        photos.registration_photo_upload(
            actor=operator, registration=registration, data=_demo_photo(registration.row_number or 0)
        )
    batch = issuance.issuance_request(
        actor=operator, plan=plan, idempotency_key=f"demo-{plan.pk}", issue_date=plan.results_confirmed_on
    )
    issuance.issue(batch.pk)
    issued = list(batch.certificates.order_by("number"))
    # Revocation is the authority's decision: the operator asks, the municipal reviewer approves the task.
    revocation = certificates.revocation_request(
        actor=operator, certificate=issued[-1], reason="考生冒名顶替参加考核（演示）"
    )
    wf_services.task_revocation_review(
        actor=authority,
        task_pk=wf_selectors.open_task(revocation, "review_revocation").pk,
        approve=True,
        comment="经核查属实，予以撤销（演示）",
    )
    certificates.certificate_reissue(actor=operator, certificate=issued[-2], reason="证书遗失（演示）")
    done.append(f"认定计划“{plan.title}”已发证{len(issued)}本（撤销1本，补发1本）")

    # 2. Held two days ago: results under publicity.
    held = today - datetime.timedelta(days=2)
    plan = scenarios.plan_to_registration(
        body,
        operator,
        authority,
        title=f"{held.year}年冬季数控车工四级认定（演示）",
        sittings=sittings(held),
        filed_on=latest_filing_day(held) - datetime.timedelta(days=3),
    )
    _roster(plan, operator, seed=200, count=5)
    scenarios.staff_from_pool(plan, operator)
    scenarios.hold_and_publish(plan, operator, held_on=held)
    done.append(f"认定计划“{plan.title}”结果公示至{chinese_date(plan.results_publicity_ends_on)}")

    # 3. In five weeks: open for registration, roster in, one recusal declared.
    first = today + datetime.timedelta(days=35)
    plan = scenarios.plan_to_registration(
        body,
        operator,
        authority,
        title=f"{first.year}届数控车工四级认定（演示）",
        sittings=sittings(first),
        filed_on=today,
        headcount=60,
    )
    _roster(plan, operator, seed=300, count=4)
    from filing.models import Evaluator
    from filing.services import staffing

    staffing.recusal_declare(
        actor=operator,
        plan=plan,
        evaluator=Evaluator.objects.get(certificate_no="DEMO-KP-000"),
        candidate=plan.registrations.order_by("row_number").first().candidate,
        relation="relative",
        note="表兄弟（演示）",
    )
    done.append(f"认定计划“{plan.title}”报名中")
    return done


def demo_certificates():
    """(number, holder, state) of the demo's certificates, for the logins printout."""
    from django.utils.translation import gettext as _

    from filing.models import Certificate

    rows = []
    demo_bodies = [ORGS[0].name, ORGS[4].name]
    for c in Certificate.objects.filter(body__organisation__name__in=demo_bodies).order_by(
        "number", "version"
    ):
        state = c.get_status_display()
        if c.print_serial > 1:
            state += _("，已补发（第%(serial)d次印制）") % {"serial": c.print_serial}
        rows.append((c.number, c.holder_name, state))
    return rows


def demo_holder() -> tuple[str, str, str] | None:
    """(name, ID number, contact) of a demo holder with a valid certificate, for the holder's sign-in."""
    from filing import pii
    from filing.models import Certificate

    certificate = (
        Certificate.objects.filter(body__organisation__name=ORGS[0].name, status="valid")
        .exclude(registration__contact_encrypted="")
        .select_related("registration__candidate")
        .order_by("number")
        .first()
    )
    if certificate is None:
        return None
    registration = certificate.registration
    return (
        certificate.holder_name,
        pii.decrypt(registration.candidate.document_encrypted),
        pii.decrypt(registration.contact_encrypted),
    )
