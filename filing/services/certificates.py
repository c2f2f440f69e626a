"""A certificate after issuance: revocation, reissue (补发: same number, new print serial, version+1) and
correction (更正: a new version, the old one superseded). Issuance itself is in
:mod:`filing.services.issuance`.

Revocation is the authority's decision: the issuing body's operator requests it with a reason
(``revocation_request``), a municipal reviewer who does not belong to the body approves or declines it in
the revocation task (``revocation_decide``, called by that task), and only an approval revokes. The only
other way is a decision revoking a body's filing that names certificates (``filing.services.supervision``);
both revoke through :func:`revoke_certificate`."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from filing import access, jobs, signals
from filing.audit import audit_record
from filing.errors import Invalid, WrongState
from filing.models import Certificate, CertificateStatus, RevocationRequest, RevocationStatus
from filing.services.common import deny_unless, require_transition, save_transition
from filing.services.issuance import new_token

CORRECTABLE = ("holder_name", "work_type")
#: Fields a correction does not copy from the version it replaces.
NOT_COPIED = (
    "id",
    "status",
    "version",
    "verification_token",
    "pdf",
    "pdf_version",
    "corrects",
    "created_at",
    "report",
    "print_serial",
)


def may_manage(actor, certificate: Certificate) -> bool:
    return access.is_municipal_reviewer(actor) or access.operates_body(actor, certificate.body)


def _lock(certificate: Certificate) -> Certificate:
    return Certificate.objects.select_for_update().select_related("body").get(pk=certificate.pk)


def _require_valid(certificate: Certificate, message: str) -> None:
    if certificate.status != CertificateStatus.VALID:
        raise WrongState(message)


def _bounded(value, field: str, limit: int, required_message: str = "") -> str:
    text = str(value or "").strip()
    if required_message and not text:
        raise Invalid(required_message, errors={field: [required_message]})
    if len(text) > limit:
        message = _("不能超过%(n)d个字。") % {"n": limit}
        raise Invalid(message, errors={field: [message]})
    return text


@transaction.atomic
def revocation_request(
    *, actor, certificate: Certificate, reason: str, authority: str = ""
) -> RevocationRequest:
    """The issuing body's operator asks for a revocation. Nothing changes for the certificate (nor for the
    public verification) until a municipal reviewer approves it."""
    certificate = _lock(certificate)
    _require_valid(certificate, _("只有有效的证书可以申请撤销。"))
    if certificate.revocation_requests.filter(status=RevocationStatus.REQUESTED).exists():
        raise WrongState(_("该证书已有待审核的撤销申请。"))
    deny_unless(
        access.operates_body(actor, certificate.body),
        actor=actor,
        action="certificate.revocation_request",
        obj=certificate,
        message=_("只有发证机构的考务人员可以申请撤销证书。"),
    )
    reason = _bounded(reason, "reason", 2000, _("请填写撤销理由。"))
    authority = _bounded(authority, "authority", 200)
    revocation = RevocationRequest.objects.create(
        certificate=certificate, reason=reason, authority=authority, requested_by=actor
    )
    audit_record(
        actor=actor,
        action="certificate.revocation_request",
        obj=certificate,
        payload={"number": certificate.number, "reason": reason, "request": revocation.pk},
    )
    signals.revocation_requested.send(sender=RevocationRequest, revocation=revocation, actor=actor)
    return revocation


def may_decide_revocation(actor, revocation: RevocationRequest) -> bool:
    """A municipal reviewer who does not belong to the issuing body's organisation (recusal)."""
    return access.acts_as_authority(actor, revocation.certificate.body.organisation_id)


@transaction.atomic
def revocation_decide(
    *, actor, revocation: RevocationRequest, approve: bool, comment: str, on=None
) -> RevocationRequest:
    """The authority's decision on a request (the revocation task calls this). Approval revokes the
    certificate at once (the public answer changes); a declined request leaves it valid."""
    certificate = _lock(revocation.certificate)
    revocation = (
        RevocationRequest.objects.select_for_update()
        .select_related("certificate__body")
        .get(pk=revocation.pk)
    )
    require_transition(revocation, revocation.approve, _("该撤销申请已处理。"))
    deny_unless(
        may_decide_revocation(actor, revocation),
        actor=actor,
        action="certificate.revocation_decide",
        obj=certificate,
        message=_("只有市级审核人员可以决定撤销证书（本单位人员须回避）。"),
    )
    comment = _bounded(comment, "comment", 5000, _("请填写审核意见。"))
    now = timezone.now()
    if approve:
        _require_valid(
            certificate, _("证书已不是有效状态（可能已更正或撤销），不能按此申请撤销，请不予撤销。")
        )
        revocation.approve(by=actor, at=now, comment=comment)
        save_transition(revocation)
        revoke_certificate(
            actor=actor,
            certificate=certificate,
            reason=revocation.reason,
            authority=revocation.authority or certificate.body_name,
            on=on or timezone.localdate(),
            payload={"request": revocation.pk},
        )
    else:
        revocation.decline(by=actor, at=now, comment=comment)
        save_transition(revocation)
    audit_record(
        actor=actor,
        action="certificate.revocation_approve" if approve else "certificate.revocation_decline",
        obj=certificate,
        payload={"number": certificate.number, "request": revocation.pk, "comment": comment},
    )
    signals.revocation_decided.send(sender=RevocationRequest, revocation=revocation, actor=actor)
    return revocation


