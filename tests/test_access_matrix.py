"""The access matrix (QUALITY.md, "Security"): every URL pattern of the URLconf — the admin's and viewflow's
auth URLs included — requested by every persona, with every path parameter filled by an object of the
persona's own organisation or district, of another college in the same district, of a college in another
district, and a non-existent one.

``access_matrix_grants.json`` (reviewed, committed) says, for each route and method, which persona is granted
what (a 2xx, or a redirect elsewhere than to a login page) for which object. Anything granted that the table
does not list fails, anything the table lists that is not granted fails, and a route missing from ``KINDS``
fails, so a new URL cannot be added without deciding who may use it. An object out of the persona's scope
must answer exactly as a non-existent one does (404, or the login page); anonymous users reach only the
public pages. Requests carry an empty body, so a granted POST usually means "the form came back with an
error" — whether the persona may perform the function itself is tested per service (403 for a forbidden
function) in tests/filing/test_applications.py and the other service tests and the other service tests.
No request may answer 500.

Objects are labelled ``<owner>:<variant>``: ``own`` is the reference college 浦江测试技师学院
(district 310115: its applicant, legal representative and body operator, and the district reviewer of 310115),
``same`` another college of 310115, ``other`` a college of 310104 (the other district reviewer's district),
``none`` a non-existent pk (999999). Notifications are the persona's own (``mine``) or someone
else's (``theirs``).
"""

from __future__ import annotations

import datetime
import itertools
import json
import os
import re
from collections import defaultdict
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import urlencode, urlparse

import pytest
from django.core.signals import request_finished
from django.db import close_old_connections, transaction
from django.test import Client, TestCase, override_settings
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone

from filing.roles import Role
from filing.services import issuance
from filing.services import publicity as publicity_svc
from tests import factories
from workflows.selectors import open_task as _open_task

pytestmark = pytest.mark.django_db(transaction=False)

PERSONAS = [
    "anonymous",
    "applicant",
    "legal_rep",
    "body_operator",
    "district_reviewer",
    "other_district_reviewer",
    "municipal_reviewer",
    "expert",
    "auditor",
    "administrator",
    "outsider",
    "supervisor",
    # Read-only oversight (issue #18): 浦东's 区人社局 leadership and 区教育局, and the 国资委.
    "district_leader",
    "education_bureau",
    "state_assets",
    # Not a user: a certificate holder signed in with name, ID document and a code to their contact
    # (filing.services.holders); the session holds the own certificate's candidate.
    "holder",
]
#: Personas that are not logged-in users.
SESSIONLESS = ("anonymous", "holder")
MISSING = 999999
FAST_HASHER = ["django.contrib.auth.hashers.MD5PasswordHasher"]


# --- the world: built once for the module, rolled back at its end -------------------------------------------


def _to_publicity(app, d1, d2, m1, m2, experts):
    from viewflow.workflow.models import Task
    from viewflow.workflow.status import STATUS

    from workflows import services as wf
    from workflows.flows import FilingReviewFlow

    wf.task_review(actor=d1, task_pk=_open_task(app, "district_accept").pk, outcome="approve", comment="受理")
    wf.task_review(actor=d2, task_pk=_open_task(app, "district_review").pk, outcome="approve", comment="同意")
    wf.task_review(
        actor=m1, task_pk=_open_task(app, "municipal_review").pk, outcome="approve", comment="同意"
    )
    wf.task_assign_panel(actor=m1, task_pk=_open_task(app, "expert_panel").pk, experts=experts)
    lines = list(app.lines.all())
    for task in Task.objects.filter(
        process__filingreviewprocess__application=app,
        flow_task=FilingReviewFlow.expert_score,
        status=STATUS.ASSIGNED,
    ):
        wf.task_expert_score(
            actor=task.owner,
            task_pk=task.pk,
            scores={line.pk: {"score": 80, "recommendation": "approve"} for line in lines},
        )
    wf.task_decide(
        actor=m2,
        task_pk=_open_task(app, "decision").pk,
        line_decisions={line.pk: {"decision": "approved"} for line in lines},
        comment="同意",
    )
    app.refresh_from_db()
    assert app.status == "publicity"
    objection = publicity_svc.objection_file(
        application=app, name="张三", contact="13800000000", text="场地与申报不符"
    )
    return app, objection


def _message(recipient, n):
    from notifications.models import Delivery, InboxMessage, OutboxEvent

    event = OutboxEvent.objects.create(kind="test.matrix", payload={"n": n})
    delivery = Delivery.objects.create(event=event, recipient=recipient, channel="inapp", state="sent")
    return InboxMessage.objects.create(
        delivery=delivery, recipient=recipient, title=f"消息{n}", body="内容", link="/applications/"
    )


