"""Holder self-service (持证人自助, #15 item 7): a candidate signs in without an account — name, ID document
and a one-time code sent to the contact their school gave with the roster — then sees their registrations,
results and certificates, downloads the PDF and the credential, and asks the issuing body to correct the
name or work type (the body's operator decides in a task).

Identity rule: a holder sees only the registrations collected with the contact that received the code. The
same person registered by two bodies with two contacts is two separate views: a body that typed its own
phone number next to a person's ID number learns nothing the other body collected. An unknown person, a
wrong name, a contact no roster gave and a right one all get the same answer ("if the details match a
code was sent"), and the same challenge record; only a real match is sent a code.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from filing import access, pii, signals
from filing.audit import audit_record
from filing.errors import Conflict, Invalid, WrongState
from filing.models import (
    Candidate,
    Certificate,
    CertificateStatus,
    ContactChallenge,
    HolderCorrectionRequest,
    Registration,
)
from filing.services import certificates as certificate_services
from filing.services import challenges
from filing.services.common import deny_unless, require_transition, save_transition
from filing.services.roster import same_name
from filing.validators import DocumentType, validate_document

PURPOSE = "holder"
#: A holder's signed-in view lasts this long (seconds) without an account behind it.
SESSION_SECONDS = 30 * 60
CORRECTABLE = ("holder_name", "work_type")


@dataclass(frozen=True)
class HolderIdentity:
    """Who signed in, as kept in the session: the person and the contact that proved it."""

    candidate_id: int
    contact_index: str
    contact_masked: str

    def as_session(self) -> dict:
        return {"candidate": self.candidate_id, "contact": self.contact_index, "masked": self.contact_masked}

    @classmethod
    def from_session(cls, data) -> HolderIdentity | None:
        try:
            return cls(int(data["candidate"]), str(data["contact"]), str(data["masked"]))
        except (KeyError, TypeError, ValueError):
            return None


def _matching_candidate(name: str, document_type: str, number: str, index: str) -> Candidate | None:
    candidate = Candidate.objects.filter(document_index=pii.index(document_type, number)).first()
    if candidate is None or not same_name(candidate.name, name):
        return None
    if not Registration.objects.filter(candidate=candidate, contact_index=index).exists():
        return None
    return candidate


def holder_sign_in_start(*, name: str, document_type: str, number: str, raw_contact: str) -> ContactChallenge:
    """Step 1: a challenge for the contact. A code is sent only when a roster gave this contact for this
    person; the answer and the record are the same either way."""
    errors: dict[str, list[str]] = {}
    name = (name or "").strip()
    if not name or len(name) > 60:
        errors["name"] = [_("请填写姓名。")]
    if document_type not in DocumentType.values:
        errors["document_type"] = [_("请选择证件类型。")]
        number_ok = ""
    else:
        try:
            number_ok = validate_document(document_type, number)
        except ValidationError as exc:
            errors["number"] = exc.messages[:1]
            number_ok = ""
    try:
        normalised = challenges.parse_contact(raw_contact)
    except Invalid as exc:
        errors.update(exc.errors)
        normalised = ""
    if errors:
        raise Invalid(_("请检查填写的信息。"), errors=errors)
    index = challenges.contact_index(normalised)
    candidate = _matching_candidate(name, document_type, number_ok, index)
    return challenges.challenge_issue(
        purpose=PURPOSE,
        raw_contact=raw_contact,
        payload={"candidate": candidate.pk if candidate else None},
        purpose_text=_("查询本人成绩和证书"),
        deliver=candidate is not None,
    )


def holder_sign_in_confirm(*, challenge_id, code: str) -> HolderIdentity:
    """Step 2: the code that came back. Wrong, expired, reused, locked and never-sent codes fail alike."""
    challenge = challenges.challenge_verify(challenge_id=challenge_id, purpose=PURPOSE, code=code)
    candidate_id = challenge.payload.get("candidate")
    if not candidate_id:  # unreachable with a real code (none was sent); kept as the rule's own guard
        raise Invalid(
            _("验证码不正确或已失效，请重新获取。"),
            errors={"code": [_("验证码不正确或已失效，请重新获取。")]},
        )
    identity = HolderIdentity(
        candidate_id, challenges.contact_index(challenge.payload["contact"]), challenge.contact_masked
    )
    audit_record(
        action="holder.sign_in",
        object_type="filing.candidate",
        object_id=str(candidate_id),
        payload={"contact": identity.contact_masked},
    )
    return identity


def holder_registrations(identity: HolderIdentity):
    """The registrations collected with the contact that signed in (newest plan first)."""
    return (
        Registration.objects.filter(candidate_id=identity.candidate_id, contact_index=identity.contact_index)
        .select_related("plan__body", "plan__line__offering__occupation", "candidate")
        .order_by("-plan__created_at", "-pk")
    )


def holder_certificates(identity: HolderIdentity):
    return (
        Certificate.objects.filter(registration__in=holder_registrations(identity).values("pk"))
        .select_related("body", "registration__candidate")
        .order_by("number", "-version")
    )


@transaction.atomic
def holder_correction_request(
    *, identity: HolderIdentity, certificate: Certificate, reason: str, **changes
) -> HolderCorrectionRequest:
    """The holder asks the issuing body to correct the printed name or work type of a valid certificate."""
    certificate = (
        holder_certificates(identity).select_for_update(of=("self",)).filter(pk=certificate.pk).first()
    )
    if certificate is None:
        raise Invalid(_("证书不存在。"))
    if certificate.status != CertificateStatus.VALID:
        raise WrongState(_("只有有效的证书可以申请更正。"))
    changes = {
        k: str(v).strip()[:60] for k, v in changes.items() if k in CORRECTABLE and str(v or "").strip()
    }
    changes = {k: v for k, v in changes.items() if v != getattr(certificate, k)}
    if not changes:
        raise Invalid(_("请填写要更正的姓名或工种。"), errors={"__all__": [_("请填写要更正的姓名或工种。")]})
    reason = (reason or "").strip()
    if not reason or len(reason) > 2000:
        raise Invalid(
            _("请填写申请理由（不超过2000字）。"), errors={"reason": [_("请填写申请理由（不超过2000字）。")]}
        )
    if HolderCorrectionRequest.objects.filter(certificate=certificate, status="requested").exists():
        raise Conflict(_("该证书已有待处理的更正申请。"))
    request = HolderCorrectionRequest.objects.create(
        certificate=certificate,
        candidate_id=identity.candidate_id,
        changes=changes,
        reason=reason,
        contact_masked=identity.contact_masked,
    )
    audit_record(
        action="holder.correction_request",
        obj=request,
        payload={"number": certificate.number, "changes": sorted(changes)},
    )
    signals.holder_correction_requested.send(sender=HolderCorrectionRequest, request=request)
    return request


@transaction.atomic
def holder_correction_decide(
    *, actor, request: HolderCorrectionRequest, approve: bool, comment: str
) -> HolderCorrectionRequest:
    """The issuing body's operator corrects the certificate as asked (a new version) or declines."""
    request = (
        HolderCorrectionRequest.objects.select_for_update(of=("self",))
        .select_related("certificate__body")
        .get(pk=request.pk)
    )
    require_transition(request, request.approve, _("该更正申请已处理。"))
    deny_unless(
        access.operates_body(actor, request.certificate.body),
        actor=actor,
        action="holder.correction_decide",
        obj=request,
        message=_("只有发证机构的考务人员可以处理更正申请。"),
    )
    comment = (comment or "").strip()
    if len(comment) > 5000 or (not approve and not comment):
        raise Invalid(
            _("不予更正时请填写理由（不超过5000字）。"), errors={"comment": [_("请填写处理意见。")]}
        )
    now = timezone.now()
    if approve:
        corrected = certificate_services.certificate_correct(
            actor=actor,
            certificate=request.certificate,
            reason=_("持证人申请：%(reason)s") % {"reason": request.reason},
            **request.changes,
        )
        request.approve(by=actor, at=now, comment=comment, corrected=corrected)
    else:
        request.decline(by=actor, at=now, comment=comment)
    save_transition(request)
    audit_record(
        actor=actor,
        action="holder.correction_approve" if approve else "holder.correction_decline",
        obj=request,
        payload={"number": request.certificate.number, "comment": comment},
    )
    signals.holder_correction_decided.send(sender=HolderCorrectionRequest, request=request, actor=actor)
    return request
