"""Messages about complaints (投诉): the city's reviewers hear of a new complaint (outbox); the complainant,
who is not a user, gets its number and later its outcome on the contact that answered the code (a Celery task
after commit, retried, reading the complaint by id: the contact never travels through the broker); the body's
operators hear of an answer (never who complained)."""

from __future__ import annotations

import logging

from django.conf import settings
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from filing.models import Complaint, ComplaintStatus
from filing.validators import scrub_identifiers

from . import direct
from .outbox import notify
from .recipients import INBOX_LINK, municipal_reviewers, operators_of_body

log = logging.getLogger(__name__)
TASK = "notifications.complaint_message"


def _enqueue(complaint_id: int) -> None:
    direct.enqueue_after_commit(TASK, complaint_id, "complaint")


def on_complaint_received(sender, complaint, **kwargs):
    _enqueue(complaint.pk)
    return notify(
        "complaint_received",
        municipal_reviewers(),
        {"number": complaint.number, "organisation": complaint.body.name},
        link=INBOX_LINK,
    )


def on_complaint_decided(sender, complaint, actor, **kwargs):
    if complaint.status in (ComplaintStatus.ANSWERED, ComplaintStatus.DISMISSED):
        _enqueue(complaint.pk)
    if complaint.status == ComplaintStatus.ANSWERED:
        return notify(
            "complaint_answered",
            operators_of_body(complaint.body),
            {"number": complaint.number, "organisation": complaint.body.name},
            link=reverse("supervision:detail", args=[complaint.body_id]),
        )
    return None


def message_text(complaint: Complaint) -> tuple[str, str]:
    """(subject, text) of the message to the complainant, in the site's language."""
    values = {"number": complaint.number, "body": complaint.body.name}
    with translation.override(settings.LANGUAGE_CODE):
        if complaint.status == ComplaintStatus.ANSWERED:
            text = _("【上海市技能评价备案】您对%(body)s的投诉（编号%(number)s）已办结。答复：%(answer)s") % {
                **values,
                "answer": complaint.answer,
            }
        elif complaint.status == ComplaintStatus.DISMISSED:
            text = _(
                "【上海市技能评价备案】您对%(body)s的投诉（编号%(number)s）不予受理。理由：%(reason)s"
            ) % {**values, "reason": complaint.dismiss_reason}
        else:
            text = (
                _(
                    "【上海市技能评价备案】您对%(body)s的投诉已受理，编号%(number)s。处理结果将发送至本联系方式。"
                )
                % values
            )
        subject = _("投诉%(number)s") % values
    return str(subject), scrub_identifiers(text)


def send_message(complaint_id: int) -> str:
    """Tell the complainant where their complaint stands (the Celery task's body); returns what was done."""
    complaint = Complaint.objects.select_related("body").filter(pk=complaint_id).first()
    if complaint is None:
        return "missing"
    subject, text = message_text(complaint)
    return direct.send(complaint.contact_encrypted, subject, text, f"complaint {complaint_id}")
