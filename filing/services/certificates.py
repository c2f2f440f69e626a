"""A certificate after issuance: revocation, reissue (补发: same number, new print serial, version+1) and
correction (更正: a new version, the old one superseded). Issuance itself is in
:mod:`filing.services.issuance`."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from filing import access, jobs, signals
from filing.audit import audit_record
from filing.errors import Invalid, WrongState
from filing.models import Certificate, CertificateStatus
from filing.services.common import deny_unless, save_transition
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


@transaction.atomic
def certificate_revoke(
    *, actor, certificate: Certificate, reason: str, authority: str = "", on=None
) -> Certificate:
    certificate = _lock(certificate)
    _require_valid(certificate, _("只有有效的证书可以撤销。"))
    deny_unless(
        may_manage(actor, certificate),
        actor=actor,
        action="certificate.revoke",
        obj=certificate,
        message=_("无权撤销该证书。"),
    )
    if not reason.strip():
        raise Invalid(_("请填写撤销理由。"), errors={"reason": [_("请填写撤销理由。")]})
    certificate.revoke(
        reason=reason, authority=authority or certificate.body_name, by=actor, on=on or timezone.localdate()
    )
    certificate.report = None  # the revocation must reach the national system too
    save_transition(certificate)
    audit_record(
        actor=actor,
        action="certificate.revoke",
        obj=certificate,
        payload={"number": certificate.number, "reason": reason},
    )
    signals.certificate_revoked.send(sender=Certificate, certificate=certificate, actor=actor)
    return certificate


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
