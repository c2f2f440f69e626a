"""The filing-application lifecycle for the service tests (tests/filing/test_applications.py, test_review.py,
test_corrections.py, test_experts.py, test_publicity.py): the cast of people, reaching any state through the
same task services the pages use, and the checks every denial must pass.

Order of checks in the services: wrong state (WrongState, 409) before role (Denied, 403) before input
(Invalid, 400). Every Denied is written to the audit log once ``exc.record()`` is called (the interface
layer does that after the rolled-back transaction).
"""

from __future__ import annotations

import datetime

from django.utils import timezone
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from filing.models import (
    REQUIRED_ATTACHMENTS,
    ApplicationStatus,
    AttachmentKind,
    AuditEvent,
    FilingApplication,
)
from filing.services import applications as app_svc
from filing.services import attachments as attachments_svc
from filing.services import corrections as corrections_svc
from filing.services import publicity as publicity_svc
from tests import factories
from workflows import scenarios
from workflows import services as wf
from workflows.flows import FilingReviewFlow
from workflows.models import FilingReviewProcess
from workflows.selectors import open_task

S = ApplicationStatus
TODAY = timezone.localdate()  # the services' calendar (Asia/Shanghai), not the machine's
SOON = TODAY + datetime.timedelta(days=10)
NON_FINAL = [S.DRAFT, S.SUBMITTED, S.DISTRICT_REVIEW, S.MUNICIPAL_REVIEW, S.EXPERT_ASSESSMENT]
NON_FINAL += [S.DECISION, S.PUBLICITY, S.RETURNED]
FINAL = [S.FILED, S.REJECTED, S.WITHDRAWN, S.LAPSED]
ALL_STATES = NON_FINAL + FINAL


def persona(cast, name):
    return {
        "applicant": cast.applicant,
        "legal_rep": cast.legal_rep,
        "body_operator": cast.body_operator,
        "district_reviewer": cast.d1,
        "district_lead": cast.d2,
        "other_district_reviewer": cast.other_district_reviewer,
        "municipal_reviewer": cast.m1,
        "municipal_lead": cast.m2,
        "expert": cast.expert,
        "auditor": cast.auditor,
        "outsider": cast.outsider,
        "other_applicant": cast.other_applicant,
    }[name]


def fresh(app) -> FilingApplication:
    return FilingApplication.objects.get(pk=app.pk)


def review_process(app):
    return FilingReviewProcess.objects.filter(application=app).first()


def has_open_task(app, node) -> bool:
    return Task.objects.filter(
        process__filingreviewprocess__application=app,
        flow_task=getattr(FilingReviewFlow, node),
        status__in=[STATUS.NEW, STATUS.ASSIGNED],
    ).exists()


def draft(cast, *, skip=(), lines=(4, 3), sign=True) -> FilingApplication:
    """A draft like factories.complete_draft, with one requirement optionally left out."""
    app = app_svc.application_create(
        actor=cast.applicant,
        organisation=cast.college,
        kind="initial",
        summary="申请备案为评价机构",
        contact_name="王老师",
        contact_phone="021-50000000",
    )
    majors = list(cast.college.majors.all()) or [factories.major(cast.college)]
    for level in lines:
        app_svc.line_add(
            actor=cast.applicant,
            application=app,
            offering=factories.offering(level=level),
            majors=majors,
            venue="实训中心",
            equipment="数控车床 20 台",
            evaluator_pool="考评员 12 名",
        )
    for kind in [*REQUIRED_ATTACHMENTS["initial"], AttachmentKind.CURRICULUM]:
        if kind not in skip:
            attachments_svc.attachment_upload(
                actor=cast.applicant, application=app, kind=kind, uploaded_file=factories.pdf()
            )
    if sign:
        app_svc.application_sign_commitment(actor=cast.legal_rep, application=fresh(app))
    return fresh(app)


def review_task(cast, app, node, outcome="approve", **kwargs):
    actor = {"district_accept": cast.d1, "district_review": cast.d2, "municipal_review": cast.m1}[node]
    wf.task_review(
        actor=kwargs.pop("actor", actor),
        task_pk=open_task(app, node).pk,
        outcome=outcome,
        comment=kwargs.pop("comment", "审核意见"),
        **kwargs,
    )
    return fresh(app)