def build_world():
    from axes.models import AccessAttempt, AccessFailureLog, AccessLog
    from django.contrib.auth.models import Group
    from django.contrib.auth.tokens import default_token_generator
    from django.contrib.contenttypes.models import ContentType
    from django.utils.encoding import force_bytes
    from django.utils.http import urlsafe_base64_encode
    from rest_framework.authtoken.models import Token
    from viewflow.workflow.models import Task
    from viewflow.workflow.status import STATUS

    from filing.models import (
        AuditEvent,
        CalendarOverride,
        CalendarYear,
        District,
        EvaluationPlan,
        Membership,
        MembershipRequest,
        Occupation,
        OccupationLevel,
        Organisation,
        PartnerAgreement,
        PlanStatus,
        RosterImport,
        WorkerCondition,
        WorkType,
    )
    from filing.services import applications as app_svc
    from filing.services import certificates as certificate_services
    from filing.services import national
    from filing.services.roles import setup_roles
    from notifications.models import Delivery, OutboxEvent
    from workflows import receivers
    from workflows.flows import FilingReviewFlow

    setup_roles()
    college = factories.organisation(district_code="310115", name="浦江测试技师学院")
    same = factories.organisation(district_code="310115", name="浦东另一所技师学院")
    other = factories.organisation(district_code="310104", name="徐汇测试技师学院")
    orgs = {"own": college, "same": same, "other": other}

    u = SimpleNamespace()
    u.applicant = factories.user("applicant", role=Role.APPLICANT, organisation=college)
    u.legal_rep = factories.user("legalrep", role=Role.LEGAL_REPRESENTATIVE, organisation=college)
    u.body_operator = factories.user("operator", role=Role.BODY_OPERATOR, organisation=college)
    u.district_reviewer = factories.user("district_pd", role=Role.DISTRICT_REVIEWER, district_code="310115")
    u.district_lead = factories.user(
        "district_pd_lead", role=Role.DISTRICT_REVIEWER, district_code="310115", is_unit_lead=True
    )
    u.other_district_reviewer = factories.user(
        "district_xh", role=Role.DISTRICT_REVIEWER, district_code="310104"
    )
    u.other_district_lead = factories.user(
        "district_xh_lead", role=Role.DISTRICT_REVIEWER, district_code="310104", is_unit_lead=True
    )
    u.municipal_reviewer = factories.user("municipal", role=Role.MUNICIPAL_REVIEWER)
    u.municipal_lead = factories.user("municipal_lead", role=Role.MUNICIPAL_REVIEWER, is_unit_lead=True)
    u.experts = [factories.user(f"expert{i}", role=Role.EXPERT) for i in range(1, 5)]
    u.expert = u.experts[0]
    u.auditor = factories.user("auditor", role=Role.AUDITOR)
    u.administrator = factories.user("admin", role=Role.ADMINISTRATOR)
    u.outsider = factories.user("outsider")
    u.supervisor = factories.user("supervisor", role=Role.SUPERVISOR)
    u.district_leader = factories.user("leader_pd", role=Role.DISTRICT_LEADER, district_code="310115")
    u.education_bureau = factories.user("education_pd", role=Role.EDUCATION_BUREAU, district_code="310115")
    u.state_assets = factories.user("sasac", role=Role.STATE_ASSETS)
    clerks = {"own": (u.applicant, u.legal_rep, u.body_operator)}
    for key in ("same", "other"):
        clerks[key] = (
            factories.user(f"{key}_applicant", role=Role.APPLICANT, organisation=orgs[key]),
            factories.user(f"{key}_legalrep", role=Role.LEGAL_REPRESENTATIVE, organisation=orgs[key]),
            factories.user(f"{key}_operator", role=Role.BODY_OPERATOR, organisation=orgs[key]),
        )

    # Applications in three states for the college, two for the others, publicity for the other district.
    apps, objections = {}, {}
    for key, org in orgs.items():
        applicant, legal_rep, _ = clerks[key]
        apps[f"{key}:draft"] = factories.complete_draft(
            applicant=applicant, legal_rep=legal_rep, organisation=org
        )
        draft = factories.complete_draft(applicant=applicant, legal_rep=legal_rep, organisation=org)
        apps[f"{key}:submitted"] = app_svc.application_submit(actor=applicant, application=draft)
    reviewers = {
        "own": (u.district_reviewer, u.district_lead),
        "other": (u.other_district_reviewer, u.other_district_lead),
    }
    for key, (d1, d2) in reviewers.items():
        applicant, legal_rep, _ = clerks[key]
        draft = factories.complete_draft(applicant=applicant, legal_rep=legal_rep, organisation=orgs[key])
        app = app_svc.application_submit(actor=applicant, application=draft)
        apps[f"{key}:publicity"], objections[key] = _to_publicity(
            app, d1, d2, u.municipal_reviewer, u.municipal_lead, u.experts[:3]
        )

    # Tasks: each college's acceptance task (open), the college's municipal review and expert scoring (done).
    tasks = {f"{key}:accept": _open_task(apps[f"{key}:submitted"], "district_accept") for key in orgs}
    tasks["own:municipal"] = Task.objects.get(
        process__filingreviewprocess__application=apps["own:publicity"],
        flow_task=FilingReviewFlow.municipal_review,
    )
    tasks["own:expert"] = Task.objects.get(
        process__filingreviewprocess__application=apps["own:publicity"],
        flow_task=FilingReviewFlow.expert_score,
        owner=u.expert,
        status=STATUS.DONE,
    )

    # 代理: each district reviewer named the district's lead as deputy (from tomorrow: nothing else changes).
    from workflows.models import Deputy

    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    deputies = {
        key: Deputy.objects.create(
            principal=principal, deputy=lead, starts_on=tomorrow, ends_on=tomorrow, reason="休假"
        )
        for key, (principal, lead) in reviewers.items()
    }

    # 抄送: the own municipal review's decision copied to the own college's applicant and the other's.
    from workflows.models import TaskCopy

    copies = {
        key: TaskCopy.objects.create(
            task=tasks["own:municipal"],
            recipient=clerks[key][0],
            copied_by=tasks["own:municipal"].owner,
            subject="matrix",
            decision="市级审核通过",
        )
        for key in ("own", "other")
    }

    # Evaluation bodies, plans with confirmed results, issued certificates, roster reports.
    plans, batches, certificates, imports, bodies = {}, {}, {}, {}, {}
    for key, org in orgs.items():
        operator = clerks[key][2]
        body = bodies[key] = factories.filed_body(org)
        plan, _ = factories.plan_with_results(body, passed=2)
        plans[key] = plan
        with TestCase.captureOnCommitCallbacks(execute=True):
            batch = issuance.issuance_request(actor=operator, plan=plan, idempotency_key=f"matrix-{key}")
        batch.refresh_from_db()
        assert batch.state == "done", batch.error
        batches[key] = batch
        certificates[key] = batch.certificates.order_by("pk").first()
        imports[key] = RosterImport.objects.create(
            plan=plan,
            uploaded_by=operator,
            file_name="名册.csv",
            sha256="0" * 64,
            outcome="rejected",
            report=[{"row": 2, "column": "证件号码", "reason": "校验位错误"}],
        )
        if key == "own":
            public_plan, _ = factories.plan_with_results(body, passed=1, title="结果公示中的计划")
            EvaluationPlan.objects.filter(pk=public_plan.pk).update(status=PlanStatus.RESULTS_PUBLICITY)
            filed_plan = EvaluationPlan.objects.create(
                body=body,
                line=body.lines.first(),
                title="待确认的计划",
                expected_headcount=10,
                first_sitting_on=datetime.date(2026, 9, 1),
                created_by=operator,
                status=PlanStatus.FILED,
            )
            receivers.plan_filed(sender=EvaluationPlan, plan=filed_plan)
            tasks["own:plan"] = Task.objects.get(process__planprocess__plan=filed_plan, status=STATUS.NEW)
    report = national.report_export(actor=u.municipal_reviewer)
    # One open rectification order per body (the supervision routes' second kind of object).
    from filing.models import RectificationOrder

    rectifications = {
        key: RectificationOrder.objects.create(
            body=b,
            findings="考场无监控",
            deadline=timezone.localdate() + datetime.timedelta(days=30),
            ordered_by=u.municipal_lead,
            ordered_on=timezone.localdate(),
        )
        for key, b in bodies.items()
    }
    from filing.models import SpotCheck, SpotCheckDraw

    draw = SpotCheckDraw.objects.create(
        year=2026,
        title="年度抽查",
        seed="matrix",
        body_count=1,
        inspectors_per_body=1,
        drawn_by=u.municipal_lead,
    )
    spot_check = SpotCheck.objects.create(draw=draw, body=bodies["own"], position=1)
    # A 特级技师 proposal of the own college's body (a school: the rule refuses it; the row tests scope).
    from filing.models import TechnicianAppointment

    cert = certificates["own"]
    appointment = TechnicianAppointment.objects.create(
        body=bodies["own"],
        grade="principal",
        certificate=cert,
        holder_name=cert.holder_name,
        document_index=cert.document_index,
        occupation_code=cert.occupation_code,
        occupation_name=cert.occupation_name,
        employee_number="E1",
        post="车工",
        achievements="业绩",
        term_start=timezone.localdate() + datetime.timedelta(days=30),
        term_end=timezone.localdate() + datetime.timedelta(days=400),
        created_by=u.municipal_lead,
    )
    # One staff register entry per college (a college keeps none: only the city's readers see these).
    from filing.models import StaffMember

    staff_members = {
        key: StaffMember.objects.create(
            organisation=orgs[key],
            employee_number=f"M-{key}",
            name="职工",
            document_type="citizen_id",
            document_encrypted="x",
            document_index=f"matrix-{key}",
            document_masked="3101**********0000",
            post="数控车工",
            skilled_post=True,
            hired_on=datetime.date(2020, 1, 1),
        )
        for key in ("own", "same", "other")
    }
    from filing.services import complaints as complaint_services

    complaints = {
        key: complaint_services._receive(
            {"body": b.pk, "name": "王五", "contact": f"{key}@example.cn", "text": "考场秩序混乱"}, key
        )
        for key, b in bodies.items()
    }

    # Annual task lists (drafts) of the three colleges, each with a piece of evidence, and a yearly report.
    from django.core.files.base import ContentFile

    from filing.models import TaskEvidence, YearlyReport
    from filing.services import annual_tasks as task_list_services

    task_lists, evidence = {}, {}
    for key, org in orgs.items():
        task_lists[key] = task_list_services.task_list_create(
            actor=clerks[key][0],
            organisation=org,
            year=timezone.localdate().year,
            targets=[{"indicator": "master_studios", "target": 5}],
        )
        evidence[key] = TaskEvidence(
            target=task_lists[key].targets.get(),
            original_name="证明.pdf",
            content_type="application/pdf",
            size=len(factories.PDF_BYTES),
            sha256="matrix",
            uploaded_by=clerks[key][0],
        )
        evidence[key].file.save("upload", ContentFile(factories.PDF_BYTES), save=False)
        evidence[key].save()
    yearly_report = YearlyReport.objects.create(
        year=timezone.localdate().year, requested_by=u.municipal_reviewer
    )
    yearly_report.finish(b"%PDF-1.4", b"PK", timezone.now())
    yearly_report.save()

    # The national system sends back the own and the other college's records (the bodies' to-dos); the
    # same-district college's stays unanswered, so the report is still open.
    answers = "证书编号,版本,结果,原因\n" + "".join(
        f"{certificates[k].number},{certificates[k].version},退回,姓名有误\n" for k in ("own", "other")
    )
    national.answers_import(actor=u.municipal_reviewer, data=answers.encode())
    rejections = {k: report.records.get(certificate=certificates[k]) for k in ("own", "other")}
    revocation = certificate_services.revocation_request(
        actor=u.body_operator, certificate=certificates["own"], reason="考试作弊"
    )
    tasks["own:revocation"] = Task.objects.get(
        process__revocationprocess__request=revocation, status=STATUS.NEW
    )

    # Partner agreements awaiting the partner: the college's with the other college's body, and the other
    # college's with the same-district college's body (so each side of each is a persona).
    agreements = {}
    for key, school, partner in (("own", college, bodies["other"]), ("other", other, bodies["same"])):
        agreements[key] = PartnerAgreement.objects.create(
            school=school,
            partner=partner,
            agreement_no=f"XY-{key}",
            valid_from=datetime.date(2026, 1, 1),
            valid_until=datetime.date(2030, 12, 31),
            created_by=clerks["own" if key == "own" else "other"][0],
        )
        agreements[key].offerings.set([partner.lines.first().offering])

    # The evaluator register: a person in each body's pool and one in the city's; a sitting of each plan
    # staffed by its body's person.
    from filing.models import Sitting, SittingStaff

    evaluators, sittings, staff = {}, {}, {}
    for key in orgs:
        plan = plans[key]
        evaluators[key] = factories.evaluator(
            f"{key}考评员", body=plan.body, occupation=plan.line.offering.occupation, level=3
        )
        start = timezone.make_aware(datetime.datetime(2026, 6, 1, 9))
        sittings[key] = Sitting.objects.create(
            plan=plan,
            part="theory",
            starts_at=start,
            ends_at=start + datetime.timedelta(hours=2),
            room="A101",
            candidates_expected=2,
        )
        staff[key] = SittingStaff.objects.create(
            sitting=sittings[key], evaluator=evaluators[key], role="invigilator"
        )
    evaluators["city"] = factories.evaluator("市督导员", supervisor=True)

    # In-app messages: one for each persona, and one for somebody else.
    users = [name for name in PERSONAS if name not in SESSIONLESS]
    messages = {name: _message(getattr(u, name), i) for i, name in enumerate(users)}
    messages["theirs"] = _message(u.district_lead, 99)

    token = Token.objects.create(user=u.applicant)
    event = OutboxEvent.objects.first()
    attempt = AccessAttempt.objects.create(
        username="probe",
        ip_address="10.0.0.9",
        user_agent="t",
        http_accept="*/*",
        path_info="/",
        get_data="",
        post_data="",
        failures_since_start=3,
    )
    # django-axes deletes attempts older than its cool-off at every login: on a loaded machine the matrix
    # runs longer than that, and the admin pages of this row would turn into 404s half-way through.
    AccessAttempt.objects.filter(pk=attempt.pk).update(
        attempt_time=timezone.now() + datetime.timedelta(days=3650)
    )
    admin_objects = {
        "axes/accessattempt": attempt.pk,
        "auth/group": Group.objects.get(name="role:applicant").pk,
        "auth/user": u.applicant.pk,
        "authtoken/tokenproxy": token.user_id,
        "viewflow/process": apps["own:submitted"].review_process.pk,
        "viewflow/task": tasks["own:accept"].pk,
        "filing/district": District.objects.get(code="310115").pk,
        "filing/occupation": Occupation.objects.get(code="6-18-01-01").pk,
        "filing/workercondition": WorkerCondition.objects.order_by("pk").first().pk,
        "filing/worktype": (
            WorkType.objects.first()
            or WorkType.objects.create(occupation=Occupation.objects.get(code="6-18-01-01"), name="数控车工")
        ).pk,
        "filing/occupationlevel": OccupationLevel.objects.first().pk,
        "filing/major": college.majors.first().pk,
        "filing/organisation": college.pk,
        "filing/membership": Membership.objects.filter(user=u.applicant).first().pk,
        "filing/calendaryear": (CalendarYear.objects.first() or CalendarYear.objects.create(year=2031)).pk,
        "filing/calendaroverride": (
            CalendarOverride.objects.first()
            or CalendarOverride.objects.create(
                date=datetime.date(2031, 10, 1), is_working_day=False, name="国庆节"
            )
        ).pk,
        "filing/auditevent": AuditEvent.objects.order_by("seq").first().pk,
        "filing/membershiprequest": MembershipRequest.objects.create(
            user=u.outsider,
            role=Role.APPLICANT,
            organisation=college,
            reason="新入职的经办人",
            requested_by=u.administrator,
        ).pk,
        "axes/accesslog": AccessLog.objects.create(
            username=u.applicant.username,
            ip_address="10.0.0.9",
            user_agent="t",
            http_accept="*/*",
            path_info="/",
        ).pk,
        "axes/accessfailurelog": AccessFailureLog.objects.create(
            username="probe",
            ip_address="10.0.0.9",
            user_agent="t",
            http_accept="*/*",
            path_info="/",
            locked_out=False,
        ).pk,
        "notifications/delivery": Delivery.objects.first().pk,
        "notifications/outboxevent": event.pk,
    }
    # A competition in the own body's register (以赛促评), recorded, no results yet.
    from filing.models import Competition

    competition = Competition.objects.create(
        body=bodies["own"],
        name="市数控车工大赛",
        level="city_1",
        organiser="市人社局",
        occupation=bodies["own"].lines.first().offering.occupation,
        held_on=datetime.date(2026, 4, 20),
        participants=30,
        created_by=u.municipal_lead,
    )
    # The holder persona: the own certificate's registration was given a contact with the roster.
    from filing import pii
    from filing.services.challenges import contact_index
    from filing.services.holders import HolderIdentity

    holder_registration = certificates["own"].registration
    holder_registration.contact_encrypted = pii.encrypt_text("holder@example.com")
    holder_registration.contact_index = contact_index("holder@example.com")
    holder_registration.save(update_fields=["contact_encrypted", "contact_index"])
    holder = HolderIdentity(
        holder_registration.candidate_id, holder_registration.contact_index, "h***@example.com"
    )
    return SimpleNamespace(
        holder=holder,
        users=u,
        orgs=orgs,
        apps=apps,
        objections=objections,
        tasks=tasks,
        deputies=deputies,
        copies=copies,
        plans=plans,
        public_plan=public_plan,
        batches=batches,
        certificates=certificates,
        imports=imports,
        agreements=agreements,
        bodies=bodies,
        rectifications=rectifications,
        draw=draw,
        spot_check=spot_check,
        appointment=appointment,
        competition=competition,
        staff_members=staff_members,
        complaints=complaints,
        task_lists=task_lists,
        evidence=evidence,
        yearly_report=yearly_report,
        evaluators=evaluators,
        sittings=sittings,
        staff=staff,
        report=report,
        rejections=rejections,
        messages=messages,
        admin_objects=admin_objects,
        organisation_type=ContentType.objects.get_for_model(Organisation).pk,
        reset=(
            urlsafe_base64_encode(force_bytes(u.applicant.pk)),
            default_token_generator.make_token(u.applicant),
        ),
    )


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker, tmp_path_factory):
    """Built once in a transaction that is rolled back after the module; each test runs in a savepoint."""
    media = tmp_path_factory.mktemp("matrix-media")
    with (
        django_db_blocker.unblock(),
        override_settings(MEDIA_ROOT=media, PASSWORD_HASHERS=FAST_HASHER),
        transaction.atomic(),
    ):
        factories.declare_wall_clock_years()
        built = build_world()
        built.media = media
        yield built
        transaction.set_rollback(True)


