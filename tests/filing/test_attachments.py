"""Attachments can be replaced or removed while the application is a draft or the kind is ticked for
correction (issue #13, item 8); nothing else may touch them; no file is ever deleted: replaced and
removed files stay in the version history with what replaced them, so what was submitted stays readable."""

from __future__ import annotations

import pytest
from django.urls import reverse

from filing.errors import Denied, NotFound, WrongState
from filing.models import Attachment, AuditEvent
from filing.services import applications as app_svc
from filing.services import attachments as svc
from filing.services import corrections as corrections_svc
from tests import factories
from tests.filing.lifecycle import ALL_STATES, S, draft, fresh, persona, reach, return_at

pytestmark = pytest.mark.django_db(transaction=False)


def current(app, kind):
    return app.attachments.get(kind=kind, superseded_at__isnull=True)


def png(name="场地照片.png"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, b"\x89PNG\r\n\x1a\n" + b"0" * 64, content_type="image/png")


def test_replacing_a_draft_file_keeps_the_old_one_marked_replaced(cast):
    app = draft(cast)
    old = current(app, "venue")
    version = fresh(app).version
    new = svc.attachment_replace(actor=cast.applicant, application=fresh(app), pk=old.pk, uploaded_file=png())
    old.refresh_from_db()
    assert (new.kind, new.content_type, new.original_name) == ("venue", "image/png", "场地照片.png")
    assert old.superseded_at is not None and old.replaced_by == new and old.removed_at is None
    assert old.file.storage.exists(old.file.name)  # never deleted
    assert current(app, "venue") == new
    assert fresh(app).version == version + 1
    event = AuditEvent.objects.get(action="attachment.replace")
    assert event.payload["replaces"] == old.pk and event.payload["previous_sha256"] == old.sha256


def test_removing_a_draft_file_keeps_it_marked_removed_and_the_requirement_returns(cast):
    app = draft(cast)
    old = current(app, "quality")
    assert not app_svc.missing_requirements(fresh(app))
    svc.attachment_remove(actor=cast.applicant, application=fresh(app), pk=old.pk)
    old.refresh_from_db()
    assert old.removed_at is not None and old.removed_by == cast.applicant and old.superseded_at is not None
    assert old.file.storage.exists(old.file.name)
    assert not app.attachments.filter(kind="quality", superseded_at__isnull=True).exists()
    assert any("质量管理制度" in str(p) for p in app_svc.missing_requirements(fresh(app)))
    assert AuditEvent.objects.filter(action="attachment.remove", actor=cast.applicant).exists()


@pytest.mark.parametrize("operation", ["replace", "remove"])
def test_a_file_already_replaced_or_removed_cannot_be_touched_again(cast, operation):
    app = draft(cast)
    old = current(app, "venue")
    svc.attachment_remove(actor=cast.applicant, application=fresh(app), pk=old.pk)
    with pytest.raises(WrongState):
        if operation == "replace":
            svc.attachment_replace(
                actor=cast.applicant, application=fresh(app), pk=old.pk, uploaded_file=png()
            )
        else:
            svc.attachment_remove(actor=cast.applicant, application=fresh(app), pk=old.pk)


@pytest.mark.parametrize("state", [s for s in ALL_STATES if s not in (S.DRAFT, S.RETURNED)])
@pytest.mark.parametrize("operation", ["replace", "remove"])
def test_nothing_is_replaced_or_removed_after_submission(cast, state, operation):
    app = reach(cast, state)
    old = app.attachments.filter(superseded_at__isnull=True).first()
    with pytest.raises(WrongState):
        if operation == "replace":
            svc.attachment_replace(
                actor=cast.applicant, application=fresh(app), pk=old.pk, uploaded_file=png()
            )
        else:
            svc.attachment_remove(actor=cast.applicant, application=fresh(app), pk=old.pk)
    old.refresh_from_db()
    assert old.superseded_at is None


@pytest.mark.parametrize("operation", ["replace", "remove"])
def test_during_a_correction_only_the_ticked_kind(cast, operation):
    app = reach(cast, S.SUBMITTED)
    submitted_venue = current(app, "venue")
    app = return_at(cast, app, "district_accept", items=[{"kind": "attachment", "key": "venue"}])
    quality = current(app, "quality")

    def act(target):
        if operation == "replace":
            return svc.attachment_replace(
                actor=cast.applicant, application=fresh(app), pk=target.pk, uploaded_file=png()
            )
        return svc.attachment_remove(actor=cast.applicant, application=fresh(app), pk=target.pk)

    with pytest.raises(WrongState):
        act(quality)
    act(submitted_venue)
    submitted_venue.refresh_from_db()
    assert submitted_venue.superseded_at is not None
    assert submitted_venue.file.storage.exists(submitted_venue.file.name)  # what was submitted stays
    if operation == "replace":
        app_svc.application_respond(actor=cast.applicant, application=fresh(app), comment="已更换场地说明")
        changes = corrections_svc.changes_since(corrections_svc.last_answered(fresh(app)))
        assert any("考核场地" in str(c["item"]) and c["after"] == "场地照片.png" for c in changes)


