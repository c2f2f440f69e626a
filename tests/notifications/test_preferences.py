"""Muting and language: optional kinds can be muted, legally required ones cannot; e-mail is rendered in the
recipient's language."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import settings
from django.core import mail
from django.utils import translation
from django.utils.functional import lazy

from filing.services import applications as app_svc
from notifications import tasks
from notifications.catalogue import KINDS, OPTIONAL_KINDS, Kind
from notifications.models import Delivery, DeliveryState, InboxMessage, Preference
from notifications.outbox import notify
from workflows import services as wf
from workflows.selectors import open_task

from .conftest import draft_for, give_email, return_items

pytestmark = pytest.mark.django_db


def _states(kind):
    return {
        (d.recipient.username, d.channel): d.state
        for d in Delivery.objects.filter(event__kind=kind).select_related("recipient")
    }


def test_muted_optional_kind_is_not_sent_but_a_legally_required_one_is(
    applicant, legal_rep, college, district_reviewer, django_capture_on_commit_callbacks
):
    assert not KINDS["submitted_receipt"].legally_required and "submitted_receipt" in OPTIONAL_KINDS
    assert KINDS["returned"].legally_required and "returned" not in OPTIONAL_KINDS
    give_email(applicant, legal_rep, district_reviewer)
    # Stored directly (the page would refuse "returned", see test_inbox_pages): it must still not mute it.
    Preference.objects.create(user=applicant, muted_kinds=["submitted_receipt", "returned"])

    draft = draft_for(applicant, legal_rep, college)
    with django_capture_on_commit_callbacks(execute=True):
        application = app_svc.application_submit(actor=applicant, application=draft)

    assert _states("submitted_receipt") == {
        ("applicant", "inapp"): DeliveryState.MUTED,
        ("applicant", "email"): DeliveryState.MUTED,
        ("legalrep", "inapp"): DeliveryState.SENT,
        ("legalrep", "email"): DeliveryState.SENT,
    }
    assert not InboxMessage.objects.filter(recipient=applicant).exists()
    assert "applicant@example.cn" not in [m.to[0] for m in mail.outbox]
    # Muted deliveries are never picked up later either.
    sent_before = len(mail.outbox)
    assert tasks.sweep() == {}
    assert len(mail.outbox) == sent_before

    with django_capture_on_commit_callbacks(execute=True):
        wf.task_review(
            actor=district_reviewer,
            task_pk=open_task(application, "district_accept").pk,
            **return_items(),
        )

    assert _states("returned") == {
        ("applicant", "inapp"): DeliveryState.SENT,
        ("applicant", "email"): DeliveryState.SENT,
        ("legalrep", "inapp"): DeliveryState.SENT,
        ("legalrep", "email"): DeliveryState.SENT,
    }
    inbox = list(InboxMessage.objects.filter(recipient=applicant))
    assert [m.delivery.event.kind for m in inbox] == ["returned"]
    to_applicant = [m for m in mail.outbox if m.to == ["applicant@example.cn"]]
    assert len(to_applicant) == 1 and application.number in to_applicant[0].subject


def test_muting_one_kind_does_not_mute_others(applicant):
    Preference.objects.create(user=applicant, muted_kinds=["submitted_receipt"])
    event = notify("review_passed", [applicant], {"number": "SF-1", "step": "区级审核"})
    assert set(event.deliveries.values_list("state", flat=True)) == {DeliveryState.PENDING}
    muted = notify("submitted_receipt", [applicant], {"number": "SF-1"})
    assert set(muted.deliveries.values_list("state", flat=True)) == {DeliveryState.MUTED}


def test_each_recipient_is_rendered_in_their_own_language(applicant, legal_rep, monkeypatch):
    """Whatever the catalogue holds, render() switches to the recipient's language: a probe title that
    prints the active language shows it (no fake translation needed)."""
    give_email(applicant, legal_rep)
    Preference.objects.create(user=legal_rep, language="en")
    probe = lazy(lambda: f"lang={translation.get_language()}", str)()
    monkeypatch.setitem(KINDS, "accepted", Kind(probe, probe, True))

    with translation.override("en"):  # the sender's language must not leak into anybody's e-mail
        notify("accepted", [applicant, legal_rep], {"number": "SF-1"})
        assert tasks.sweep() == {DeliveryState.SENT: 4}

    subjects = {m.to[0]: m.subject for m in mail.outbox}
    assert subjects == {"applicant@example.cn": "lang=zh-hans", "legalrep@example.cn": "lang=en"}
    titles = dict(InboxMessage.objects.values_list("recipient__username", "title"))
    assert titles == {"applicant": "lang=zh-hans", "legalrep": "lang=en"}


def test_english_email_when_english_translations_exist(applicant, legal_rep):
    give_email(applicant, legal_rep)
    Preference.objects.create(user=legal_rep, language="en")
    payload = {"number": "SF-2026-0007", "district": "浦东新区", "date": "2026-03-02"}
    notify("accepted", [applicant, legal_rep], payload)
    tasks.sweep()
    subjects = {m.to[0]: m.subject for m in mail.outbox}
    assert subjects["applicant@example.cn"] == "申请已受理：SF-2026-0007"

    with translation.override("en"):
        english_title = str(KINDS["accepted"].title)
    po = Path(settings.BASE_DIR) / "locale" / "en" / "LC_MESSAGES" / "django.po"
    if english_title == "申请已受理：{number}":
        # There is no English catalogue yet (no compiled locale/en/LC_MESSAGES/django.po under LOCALE_PATHS),
        # so an English-speaking recipient gets the Chinese source text. This asserts what happens today;
        # once the translations exist the other branch checks the English e-mail instead. Not faked.
        assert subjects["legalrep@example.cn"] == "申请已受理：SF-2026-0007", f"{po} exists: {po.exists()}"
    else:
        assert subjects["legalrep@example.cn"] == english_title.format(number="SF-2026-0007")
        assert subjects["legalrep@example.cn"] != subjects["applicant@example.cn"]