@pytest.fixture(autouse=True)
def _world_media(world, settings):
    settings.MEDIA_ROOT = world.media
    settings.PASSWORD_HASHERS = FAST_HASHER
    # The world's notifications wait for a commit that never comes (it is rolled back): without this the
    # outbox "lags" (/health/ answers 503) once the run is older than the limit.
    settings.HEALTH_OUTBOX_MAX_LAG_SECONDS = 10**9


# --- the URLconf --------------------------------------------------------------------------------------------

ADMIN_POST_VIEWS = ("changelist_view", "add_view", "change_view", "delete_view", "user_change_password")
ADMIN_SITE_POST = ("admin:login", "admin:logout", "admin:password_change")
UNSAFE = ("post", "put", "patch", "delete")


def _walk(patterns, prefix="", namespaces=()):
    for p in patterns:
        if isinstance(p, URLResolver):
            ns = namespaces + ((p.namespace,) if p.namespace else ())
            yield from _walk(p.url_patterns, prefix + str(p.pattern), ns)
        elif isinstance(p, URLPattern):
            name = ":".join(namespaces + (p.name,)) if p.name else ""
            yield prefix + str(p.pattern), name, p.callback


def _methods(name: str, callback) -> list[str]:
    """GET always; the unsafe methods the view implements (an empty body each)."""
    view_class = getattr(callback, "view_class", None) or getattr(callback, "cls", None)
    if view_class is not None:
        return ["GET", *[m.upper() for m in UNSAFE if hasattr(view_class, m)]]
    if callback.__name__ in ADMIN_POST_VIEWS or name in ADMIN_SITE_POST:
        return ["GET", "POST"]
    return ["GET"]


