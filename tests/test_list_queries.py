"""Every list page runs the same number of queries with 5 rows as with 200 (STYLE.md rule 4): applications,
tasks, plans, registrations (a plan's page), certificates and notifications — and their API lists.

Rows are made directly (bulk) where the walk through the services would only slow the test down; what is
measured is the page, not how its rows came to be.
"""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from rest_framework.authtoken.models import Token

from filing.models import ApplicationStatus, EvaluationPlan, FilingApplication, PlanStatus
from filing.roles import Role
from notifications.models import Channel, Delivery, DeliveryState, InboxMessage, OutboxEvent
from tests import factories
from tests.filing.issued import issue
from workflows.flows import FilingReviewFlow

pytestmark = pytest.mark.django_db
SMALL, LARGE = 5, 200


def queries(client, path: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path)
    assert response.status_code == 200, (path, response.status_code)
    return len(captured)


def as_user(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def token_client(user) -> Client:
    return Client(HTTP_AUTHORIZATION=f"Token {Token.objects.get_or_create(user=user)[0].key}")


def submitted_applications(college, applicant, n: int) -> None:
    """``n`` submitted applications of the college, each with its review process (a task in the district's
    queue)."""
    for _ in range(n):
        application = FilingApplication.objects.create(
            organisation=college,
            kind="initial",
            body_category="Y",
            created_by=applicant,
            submitted_by=applicant,
            district=college.district,
            status=ApplicationStatus.SUBMITTED,
        )
        FilingReviewFlow.start.run(application=application)


def plans(body, operator, n: int) -> None:
    EvaluationPlan.objects.bulk_create(
        [
            EvaluationPlan(
                body=body,
                line=body.lines.first(),
                title=f"计划{i}",
                expected_headcount=30,
                first_sitting_on=datetime.date(2026, 9, 1),
                created_by=operator,
                status=PlanStatus.DRAFT,
            )
            for i in range(n)
        ]
    )


def messages(user, n: int) -> None:
    for i in range(n):
        event = OutboxEvent.objects.create(kind="test.list", payload={})
        delivery = Delivery.objects.create(
            event=event, recipient=user, channel=Channel.INAPP, state=DeliveryState.SENT
        )
        InboxMessage.objects.create(
            delivery=delivery, recipient=user, title=f"消息{i}", body="内容", link="/"
        )


@pytest.mark.parametrize("path", ["/applications/", "/api/v1/applications/"])
def test_applications(path, college, applicant, legal_rep):
    client = as_user(applicant) if not path.startswith("/api/") else token_client(applicant)
    submitted_applications(college, applicant, SMALL)
    small = queries(client, path)
    submitted_applications(college, applicant, LARGE - SMALL)
    assert queries(client, path) == small


@pytest.mark.parametrize("path", ["/tasks/", "/api/v1/tasks/"])
def test_tasks(path, college, applicant, district_reviewer):
    client = as_user(district_reviewer) if not path.startswith("/api/") else token_client(district_reviewer)
    submitted_applications(college, applicant, SMALL)
    small = queries(client, path)
    submitted_applications(college, applicant, LARGE - SMALL)
    assert queries(client, path) == small


@pytest.mark.parametrize("path", ["/plans/", "/api/v1/plans/"])
def test_plans(path, college, body_operator):
    body = factories.filed_body(college)
    client = as_user(body_operator) if not path.startswith("/api/") else token_client(body_operator)
    plans(body, body_operator, SMALL)
    small = queries(client, path)
    plans(body, body_operator, LARGE - SMALL)
    assert queries(client, path) == small


@pytest.mark.parametrize("where", ["page", "api"])
def test_registrations(where, college, body_operator):
    body = factories.filed_body(college)
    counts = []
    for n in (SMALL, LARGE):
        plan, operator = factories.plan_with_results(body, passed=n, title=f"名册{n}")
        factories.user(role=Role.BODY_OPERATOR, organisation=college)
        path = f"/plans/{plan.pk}/" if where == "page" else f"/api/v1/plans/{plan.pk}/registrations/"
        client = as_user(operator) if where == "page" else token_client(operator)
        counts.append(queries(client, path))
    assert counts[0] == counts[1]


@pytest.mark.parametrize("path", ["/certificates/", "/api/v1/certificates/"])
def test_certificates(path, college):
    body = factories.filed_body(college)
    plan, operator = factories.plan_with_results(body, passed=SMALL, title="小")
    issue(plan, operator, "small")
    client = as_user(operator) if not path.startswith("/api/") else token_client(operator)
    small = queries(client, path)
    plan, _operator = factories.plan_with_results(body, passed=LARGE, title="大", level=3)
    issue(plan, _operator, "large")  # renders and signs 200 PDFs: on a loaded machine, over a minute
    # The first request a minute after the last one records the session's activity (one write, whatever the
    # page: config.middleware.SessionTimeoutMiddleware); the count compared is the page's own.
    client.get(path)
    assert queries(client, path) == small


def test_notifications(applicant):
    client = as_user(applicant)
    messages(applicant, SMALL)
    small = queries(client, "/notifications/")
    messages(applicant, LARGE - SMALL)
    assert queries(client, "/notifications/") == small
