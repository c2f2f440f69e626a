"""How a task's subject is named: in the task list's columns (``task.subject`` as
:func:`workflows.selectors.attach_subjects` sets it) and on the confirmation page (the subject itself)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from filing.models import Complaint, EvaluationPlan, RevocationRequest

from .models import NationalRejectionProcess


def subject_text(task) -> str:
    subject = task.subject
    if subject["application"]:
        return subject["application"].number
    if subject["plan"]:
        return subject["plan"].title
    if subject["revocation"]:
        return _("证书 %(number)s") % {"number": subject["revocation"].certificate.number}
    if subject["holder_request"]:
        return _("证书 %(number)s") % {"number": subject["holder_request"].certificate.number}
    if subject["national_rejection"]:
        return _("全国联网退回记录")
    if subject.get("complaint"):
        return _("投诉 %(number)s") % {"number": subject["complaint"].number}
    return ""


def subject_owner(task) -> str:
    subject = task.subject
    if subject["application"]:
        return subject["application"].organisation.name
    if subject["plan"]:
        return subject["plan"].body.name
    if subject["revocation"]:
        return subject["revocation"].certificate.body_name
    if subject["holder_request"]:
        return subject["holder_request"].certificate.body_name
    if subject["national_rejection"]:
        return subject["national_rejection"].body.name
    if subject.get("complaint"):
        return subject["complaint"].body.name
    return ""


def subject_label(subject) -> str:
    """The object a task decides, as the confirmation names it."""
    if isinstance(subject, EvaluationPlan):
        return _("认定计划：%(title)s（%(body)s）") % {"title": subject.title, "body": subject.body.name}
    if isinstance(subject, NationalRejectionProcess):
        return _("全国联网退回记录（%(body)s）") % {"body": subject.body.name}
    if isinstance(subject, Complaint):
        return _("投诉 %(number)s（%(body)s）") % {"number": subject.number, "body": subject.body.name}
    if isinstance(subject, RevocationRequest):
        certificate = subject.certificate
        return _("证书 %(number)s（%(body)s）") % {
            "number": certificate.number,
            "body": certificate.body_name,
        }
    return _("备案申请 %(number)s（%(organisation)s）") % {
        "number": subject.number,
        "organisation": subject.organisation.name,
    }