def url_routes() -> list[SimpleNamespace]:
    """Every pattern once, keyed by its route; a later pattern with the same route is unreachable."""
    routes: dict[str, SimpleNamespace] = {}
    for route, name, callback in _walk(get_resolver().url_patterns):
        if route not in routes:
            routes[route] = SimpleNamespace(route=route, name=name, methods=_methods(name, callback))
    return list(routes.values())


PARAM = re.compile(r"<(?:(\w+):)?(\w+)>|\(\?P<(\w+)>[^)]*\)")


def render(route: str, values: dict) -> str:
    path = PARAM.sub(lambda m: str(values[m.group(2) or m.group(3)]), route)
    return "/" + path.replace("^", "").replace("$", "")


def param_names(route: str) -> list[str]:
    return [m.group(2) or m.group(3) for m in PARAM.finditer(route)]


# --- path parameters: which objects each kind of route is requested with ------------------------------------

APP_LABELS = [
    "own:draft",
    "own:submitted",
    "own:publicity",
    "same:draft",
    "same:submitted",
    "other:draft",
    "other:submitted",
    "other:publicity",
]
ORG_LABELS = ["own", "same", "other"]


def targets(kind: str | None, persona: str, w) -> dict[str, dict]:
    """label → values of the route's parameters."""
    none = defaultdict(lambda: MISSING)
    if kind is None:
        return {"-": {}}
    if kind == "application":
        return {**{k: {"pk": w.apps[k].pk} for k in APP_LABELS}, "none": none}
    if kind == "application_line":
        out = {k: {"pk": w.apps[k].pk, "line_pk": w.apps[k].lines.first().pk} for k in APP_LABELS}
        out["cross"] = {"pk": w.apps["own:draft"].pk, "line_pk": w.apps["other:draft"].lines.first().pk}
        return {**out, "none": none}
    if kind == "application_objection":
        out = {
            f"{k}:publicity": {"pk": w.apps[f"{k}:publicity"].pk, "objection_pk": w.objections[k].pk}
            for k in ("own", "other")
        }
        out["cross"] = {"pk": w.apps["own:publicity"].pk, "objection_pk": w.objections["other"].pk}
        return {**out, "none": none}
    if kind == "application_attachment":
        out = {
            k: {"pk": w.apps[k].pk, "attachment_pk": w.apps[k].attachments.order_by("pk").first().pk}
            for k in APP_LABELS
        }
        out["cross"] = {
            "pk": w.apps["own:draft"].pk,
            "attachment_pk": w.apps["other:draft"].attachments.order_by("pk").first().pk,
        }
        return {**out, "none": none}
    if kind == "attachment":
        return {**{k: {"pk": w.apps[k].attachments.first().pk} for k in APP_LABELS}, "none": none}
    if kind == "copy":
        return {**{k: {"pk": c.pk} for k, c in w.copies.items()}, "none": none}
    if kind == "deputy":
        return {**{k: {"pk": d.pk} for k, d in w.deputies.items()}, "none": none}
    if kind in ("task", "task_urge"):
        return {**{k: {"task_pk": t.pk, "pk": t.pk} for k, t in w.tasks.items()}, "none": none}
    if kind == "plan":
        return {**{k: {"pk": w.plans[k].pk, "plan_pk": w.plans[k].pk} for k in ORG_LABELS}, "none": none}
    if kind == "plan_action":
        out = {k: {"pk": w.plans[k].pk, "action": "cancel"} for k in ORG_LABELS}
        out["own:filed"] = {"pk": w.tasks["own:plan"].process.planprocess.plan_id, "action": "cancel"}
        out["own:bogus-action"] = {"pk": w.plans["own"].pk, "action": "bogus"}
        return {**out, "none": {"pk": MISSING, "action": "cancel"}}
    if kind == "plan_sitting":
        out = {k: {"pk": w.plans[k].pk, "sitting_pk": w.sittings[k].pk} for k in ORG_LABELS}
        out["cross"] = {"pk": w.plans["own"].pk, "sitting_pk": w.sittings["other"].pk}
        return {**out, "none": none}
    if kind == "plan_staff":
        out = {k: {"pk": w.plans[k].pk, "staff_pk": w.staff[k].pk} for k in ORG_LABELS}
        out["cross"] = {"pk": w.plans["own"].pk, "staff_pk": w.staff["other"].pk}
        return {**out, "none": none}
    if kind == "evaluator":
        return {**{k: {"pk": e.pk} for k, e in w.evaluators.items()}, "none": none}
    if kind == "plan_registration":
        first = {k: w.plans[k].registrations.order_by("pk").first().pk for k in ORG_LABELS}
        out = {k: {"pk": w.plans[k].pk, "registration_pk": first[k]} for k in ORG_LABELS}
        out["cross"] = {"pk": w.plans["own"].pk, "registration_pk": first["other"]}
        return {**out, "none": none}
    if kind == "plan_import":
        out = {k: {"pk": w.plans[k].pk, "import_pk": w.imports[k].pk} for k in ORG_LABELS}
        out["cross"] = {"pk": w.plans["own"].pk, "import_pk": w.imports["other"].pk}
        return {**out, "none": none}
    if kind == "plan_public":
        return {"public": {"pk": w.public_plan.pk}, "own": {"pk": w.plans["own"].pk}, "none": none}
    if kind == "organisation":
        return {**{k: {"pk": w.orgs[k].pk, "org_pk": w.orgs[k].pk} for k in ORG_LABELS}, "none": none}
    if kind == "batch":
        return {**{k: {"pk": w.batches[k].pk} for k in ORG_LABELS}, "none": none}
    if kind == "agreement":
        return {**{k: {"pk": a.pk} for k, a in w.agreements.items()}, "none": none}
    if kind == "agreement_action":
        out = {k: {"pk": a.pk, "action": "withdraw"} for k, a in w.agreements.items()}
        out["own:accept"] = {"pk": w.agreements["own"].pk, "action": "accept"}
        out["own:bogus-action"] = {"pk": w.agreements["own"].pk, "action": "bogus"}
        return {**out, "none": {"pk": MISSING, "action": "withdraw"}}
    if kind == "certificate":
        return {**{k: {"pk": w.certificates[k].pk} for k in ORG_LABELS}, "none": none}
    if kind == "body":
        return {**{k: {"pk": w.bodies[k].pk} for k in ORG_LABELS}, "none": none}
    if kind == "application_chart":
        return {**{k: {"subject": "application", "pk": w.apps[k].pk} for k in APP_LABELS}, "none": none}
    if kind == "appointment":
        return {"appointment": {"pk": w.appointment.pk}, "none": none}
    if kind == "competition":
        return {"competition": {"pk": w.competition.pk}, "none": none}
    if kind == "staff_member":
        return {**{k: {"pk": w.staff_members[k].pk} for k in ORG_LABELS}, "none": none}
    if kind == "appointment_action":
        return {
            "appointment:submit": {"pk": w.appointment.pk, "action": "submit"},
            "appointment:approve": {"pk": w.appointment.pk, "action": "approve"},
            "appointment:bogus-action": {"pk": w.appointment.pk, "action": "bogus"},
            "none": none,
        }
    if kind == "draw":
        return {"draw": {"pk": w.draw.pk}, "none": none}
    if kind == "draw_check":
        return {"check": {"pk": w.draw.pk, "check_pk": w.spot_check.pk}, "none": none}
    if kind == "complaint":
        return {**{k: {"pk": w.complaints[k].pk} for k in ORG_LABELS}, "none": none}
    if kind == "body_code":
        return {"valid": {"code": w.bodies["own"].code}, "bogus": {"code": "X" * 13}}
    if kind in ("body_action", "rectification_action", "line_action"):
        objects = {
            "body_action": (w.bodies, "suspend", "request_exit"),
            "rectification_action": (w.rectifications, "accept", "respond"),
            "line_action": ({k: b.lines.first() for k, b in w.bodies.items()}, "suspend", "reinstate"),
        }[kind]
        out = {k: {"pk": o.pk, "action": objects[1]} for k, o in objects[0].items()}
        out["own:body-side"] = {"pk": objects[0]["own"].pk, "action": objects[2]}
        out["own:bogus-action"] = {"pk": objects[0]["own"].pk, "action": "bogus"}
        return {**out, "none": none}
    if kind == "supervision_action":
        own = w.bodies["own"]
        return {
            **{k: {"table": "body", "pk": b.pk, "name": "suspend"} for k, b in w.bodies.items()},
            "own:respond": {"table": "order", "pk": w.rectifications["own"].pk, "name": "respond"},
            "own:line": {"table": "line", "pk": own.lines.first().pk, "name": "suspend"},
            "own:bogus-action": {"table": "body", "pk": own.pk, "name": "bogus"},
            "none": none,
        }
    if kind == "report":
        return {"report": {"pk": w.report.pk}, "none": none}
    if kind == "task_list":
        return {**{k: {"pk": w.task_lists[k].pk} for k in ORG_LABELS}, "none": none}
    if kind == "task_list_action":
        out = {k: {"pk": w.task_lists[k].pk, "action": "submit"} for k in ORG_LABELS}
        out["own:confirm"] = {"pk": w.task_lists["own"].pk, "action": "confirm"}
        out["own:bogus-action"] = {"pk": w.task_lists["own"].pk, "action": "bogus"}
        return {**out, "none": {"pk": MISSING, "action": "submit"}}
    if kind == "task_evidence":
        out = {k: {"pk": w.task_lists[k].pk, "evidence_pk": w.evidence[k].pk} for k in ORG_LABELS}
        out["cross"] = {"pk": w.task_lists["own"].pk, "evidence_pk": w.evidence["other"].pk}
        return {**out, "none": none}
    if kind == "yearly_report":
        pk = w.yearly_report.pk
        return {
            "pdf": {"pk": pk, "fmt": "pdf"},
            "xlsx": {"pk": pk, "fmt": "xlsx"},
            "bogus-format": {"pk": pk, "fmt": "doc"},
            "none": {"pk": MISSING, "fmt": "pdf"},
        }
    if kind == "rejection":
        return {**{k: {"pk": r.pk} for k, r in w.rejections.items()}, "none": none}
    if kind == "message":
        mine = w.messages["applicant" if persona in SESSIONLESS else persona]
        return {"mine": {"pk": mine.pk}, "theirs": {"pk": w.messages["theirs"].pk}, "none": none}
    if kind == "token":
        return {"valid": {"token": w.certificates["own"].verification_token}, "bogus": {"token": "x" * 32}}
    if kind == "status_list":
        return {"valid": {"list_id": "1"}, "bogus": {"list_id": "x" * 32}}
    if kind == "reset":
        return {
            "valid": {"uidb64": w.reset[0], "token": w.reset[1]},
            "bogus": {"uidb64": "MQ", "token": "x-y"},
        }
    if kind == "admin_app":
        return {"filing": {"app_label": "filing"}, "auth": {"app_label": "auth"}}
    if kind == "admin_catchall":
        return {"-": {"url": "no-such-page/"}}
    if kind == "admin_shortcut":
        ct = w.organisation_type
        return {"obj": {"content_type_id": ct, "object_id": w.orgs["own"].pk}, "none": none}
    if kind.startswith("admin_object:"):
        pk = w.admin_objects[kind.split(":", 1)[1]]
        return {"obj": {"object_id": pk, "id": pk}, "none": none}
    raise AssertionError(f"unknown kind {kind}")


