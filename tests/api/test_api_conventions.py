"""API conventions (#14 items 1, 3, 11, 12): unknown fields are named and change nothing; creating POSTs
take an Idempotency-Key; the batch answer is the batch after the request; the event feed."""

from __future__ import annotations

import threading

import pytest
from django.db import connection
from django.test import Client

from api.models import IdempotentRequest
from filing.models import FilingApplication, IssuanceBatch
from filing.roles import Role
from filing.services import applications as app_svc
from tests import factories

pytestmark = pytest.mark.django_db


def api_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def create(client, key=None, summary="申请备案为评价机构", organisation=None, contact="王老师"):
    headers = {"HTTP_IDEMPOTENCY_KEY": key} if key is not None else {}
    return client.post(
        "/api/v1/applications/",
        {
            "organisation": organisation,
            "kind": "initial",
            "summary": summary,
            "contact_name": contact,
            "contact_phone": "021-50000000",
        },
        content_type="application/json",
        **headers,
    )


# --- 1. unknown fields ----------------------------------------------------------------------------------


def test_an_unknown_field_is_named_and_changes_no_version(applicant, legal_rep, college):
    draft = factories.complete_draft(applicant=applicant, legal_rep=legal_rep, organisation=college)
    version = FilingApplication.objects.get(pk=draft.pk).version
    client = api_for(applicant)
    answer = client.patch(
        f"/api/v1/applications/{draft.pk}/",
        {"version": version, "no_such_field": "x"},
        content_type="application/json",
    )
    assert answer.status_code == 400 and "no_such_field" in answer.json()["errors"]
    assert FilingApplication.objects.get(pk=draft.pk).version == version
    same = client.patch(
        f"/api/v1/applications/{draft.pk}/",
        {"version": version, "summary": draft.summary},
        content_type="application/json",
    )
    assert same.status_code == 200 and same.json()["version"] == version  # nothing changed, no new version


# --- 11. idempotency keys -------------------------------------------------------------------------------


def test_the_same_key_and_request_answer_the_first_answer_and_create_once(applicant, college):
    client = api_for(applicant)
    first = create(client, "draft-2027-01", organisation=college.pk)
    again = create(client, "draft-2027-01", organisation=college.pk)
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json() and again["Idempotent-Replayed"] == "true"
    assert FilingApplication.objects.filter(organisation=college).count() == 1


def test_the_same_key_with_another_request_is_a_conflict(applicant, college):
    client = api_for(applicant)
    assert create(client, "k1", organisation=college.pk).status_code == 201
    other = create(client, "k1", summary="另一份申请", organisation=college.pk)
    assert other.status_code == 409
    assert FilingApplication.objects.filter(organisation=college).count() == 1


def test_without_a_key_every_request_creates_and_a_refused_request_is_not_remembered(applicant, college):
    client = api_for(applicant)
    assert create(client, organisation=college.pk).status_code == 201
    assert create(client, organisation=college.pk).status_code == 201
    refused = create(client, "k2", contact="", organisation=college.pk)
    assert refused.status_code == 400
    assert create(client, "k2", organisation=college.pk).status_code == 201  # corrected, same key
    assert FilingApplication.objects.filter(organisation=college).count() == 3


@pytest.mark.parametrize("bad", ["x" * 101, "   ", "tab\there"])
def test_an_unusable_key_is_a_400(applicant, college, bad):
    answer = create(api_for(applicant), bad, organisation=college.pk)
    assert answer.status_code == 400 and "Idempotency-Key" in answer.json()["errors"]
    assert not FilingApplication.objects.exists()


def test_keys_belong_to_their_user(applicant, college, roles):
    colleague = factories.user("applicant2", role=Role.APPLICANT, organisation=college)
    assert create(api_for(applicant), "shared", organisation=college.pk).status_code == 201
    theirs = create(api_for(colleague), "shared", organisation=college.pk)
    assert theirs.status_code == 201 and "Idempotent-Replayed" not in theirs
    assert IdempotentRequest.objects.count() == 2


