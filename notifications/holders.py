"""Messages about a holder's correction request (#15 item 7): the issuing body's operators hear of a new
request (outbox, like every message to a user), and the holder hears of the decision on the contact that
proved who they are.

A holder is not a user, so the decision does not go through the outbox's per-user deliveries: after commit
a Celery task (retried with back-off) reads the request and sends one e-mail or SMS. Only the request's id
travels through the broker; the contact is decrypted in the task. The contact is the one of the
certificate's registration: a holder can ask only about certificates of registrations collected with the
contact that received their sign-in code (``filing.services.holders.holder_certificates``), and a
registration's contact is never changed afterwards. The message never carries an ID number: the
operator's reason is scrubbed of anything that looks like one.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from filing.models import HolderCorrectionRequest
from filing.models.holders import HolderRequestStatus
from filing.validators import scrub_identifiers

from . import direct
from .outbox import notify
from .recipients import INBOX_LINK, operators_of_body

log = logging.getLogger(__name__)
TASK = "notifications.holder_decision"


def on_holder_correction_requested(sender, request, **kwargs):
    certificate = request.certificate
    notify(
        "holder_correction_requested",
        operators_of_body(certificate.body),
        {"certificate": certificate.number, "organisation": certificate.body_name},
        link=INBOX_LINK,
    )


def on_holder_correction_decided(sender, request, actor, **kwargs):
    direct.enqueue_after_commit(TASK, request.pk, "holder request")


def decision_text(request: HolderCorrectionRequest) -> tuple[str, str]:
    """(subject, text) of the message telling the holder what was decided, in the site's language."""
    values = {
        "number": request.certificate.number,
        "body": request.certificate.body_name,
        "url": settings.SITE_URL.rstrip("/") + reverse("holder_sign_in"),
    }
    with translation.override(settings.LANGUAGE_CODE):
        if request.status == HolderRequestStatus.APPROVED:
            text = _(
                "【上海市技能评价备案】您对证书%(number)s提出的更正申请已办理，证书已更正。新版证书（第%(version)d版）"
                "可登录持证人自助查询（%(url)s）查看和下载，原版本证书已作废。"
            ) % {**values, "version": request.corrected.version}
        else:
            text = _(
                "【上海市技能评价备案】您对证书%(number)s提出的更正申请未予更正。理由：%(reason)s。"
                "如有疑问请联系%(body)s。"
            ) % {**values, "reason": request.decision_comment}
        subject = _("证书更正申请处理结果")
    return str(subject), scrub_identifiers(text)


def send_decision(request_id: int) -> str:
    """Send the holder the decision on their request (the Celery task's body); returns what was done."""
    request = (
        HolderCorrectionRequest.objects.select_related("certificate__registration", "corrected")
        .filter(pk=request_id)
        .first()
    )
    if request is None or request.status == HolderRequestStatus.REQUESTED:
        return "undecided"
    subject, text = decision_text(request)
    return direct.send(
        request.certificate.registration.contact_encrypted, subject, text, f"holder request {request_id}"
    )