def admin_kind(route: str) -> str | None:
    names = param_names(route)
    if not names:
        return None
    if names == ["app_label"]:
        return "admin_app"
    if names == ["url"]:
        return "admin_catchall"
    if names == ["content_type_id", "object_id"]:
        return "admin_shortcut"
    _, app_label, model, *_ = route.split("/")
    return f"admin_object:{app_label}/{model}"


# --- requests --------------------------------------------------------------------------------------------

_addresses = itertools.count(1)
#: Sign-in pages: the site's, the admin's and the holder's (filing.views.holders).
LOGIN_PATHS = ("/accounts/login/", "/admin/login/", "/holder/")


def outcome_of(response, path: str) -> str:
    code = response.status_code
    if 300 <= code < 400:
        target = urlparse(response["Location"]).path
        if target in LOGIN_PATHS:
            return "login"
        if path.startswith("/admin/") and target == "/admin/" and path != "/admin/":
            return "404"  # the admin's answer for an object that does not exist
        return "3xx"
    if 200 <= code < 300:
        return "2xx"
    return str(code)


def request(client: Client, method: str, path: str, body: bytes | str = b"", content_type: str = "") -> str:
    """One request in a savepoint that is rolled back: a granted POST changes nothing for the next one."""
    n = next(_addresses)
    address = f"10.{n >> 16 & 255}.{n >> 8 & 255}.{n & 255}"  # one client each: no rate limit kicks in
    extra = {"content_type": content_type} if content_type else {}
    try:
        with transaction.atomic():
            response = client.generic(method, path, body, REMOTE_ADDR=address, **extra)
            transaction.set_rollback(True)
    except Exception as exc:  # a 500
        return f"500 {type(exc).__name__}: {exc}"[:300]
    try:
        return outcome_of(response, path)
    finally:
        if response.streaming:
            _close_streaming(response)


def _close_streaming(response) -> None:
    """Close a file or streaming response (the test client closes plain ones itself), with Django's
    ``close_old_connections`` unhooked as the client does: inside the module's open transaction it would
    otherwise drop the PostgreSQL connection (autocommit is off), and every later request would fail."""
    request_finished.disconnect(close_old_connections)
    try:
        response.close()
    finally:
        request_finished.connect(close_old_connections)


def holder_session(client: Client, world) -> None:
    """What the holder's code page leaves in the session (filing.views.holders)."""
    import time

    from filing.views import holders as holder_views

    session = client.session
    session[holder_views.SESSION_IDENTITY] = world.holder.as_session()
    session[holder_views.SESSION_UNTIL] = int(time.time()) + 3600
    session.save()