def revoke_certificate(*, actor, certificate: Certificate, reason: str, authority: str, on, payload=None):
    """Revoke a locked, valid certificate (the public answer changes at once), audited and announced.
    Callers decide whether the actor may: this is the one place a certificate becomes revoked."""
    certificate.revoke(reason=reason, authority=authority, by=actor, on=on)
    certificate.report = None  # the revocation must reach the national system too
    save_transition(certificate)
    audit_record(
        actor=actor,
        action="certificate.revoke",
        obj=certificate,
        payload={"number": certificate.number, "reason": reason, **(payload or {})},
    )
    signals.certificate_revoked.send(sender=Certificate, certificate=certificate, actor=actor)


def _new_version(certificate: Certificate, **changes) -> Certificate:
    """The next version of a certificate under the same number: a new print serial and a new verification
    token (the QR code on the replaced paper then answers "superseded by version N"); the old row stays,
    superseded, as the record of what was printed."""
    certificate.supersede()
    save_transition(certificate)
    fields = {
        f.name: getattr(certificate, f.name)
        for f in Certificate._meta.concrete_fields
        if f.name not in NOT_COPIED
    }
    fields.update(changes)
    return Certificate.objects.create(
        **fields,
        version=certificate.version + 1,
        corrects=certificate,
        verification_token=new_token(),
        print_serial=certificate.print_serial + 1,
    )


@transaction.atomic
def certificate_reissue(*, actor, certificate: Certificate, reason: str) -> Certificate:
    """补发 (lost or damaged): same number and content, version+1 with a new print serial and a new
    verification token; the PDF is rendered again. Returns the new version."""
    certificate = _lock(certificate)
    _require_valid(certificate, _("只有有效的证书可以补发。"))
    deny_unless(
        may_manage(actor, certificate),
        actor=actor,
        action="certificate.reissue",
        obj=certificate,
        message=_("无权补发该证书。"),
    )
    if not reason.strip():
        raise Invalid(_("请填写补发理由。"), errors={"reason": [_("请填写补发理由。")]})
    reissued = _new_version(certificate)
    audit_record(
        actor=actor,
        action="certificate.reissue",
        obj=reissued,
        payload={"number": reissued.number, "version": reissued.version, "reason": reason},
    )
    signals.certificate_reissued.send(sender=Certificate, certificate=reissued, actor=actor)
    jobs.after_commit("filing.render_certificate_pdf", reissued.pk)
    return reissued


@transaction.atomic
def certificate_correct(*, actor, certificate: Certificate, reason: str, **changes) -> Certificate:
    """更正: a new version with the corrected content; the old one is superseded (public lookup says so)."""
    certificate = _lock(certificate)
    _require_valid(certificate, _("只有有效的证书可以更正。"))
    deny_unless(
        may_manage(actor, certificate),
        actor=actor,
        action="certificate.correct",
        obj=certificate,
        message=_("无权更正该证书。"),
    )
    unknown = set(changes) - set(CORRECTABLE)
    if unknown or not changes:
        raise Invalid(_("只能更正姓名或工种。"), errors={"__all__": [_("只能更正姓名或工种。")]})
    if not reason.strip():
        raise Invalid(_("请填写更正理由。"), errors={"reason": [_("请填写更正理由。")]})
    corrected = _new_version(certificate, **changes)
    audit_record(
        actor=actor,
        action="certificate.correct",
        obj=corrected,
        payload={"number": corrected.number, "changes": sorted(changes), "reason": reason},
    )
    signals.certificate_corrected.send(sender=Certificate, certificate=corrected, actor=actor)
    jobs.after_commit("filing.render_certificate_pdf", corrected.pk)
    return corrected