def test_a_repeated_upload_with_its_key_is_stored_once_and_files_count_by_content(
    applicant, legal_rep, college
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from filing.models import Attachment

    draft = factories.complete_draft(applicant=applicant, legal_rep=legal_rep, organisation=college)
    client = api_for(applicant)
    before = Attachment.objects.filter(application=draft).count()

    def upload(content: bytes):
        return client.post(
            f"/api/v1/applications/{draft.pk}/attachments/",
            {
                "kind": "other",
                "file": SimpleUploadedFile("补充.pdf", content, content_type="application/pdf"),
            },
            HTTP_IDEMPOTENCY_KEY="upload-1",
        )

    first = upload(factories.PDF_BYTES)
    assert first.status_code == 201, first.content
    again = upload(factories.PDF_BYTES)
    assert again.json() == first.json() and again["Idempotent-Replayed"] == "true"
    assert Attachment.objects.filter(application=draft).count() == before + 1
    assert upload(factories.PDF_BYTES + b"%changed\n").status_code == 409  # same name, other content
    assert Attachment.objects.filter(application=draft).count() == before + 1


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_requests_with_one_key_create_one_application(on_postgres, roles):
    college = factories.organisation(district_code="310115", name="并发测试技师学院")
    applicant = factories.user("racer", role=Role.APPLICANT, organisation=college)
    answers = []

    def attempt():
        try:
            answers.append(create(api_for(applicant), "race-key", organisation=college.pk).status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=attempt) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert answers == [201] * 4
    assert FilingApplication.objects.filter(organisation=college).count() == 1


# --- 3. the batch answer --------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_the_batch_answer_is_the_batch_after_the_request(roles):
    from django.db import transaction

    with transaction.atomic():  # the factory allocates a serial under a row lock, as the services do
        college = factories.organisation(district_code="310115", name="批次测试技师学院")
        body = factories.filed_body(college)
        plan, operator = factories.plan_with_results(body, passed=3)
    answer = api_for(operator).post(
        f"/api/v1/plans/{plan.pk}/certificate-batches/",
        {},
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY="batch-1",
    )
    assert answer.status_code == 202, answer.content
    batch = IssuanceBatch.objects.get(pk=answer.json()["id"])
    assert answer.json()["state"] == batch.state and answer.json()["issued"] == batch.issued == 3
    assert answer.json()["idempotency_key"] == "batch-1"


# --- 12. the event feed ---------------------------------------------------------------------------------


def test_the_event_feed_tells_a_college_of_its_filing_in_order_and_only_its_own(
    applicant,
    legal_rep,
    college,
    district_reviewer,
    other_college_same_district,
    django_capture_on_commit_callbacks,
):
    other = factories.user("other_applicant", role=Role.APPLICANT, organisation=other_college_same_district)
    draft = factories.complete_draft(applicant=applicant, legal_rep=legal_rep, organisation=college)
    with django_capture_on_commit_callbacks(execute=True):
        app_svc.application_submit(actor=applicant, application=draft)
    client = api_for(applicant)
    page = client.get("/api/v1/events/").json()
    assert [e["type"] for e in page["events"]] == ["submitted_receipt"]
    (event,) = page["events"]
    assert event["payload"]["number"] == draft.number and event["version"] == 1
    assert event["link"].endswith(f"/applications/{draft.pk}/")
    assert page["next"] == event["id"] and page["has_more"] is False
    assert client.get(f"/api/v1/events/?after={page['next']}").json()["events"] == []
    assert api_for(other).get("/api/v1/events/").json()["events"] == []  # not theirs
    reviewer_types = [e["type"] for e in api_for(district_reviewer).get("/api/v1/events/").json()["events"]]
    assert reviewer_types == ["submitted"]


@pytest.mark.parametrize(
    "query", ["after=abc", "after=-1", "limit=501", "limit=x", "after=99999999999999999999"]
)
def test_the_event_feed_refuses_malformed_cursors(applicant, query):
    answer = api_for(applicant).get(f"/api/v1/events/?{query}")
    assert answer.status_code == 400


def test_the_event_feed_pages(applicant, legal_rep, college, django_capture_on_commit_callbacks):
    from notifications.outbox import notify

    with django_capture_on_commit_callbacks(execute=True):
        for i in range(5):
            notify("submitted_receipt", [applicant], {"number": f"BA{i}", "kind": "", "district": ""})
    client = api_for(applicant)
    first = client.get("/api/v1/events/?limit=2").json()
    assert len(first["events"]) == 2 and first["has_more"] is True
    rest = client.get(f"/api/v1/events/?after={first['next']}&limit=10").json()
    assert [e["payload"]["number"] for e in first["events"] + rest["events"]] == [f"BA{i}" for i in range(5)]
    assert rest["has_more"] is False


def test_the_event_feed_needs_a_user(client):
    assert client.get("/api/v1/events/").status_code in (401, 403)