def run_matrix(world, persona: str, routes) -> dict:
    """{route: {method: {label: outcome}}} for one persona."""
    client = Client()
    user = None if persona in SESSIONLESS else getattr(world.users, persona)

    def login():
        if user is not None:
            client.force_login(user)
        if persona == "holder":
            holder_session(client, world)

    login()
    observed: dict = {}
    for route in routes:
        kind = route_kind(route.route)
        for label, values in targets(kind, persona, world).items():
            path = render(route.route, values)
            for method in route.methods:
                observed.setdefault(route.route, {}).setdefault(method, {})[label] = request(
                    client, method, path
                )
                if method != "GET" and ("logout" in route.route or "sign-out" in route.route):
                    login()
    return observed


#: Which objects fill the parameters of each route (the admin's routes are derived from their model).
KINDS = {
    "public/publicity/<int:pk>/objection/": "application",
    "public/results/<int:pk>/": "plan_public",
    "verify/t/<str:token>/": "token",
    "credentials/status/<str:list_id>/": "status_list",
    "api/v1/organisations/<int:pk>/majors/": "organisation",
    "api/v1/applications/<int:pk>/": "application",
    "api/v1/applications/<int:pk>/lines/": "application",
    "api/v1/applications/<int:pk>/lines/<int:line_pk>/": "application_line",
    "api/v1/applications/<int:pk>/attachments/": "application",
    "api/v1/applications/<int:pk>/attachments/<int:attachment_pk>/": "application_attachment",
    "api/v1/applications/<int:pk>/attachments/<int:attachment_pk>/replace/": "application_attachment",
    "api/v1/applications/<int:pk>/sign/": "application",
    "api/v1/applications/<int:pk>/submit/": "application",
    "api/v1/applications/<int:pk>/withdraw/": "application",
    "api/v1/applications/<int:pk>/respond/": "application",
    "api/v1/tasks/<int:pk>/claim/": "task",
    "api/v1/tasks/<int:pk>/release/": "task",
    "api/v1/tasks/<int:pk>/transfer/": "task",
    "api/v1/tasks/<int:pk>/decide/": "task",
    "api/v1/tasks/<int:pk>/urge/": "task_urge",
    "api/v1/tasks/<int:pk>/copy/": "task",
    "api/v1/deputies/<int:pk>/revoke/": "deputy",
    "api/v1/tasks/<int:pk>/take-back/": "task",
    "api/v1/tasks/<int:pk>/send-back/": "task",
    "api/v1/publicity/<int:pk>/objections/": "application",
    "api/v1/publicity/<int:pk>/objections/confirm/": "application",
    "api/v1/applications/<int:pk>/objections/": "application",
    "api/v1/applications/<int:pk>/objections/dismiss/": "application",
    "api/v1/applications/<int:pk>/objections/<int:objection_pk>/decide/": "application_objection",
    "api/v1/plans/<int:pk>/": "plan",
    "api/v1/plans/<int:pk>/sittings/": "plan",
    "api/v1/plans/<int:pk>/roster/": "plan",
    "api/v1/plans/<int:pk>/registrations/": "plan",
    "api/v1/plans/<int:pk>/registrations/<int:registration_pk>/photo/": "plan_registration",
    "api/v1/plans/<int:pk>/scores/": "plan",
    "api/v1/plans/<int:pk>/certificate-batches/": "plan",
    "api/v1/plans/<int:pk>/actions/<str:action>/": "plan_action",
    "api/v1/certificate-batches/<int:pk>/": "batch",
    "api/v1/certificates/<int:pk>/revoke/": "certificate",
    "api/v1/certificates/<int:pk>/": "certificate",
    "api/v1/certificates/<int:pk>/pdf/": "certificate",
    "api/v1/certificates/<int:pk>/credential/": "certificate",
    "api/v1/certificate-batches/<int:pk>/zip/": "batch",
    "api/v1/national-reports/<int:pk>/file/": "report",
    "api/v1/national-reports/<int:pk>/acknowledge/": "report",
    "api/v1/applications/<int:pk>/corrections/": "application",
    "api/v1/applications/<int:pk>/extend/": "application",
    "api/v1/certificates/<int:pk>/reissue/": "certificate",
    "api/v1/evaluators/<int:pk>/": "evaluator",
    "api/v1/evaluators/<int:pk>/deactivate/": "evaluator",
    "api/v1/evaluators/<int:pk>/activate/": "evaluator",
    "api/v1/plans/<int:pk>/staff/": "plan",
    "api/v1/plans/<int:pk>/staff/candidates/": "plan",
    "api/v1/plans/<int:pk>/staff/<int:staff_pk>/": "plan_staff",
    "api/v1/plans/<int:pk>/staff/<int:staff_pk>/replace/": "plan_staff",
    "api/v1/plans/<int:pk>/recusals/": "plan",
    "api/v1/agreements/<int:pk>/": "agreement",
    "api/v1/agreements/<int:pk>/<str:action>/": "agreement_action",
    "api/v1/organisations/<int:pk>/coverage/": "organisation",
    "accounts/reset/<uidb64>/<token>/": "reset",
    "applications/<int:pk>/": "application",
    "applications/<int:pk>/edit/": "application",
    "applications/<int:pk>/lines/new/": "application",
    "applications/<int:pk>/lines/<int:line_pk>/edit/": "application_line",
    "applications/<int:pk>/lines/<int:line_pk>/delete/": "application_line",
    "applications/<int:pk>/attachments/new/": "application",
    "applications/<int:pk>/attachments/<int:attachment_pk>/replace/": "application_attachment",
    "applications/<int:pk>/attachments/<int:attachment_pk>/remove/": "application_attachment",
    "applications/<int:pk>/sign/": "application",
    "applications/<int:pk>/submit/": "application",
    "applications/<int:pk>/withdraw/": "application",
    "applications/<int:pk>/respond/": "application",
    "applications/<int:pk>/extend/": "application",
    "applications/<int:pk>/objections/dismiss/": "application",
    "applications/<int:pk>/objections/<int:objection_pk>/decide/": "application_objection",
    "applications/attachments/<int:pk>/": "attachment",
    "plans/coverage/<int:org_pk>/": "organisation",
    "plans/agreements/<int:pk>/": "agreement",
    "plans/agreements/<int:pk>/<slug:action>/": "agreement_action",
    "plans/<int:pk>/": "plan",
    "plans/<int:pk>/sittings/new/": "plan",
    "plans/<int:pk>/staff/new/": "plan",
    "plans/<int:pk>/edit/": "plan",
    "plans/<int:pk>/recusals/new/": "plan",
    "plans/<int:pk>/sittings/<int:sitting_pk>/edit/": "plan_sitting",
    "plans/<int:pk>/sittings/<int:sitting_pk>/remove/": "plan_sitting",
    "plans/<int:pk>/staff/<int:staff_pk>/remove/": "plan_staff",
    "plans/evaluators/<int:pk>/edit/": "evaluator",
    "plans/evaluators/<int:pk>/active/": "evaluator",
    "plans/<int:pk>/roster/": "plan",
    "plans/<int:pk>/roster/<int:import_pk>/report/": "plan_import",
    "plans/<int:pk>/scores/": "plan",
    "plans/<int:pk>/reveal/": "plan",
    "plans/<int:pk>/photo/": "plan",
    "plans/<int:pk>/<str:action>/": "plan_action",
    "certificates/plans/<int:plan_pk>/issue/": "plan",
    "certificates/batches/<int:pk>/": "batch",
    "certificates/batches/<int:pk>/zip/": "batch",
    "certificates/national/<int:pk>/": "report",
    "certificates/national/rejections/<int:pk>/resubmit/": "rejection",
    "certificates/<int:pk>/": "certificate",
    "certificates/<int:pk>/pdf/": "certificate",
    "certificates/<int:pk>/credential/": "certificate",
    "holder/certificates/<int:pk>/pdf/": "certificate",
    "holder/certificates/<int:pk>/credential/": "certificate",
    "holder/certificates/<int:pk>/correction/": "certificate",
    "tasks/<int:task_pk>/": "task",
    "tasks/<int:task_pk>/claim/": "task",
    "tasks/<int:task_pk>/release/": "task",
    "tasks/<int:task_pk>/transfer/": "task",
    "tasks/<int:task_pk>/urge/": "task_urge",
    "tasks/<int:task_pk>/copy/": "task",
    "tasks/copies/<int:pk>/": "copy",
    "tasks/deputies/<int:pk>/revoke/": "deputy",
    "tasks/<int:task_pk>/take-back/": "task",
    "tasks/<int:task_pk>/send-back/": "task",
    "notifications/<int:pk>/": "message",
    "catalogue/<str:code>/": "body_code",
    "tasks/chart/<slug:subject>/<int:pk>/": "application_chart",
    "plans/<int:pk>/supervisors/new/": "plan",
    "competitions/<int:pk>/": "competition",
    "competitions/<int:pk>/results/": "competition",
    "competitions/<int:pk>/decide/": "competition",
    "api/v1/competitions/<int:pk>/": "competition",
    "api/v1/competitions/<int:pk>/results/": "competition",
    "api/v1/competitions/<int:pk>/results/upload/": "competition",
    "api/v1/competitions/<int:pk>/decide/": "competition",
    "plans/<int:pk>/recognition/new/": "plan",
    "plans/<int:pk>/recognition/<int:registration_pk>/": "plan_registration",
    "api/v1/plans/<int:pk>/recognition/": "plan",
    "api/v1/plans/<int:pk>/recognition/<int:registration_pk>/": "plan_registration",
    "appointments/<int:pk>/": "appointment",
    "appointments/<int:pk>/<slug:action>/": "appointment_action",
    "staff/<int:pk>/": "staff_member",
    "api/v1/staff/<int:pk>/": "staff_member",
    "api/v1/appointments/<int:pk>/": "appointment",
    "api/v1/appointments/<int:pk>/<str:action>/": "appointment_action",
    "supervision/spot-checks/<int:pk>/": "draw",
    "supervision/spot-checks/<int:pk>/publish/": "draw",
    "supervision/spot-checks/<int:pk>/checks/<int:check_pk>/record/": "draw_check",
    "plans/<int:pk>/sittings/<int:sitting_pk>/report/": "plan_sitting",
    "plans/<int:pk>/sittings/<int:sitting_pk>/report/photo/": "plan_sitting",
    "api/v1/plans/<int:pk>/sittings/<int:sitting_pk>/supervision-report/": "plan_sitting",
    "api/v1/catalogue/<str:code>/": "body_code",
    "supervision/<int:pk>/": "body",
    "supervision/<slug:table>/<int:pk>/<slug:name>/": "supervision_action",
    "api/v1/bodies/<int:pk>/": "body",
    "api/v1/bodies/<int:pk>/<str:action>/": "body_action",
    "api/v1/rectifications/<int:pk>/<str:action>/": "rectification_action",
    "api/v1/filed-lines/<int:pk>/<str:action>/": "line_action",
    "api/v1/complaints/<int:pk>/": "complaint",
    "dashboard/tasks/<int:pk>/": "task_list",
    "api/v1/task-lists/<int:pk>/": "task_list",
    "api/v1/task-lists/<int:pk>/<str:action>/": "task_list_action",
    "dashboard/tasks/<int:pk>/edit/": "task_list",
    "dashboard/tasks/<int:pk>/<slug:action>/": "task_list_action",
    "dashboard/tasks/<int:pk>/evidence/<int:evidence_pk>/": "task_evidence",
    "dashboard/reports/<int:pk>/<slug:fmt>/": "yearly_report",
}