@pytest.mark.parametrize("who", ["legal_rep", "body_operator", "district_reviewer", "municipal_reviewer"])
@pytest.mark.parametrize("operation", ["replace", "remove"])
def test_only_the_applicant_replaces_or_removes(cast, who, operation):
    app = draft(cast)
    old = current(app, "venue")
    actor = persona(cast, who)
    with pytest.raises((Denied, NotFound)):
        if operation == "replace":
            svc.attachment_replace(actor=actor, application=fresh(app), pk=old.pk, uploaded_file=png())
        else:
            svc.attachment_remove(actor=actor, application=fresh(app), pk=old.pk)
    old.refresh_from_db()
    assert old.superseded_at is None


def test_a_file_of_another_application_is_not_found(cast):
    app = draft(cast)
    other = draft(cast)
    foreign = current(other, "venue")
    with pytest.raises(NotFound):
        svc.attachment_remove(actor=cast.applicant, application=fresh(app), pk=foreign.pk)
    with pytest.raises(NotFound):
        svc.attachment_remove(actor=cast.applicant, application=fresh(app), pk="abc")


def test_a_replacement_is_checked_like_an_upload(cast):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from filing.errors import Invalid

    app = draft(cast)
    old = current(app, "venue")
    for bad in (SimpleUploadedFile("a.pdf", b""), SimpleUploadedFile("a.pdf", b"MZ\x90\x00 not a pdf")):
        with pytest.raises(Invalid):
            svc.attachment_replace(actor=cast.applicant, application=fresh(app), pk=old.pk, uploaded_file=bad)
    old.refresh_from_db()
    assert old.superseded_at is None


def test_pages_replace_remove_and_show_the_history(cast, client):
    app = draft(cast)
    venue, quality = current(app, "venue"), current(app, "quality")
    client.force_login(cast.applicant)
    detail = reverse("applications:detail", args=[app.pk])
    page = client.get(detail).content.decode()
    assert reverse("applications:attachment_replace", args=[app.pk, venue.pk]) in page
    assert 'data-action="remove"' in page
    url = reverse("applications:attachment_replace", args=[app.pk, venue.pk])
    assert "考核场地与设施设备说明" in client.get(url).content.decode()
    assert client.post(url, {"file": png()}).status_code == 302
    assert (
        client.post(reverse("applications:attachment_remove", args=[app.pk, quality.pk])).status_code == 302
    )
    page = client.get(detail).content.decode()
    assert 'data-section="attachment-history"' in page and "已替换" in page and "已删除" in page
    assert client.post(url, {"file": png()}).status_code == 409  # the replaced one again
    # The reviewer of the submitted application reads the history and has no buttons.
    svc.attachment_upload(
        actor=cast.applicant, application=fresh(app), kind="quality", uploaded_file=factories.pdf()
    )
    app_svc.application_sign_commitment(actor=cast.legal_rep, application=fresh(app))
    app_svc.application_submit(actor=cast.applicant, application=fresh(app))
    client.force_login(cast.d1)
    page = client.get(detail).content.decode()
    assert 'data-section="attachment-history"' in page and 'data-action="remove"' not in page
    assert client.get(reverse("applications:attachment_download", args=[venue.pk])).status_code == 200


def test_api_lists_versions_replaces_and_removes(cast):
    from rest_framework.test import APIClient

    app = draft(cast)
    venue, quality = current(app, "venue"), current(app, "quality")
    api = APIClient()
    api.force_authenticate(cast.applicant)
    base = f"/api/v1/applications/{app.pk}/attachments/"
    response = api.post(f"{base}{venue.pk}/replace/", {"file": png()}, format="multipart")
    assert response.status_code == 201, response.content
    new_pk = response.json()["id"]
    assert api.delete(f"{base}{quality.pk}/").status_code == 200
    states = {row["id"]: (row["state"], row["replaced_by"]) for row in api.get(base).json()}
    assert states[venue.pk] == ("replaced", new_pk)
    assert states[quality.pk] == ("removed", None)
    assert states[new_pk] == ("current", None)
    assert api.delete(f"{base}{quality.pk}/").status_code == 409
    assert (
        api.post(f"{base}{new_pk}/replace/", {"file": png(), "extra": "x"}, format="multipart").status_code
        == 400
    )
    api.force_authenticate(cast.legal_rep)
    assert api.delete(f"{base}{new_pk}/").status_code == 403
    assert Attachment.objects.filter(pk=new_pk, superseded_at__isnull=True).exists()