def seat_panel(cast, app, experts=None):
    wf.task_assign_panel(
        actor=cast.m1, task_pk=open_task(app, "expert_panel").pk, experts=experts or cast.experts[:3]
    )
    return fresh(app)


def score_all(app, score=80):
    lines = list(app.lines.all())
    for task in Task.objects.filter(
        process__filingreviewprocess__application=app,
        flow_task=FilingReviewFlow.expert_score,
        status=STATUS.ASSIGNED,
    ):
        wf.task_expert_score(
            actor=task.owner,
            task_pk=task.pk,
            scores={line.pk: {"score": score, "recommendation": "approve"} for line in lines},
        )
    return fresh(app)


def approve_all(app):
    return {line.pk: {"decision": "approved"} for line in app.lines.all()}


def return_at(cast, app, node, items=None, deadline=SOON):
    return review_task(
        cast,
        app,
        node,
        "return",
        correction_items=items or [{"kind": "field", "key": "summary"}],
        correction_deadline=deadline,
    )


def reach(cast, target, *, returned_at="district_accept", items=None, panel=True) -> FilingApplication:
    """A fresh application of the college in ``target``, reached through the flow's task services.
    EXPERT_ASSESSMENT stops before the panel unless ``panel``; RETURNED is returned at ``returned_at``."""
    app = draft(cast)
    if target == S.DRAFT:
        return app
    app = app_svc.application_submit(actor=cast.applicant, application=app)
    if target == S.WITHDRAWN:
        return app_svc.application_withdraw(actor=cast.applicant, application=app, reason="暂缓申报")
    if target == S.REJECTED:
        return review_task(cast, app, "district_accept", "reject", comment="不符合条件")
    if target in (S.RETURNED, S.LAPSED) and returned_at == "district_accept":
        app = return_at(cast, app, "district_accept", items)
        if target == S.LAPSED:
            assert corrections_svc.lapse_overdue_corrections(today=SOON + datetime.timedelta(days=1)) == [
                app.pk
            ]
        return fresh(app)
    if target == S.SUBMITTED:
        return fresh(app)
    app = review_task(cast, app, "district_accept")
    if target == S.RETURNED and returned_at == "district_review":
        return return_at(cast, app, "district_review", items)
    if target == S.DISTRICT_REVIEW:
        return app
    app = review_task(cast, app, "district_review")
    if target == S.RETURNED and returned_at == "municipal_review":
        return return_at(cast, app, "municipal_review", items)
    if target == S.MUNICIPAL_REVIEW:
        return app
    app = review_task(cast, app, "municipal_review")
    if target == S.EXPERT_ASSESSMENT and not panel:
        return app
    if target == S.EXPERT_ASSESSMENT:
        return seat_panel(cast, app)
    people = scenarios.Reviewers(cast.d1, cast.d2, cast.m1, cast.m2, experts=cast.experts[:3], score=80)
    app = fresh(scenarios.experts_score(app, people))
    if target == S.DECISION:
        return app
    app = fresh(scenarios.approve_all_lines(app, people))
    if target == S.PUBLICITY:
        return app
    assert publicity_svc.close_ended_publicity(today=app.publicity_ends_on + datetime.timedelta(days=1)) == [
        app.pk
    ]
    app = fresh(app)
    assert app.status == target == S.FILED
    return app


def assert_denied_and_audited(exc_info, actor, action, app=None):
    """The interface layer calls ``record()``: exactly one 'denied' audit row for this actor and action."""
    exc = exc_info.value
    before = AuditEvent.objects.filter(result="denied", action=action, actor=actor).count()
    exc.record()
    exc.record()  # idempotent
    rows = AuditEvent.objects.filter(result="denied", action=action, actor=actor)
    assert rows.count() == before + 1
    if app is not None:
        assert rows.last().object_id == str(app.pk)
        assert rows.last().object_type == "filing.filingapplication"