def route_kind(route: str) -> str | None:
    if route.startswith("admin/"):
        return admin_kind(route)
    if not param_names(route):
        return None
    assert route in KINDS, f"{route}: say in KINDS which objects fill its parameters"
    return KINDS[route]


# --- the tests ----------------------------------------------------------------------------------------------

GRANTED = ("2xx", "3xx")
GRANTS_FILE = Path(__file__).with_name("access_matrix_grants.json")
#: Routes anyone may use without logging in (the public pages, verification, the login and reset pages).
PUBLIC = (
    "health/",
    # Not logged in, but 404 for everyone except the monitoring (an allowed network or the token).
    "metrics/",
    "public/",
    "verify/",
    "i18n/",
    "accounts/login/",
    "accounts/password_reset/",
    "accounts/reset/",
    "api/schema/",
    "api/v1/publicity/",
    "api/v1/verify/",
    "holder/",
    ".well-known/",
    "credentials/",
    "api/v1/auth/token/",
    "admin/login/",
    "catalogue/",
    "api/v1/catalogue/",
    "api/v1/complaints/confirm/",
    "api/v1/promotion-rules/",
)
#: Public routes whose longer paths are not (the public files a complaint; the city lists them).
PUBLIC_EXACT = ("api/v1/complaints/",)
#: The page that says whether a persona can see an object of each kind (its detail page).
SCOPE_ORACLE = {
    "application": "applications/<int:pk>/",
    "application_line": "applications/<int:pk>/",
    "attachment": "applications/<int:pk>/",
    "application_attachment": "applications/<int:pk>/",
    "plan": "plans/<int:pk>/",
    "plan_action": "plans/<int:pk>/",
    "plan_import": "plans/<int:pk>/",
    "plan_registration": "plans/<int:pk>/",
    "plan_sitting": "plans/<int:pk>/",
    "plan_staff": "plans/<int:pk>/",
    "certificate": "certificates/<int:pk>/",
    "batch": "certificates/batches/<int:pk>/",
    "task": "tasks/<int:task_pk>/",
    # 催办 reaches a task on an application or plan the persona sees, not only the tasks it may open: the
    # urge list (GET) is the oracle its POSTs must agree with.
    "task_urge": ("api/v1/tasks/<int:pk>/urge/", "GET"),
    "message": ("notifications/<int:pk>/", "POST"),  # opening a message is a POST (a GET writes nothing)
    "organisation": "api/v1/organisations/<int:pk>/majors/",
    "agreement": "plans/agreements/<int:pk>/",
    "agreement_action": "plans/agreements/<int:pk>/",
    "body": "supervision/<int:pk>/",
    "body_action": "supervision/<int:pk>/",
    "rectification_action": "supervision/<int:pk>/",
    "line_action": "supervision/<int:pk>/",
    "supervision_action": "supervision/<int:pk>/",
    "appointment": "appointments/<int:pk>/",
    "competition": "competitions/<int:pk>/",
    "staff_member": "staff/<int:pk>/",
    "application_chart": "applications/<int:pk>/",
    "appointment_action": "appointments/<int:pk>/",
    "complaint": "api/v1/complaints/<int:pk>/",
    "task_list": "dashboard/tasks/<int:pk>/",
    "task_list_action": "dashboard/tasks/<int:pk>/",
    "task_evidence": "dashboard/tasks/<int:pk>/",
}
_observed: dict[str, dict] = {}


def observed_for(world, persona: str) -> dict:
    if persona not in _observed:
        _observed[persona] = run_matrix(world, persona, url_routes())
    return _observed[persona]


def is_public(route: str) -> bool:
    return route == "" or route.startswith(PUBLIC) or route in PUBLIC_EXACT


def grants(observed: dict) -> dict:
    """{route: {method: [labels granted]}} — what the persona got through."""
    out: dict = {}
    for route, methods in observed.items():
        for method, labels in methods.items():
            granted = sorted(label for label, outcome in labels.items() if outcome in GRANTED)
            if granted:
                out.setdefault(route, {})[method] = granted
    return out


#: Values a form or an API input may receive from a hostile or careless client, for every field name the
#: pages and the API read. Posted as a form and as JSON to every unsafe route the persona may reach.
MALFORMED = {
    **{
        name: "abc"
        for name in (
            "version",
            "registration",
            "acknowledge",
            "experts",
            "to_user",
            "score",
            "line",
            "offering",
            "majors",
            "organisation",
            "partner",
            "sitting",
            "evaluator",
            "expected_headcount",
            "upheld",
            "approve",
            "candidates_expected",
            "user",
            "district",
            "objection",
            "plan",
            "task",
            "tasks",
            "deputy",
            "candidate",
            "occupation",
            "level",
            "body",
            "years_in_occupation",
            "skilled_post",
        )
    },
    **{
        name: "2026-02-30"
        for name in (
            "deadline",
            "first_sitting_on",
            "valid_from",
            "valid_until",
            "issue_date",
            "banned_until",
            "hired_on",
            "left_on",
            "starts_on",
            "ends_on",
        )
    },
    **{name: "abc" for name in ("starts_at", "ends_at")},
    **{
        name: "nope\x00"
        for name in (
            "kind",
            "outcome",
            "part",
            "role",
            "decision",
            "body_category",
            "action",
            "relation",
            "to_node",
            "node",
        )
    },
    "items": "field:no_such_field",
    "idempotency_key": "k" * 500,
    "reason": "理由" * 3000,
    "note": "催" * 500,
    "comment": "",
    "number": "Y" * 200,
    "name": "\x00\x00",
    "scores": "abc",
    "line_decisions": "abc",
    "certificates": "abc",
}
JSON_BODIES = [
    json.dumps(MALFORMED),
    json.dumps([1, 2, 3]),
    json.dumps({"version": {"nested": True}, "experts": [None, "x", 1.5], "scores": [{"line": "x"}]}),
    "{not json",
]


def run_malformed(world, persona: str, routes) -> list[str]:
    """Every unsafe route the persona can reach with every object label: malformed form data and JSON."""
    client = Client()
    user = None if persona in SESSIONLESS else getattr(world.users, persona)
    if user is not None:
        client.force_login(user)
    if persona == "holder":
        holder_session(client, world)
    errors = []
    for route in routes:
        if "logout" in route.route or "sign-out" in route.route:
            continue
        kind = route_kind(route.route)
        for label, values in targets(kind, persona, world).items():
            path = render(route.route, values)
            for method in route.methods:
                if method == "GET":
                    continue
                bodies = [(urlencode(MALFORMED, doseq=True), "application/x-www-form-urlencoded")]
                if route.route.startswith("api/"):
                    bodies += [(body, "application/json") for body in JSON_BODIES]
                for body, content_type in bodies:
                    outcome = request(client, method, path, body, content_type)
                    if outcome.startswith("500"):
                        errors.append(f"{method} {route.route} [{label}] {content_type}: {outcome}")
    return errors


@pytest.mark.parametrize("persona", PERSONAS)
def test_malformed_values_in_every_form_and_api_action_never_answer_500(world, persona):
    assert run_malformed(world, persona, url_routes()) == []


@pytest.mark.parametrize("persona", PERSONAS)
def test_no_request_answers_500(world, persona):
    observed = observed_for(world, persona)
    errors = [
        f"{method} {route} [{label}]: {outcome}"
        for route, methods in observed.items()
        for method, labels in methods.items()
        for label, outcome in labels.items()
        if outcome.startswith("500")
    ]
    assert errors == []


@pytest.mark.parametrize("persona", PERSONAS)
def test_what_is_granted_is_exactly_the_reviewed_table(world, persona):
    """The grants of every persona, reviewed and committed in access_matrix_grants.json. A new URL, or a
    persona newly let through anywhere, fails here until the table is regenerated and the diff reviewed:
    ``ACCESS_MATRIX_WRITE=1 pytest tests/test_access_matrix.py``."""
    got = grants(observed_for(world, persona))
    if os.environ.get("ACCESS_MATRIX_WRITE"):
        table = json.loads(GRANTS_FILE.read_text(encoding="utf-8")) if GRANTS_FILE.exists() else {}
        table[persona] = got
        GRANTS_FILE.write_text(
            json.dumps(table, ensure_ascii=False, indent=1, sort_keys=True) + "\n", "utf-8"
        )
        pytest.skip("table written")
    expected = json.loads(GRANTS_FILE.read_text(encoding="utf-8"))[persona]
    extra = {(r, m, lb) for r, ms in got.items() for m, ls in ms.items() for lb in ls}
    extra -= {(r, m, lb) for r, ms in expected.items() for m, ls in ms.items() for lb in ls}
    missing = {(r, m, lb) for r, ms in expected.items() for m, ls in ms.items() for lb in ls}
    missing -= {(r, m, lb) for r, ms in got.items() for m, ls in ms.items() for lb in ls}
    assert not extra, f"granted but not in the table: {sorted(extra)}"
    assert not missing, f"in the table but denied: {sorted(missing)}"


@pytest.mark.parametrize("persona", PERSONAS)
def test_an_object_out_of_scope_is_indistinguishable_from_a_missing_one(world, persona):
    """For every object route and method: an object the persona cannot see answers exactly as a non-existent
    pk does (404, or the login page) — never a 403, a 409 or a form error that would confirm it exists."""
    observed = observed_for(world, persona)
    leaks = []
    for route, methods in observed.items():
        kind = KINDS.get(route)
        if kind not in SCOPE_ORACLE or is_public(route):
            continue
        oracle_route, oracle_method = (
            SCOPE_ORACLE[kind] if isinstance(SCOPE_ORACLE[kind], tuple) else (SCOPE_ORACLE[kind], "GET")
        )
        oracle = observed[oracle_route][oracle_method]
        visible = {label for label, outcome in oracle.items() if outcome in GRANTED}
        for method, labels in methods.items():
            for label, outcome in labels.items():
                if label in ("none", "cross") or outcome == "405":
                    continue
                seen = label in visible or (kind.endswith("_action") and label.split(":")[0] in visible)
                if not seen and outcome != labels["none"]:
                    leaks.append(f"{method} {route} [{label}]: {outcome}, a missing pk: {labels['none']}")
    assert leaks == []


@pytest.mark.parametrize("persona", PERSONAS)
def test_a_cross_object_pair_is_not_found(world, persona):
    """A child object of another college's parent under an own parent (line, objection, import) is a 404."""
    observed = observed_for(world, persona)
    wrong = [
        f"{method} {route}: {labels['cross']}"
        for route, methods in observed.items()
        for method, labels in methods.items()
        if "cross" in labels and labels["cross"] in GRANTED
    ]
    assert wrong == []


def test_anonymous_users_reach_only_the_public_pages(world):
    observed = observed_for(world, "anonymous")
    through = [
        f"{method} /{route} [{label}]: {outcome}"
        for route, methods in observed.items()
        if not is_public(route)
        for method, labels in methods.items()
        for label, outcome in labels.items()
        if outcome not in ("login", "401")
    ]
    assert through == []


def test_a_holder_reaches_only_their_own_certificate(world):
    """The holder routes are public (no account), so the scope oracle above skips them: here the holder
    persona gets their own certificate and every other one answers exactly as a missing pk."""
    observed = observed_for(world, "holder")
    wrong = []
    for route, methods in observed.items():
        if not route.startswith("holder/certificates/"):
            continue
        for method, labels in methods.items():
            if labels["own"] in ("404", "login"):  # a form answer (422 for empty data) is reaching it
                wrong.append(f"{method} {route} [own]: {labels['own']}")
            for label in ("same", "other"):
                if labels[label] != labels["none"]:
                    wrong.append(f"{method} {route} [{label}]: {labels[label]} vs {labels['none']}")
    assert wrong == []
    # Everybody else (signed in or not) is sent to the holder's sign-in page, never shown a record.
    for persona in ("anonymous", "body_operator", "municipal_reviewer"):
        for label, outcome in observed_for(world, persona)["holder/certificates/<int:pk>/pdf/"][
            "GET"
        ].items():
            assert outcome == "login", (persona, label, outcome)
