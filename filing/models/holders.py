"""Certificate holders acting for themselves (#15 item 7): what a holder asks the issuing body to correct.

A holder is not a user: they prove who they are with their name, ID document and a one-time code sent to
the contact their school gave with the roster (``Registration.contact_index``), and then see only the
records collected with that contact."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django_fsm import ConcurrentTransitionMixin, FSMField, transition

from .candidates import Candidate
from .certificates import Certificate


class HolderRequestStatus(models.TextChoices):
    REQUESTED = "requested", _("待处理")
    APPROVED = "approved", _("已更正")
    DECLINED = "declined", _("不予更正")


class HolderCorrectionRequest(ConcurrentTransitionMixin, models.Model):
    """更正申请: the holder asks the body that issued a certificate to correct the name or work type printed
    on it; the body's operator corrects it (a new version) or declines with a reason, in a task."""

    certificate = models.ForeignKey(
        Certificate, on_delete=models.PROTECT, related_name="holder_requests", verbose_name=_("证书")
    )
    candidate = models.ForeignKey(
        Candidate, on_delete=models.PROTECT, related_name="+", verbose_name=_("持证人")
    )
    #: {"holder_name": "...", "work_type": "..."}: only the fields the holder asked to change.
    changes = models.JSONField(_("申请更正内容"), default=dict)
    reason = models.CharField(_("申请理由"), max_length=2000)
    contact_masked = models.CharField(_("联系方式"), max_length=80)
    status = FSMField(
        _("状态"), default=HolderRequestStatus.REQUESTED, choices=HolderRequestStatus.choices, protected=True
    )
    requested_at = models.DateTimeField(_("申请时间"), auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(_("处理时间"), null=True, blank=True)
    decision_comment = models.CharField(_("处理意见"), max_length=5000, blank=True)
    corrected = models.ForeignKey(
        Certificate,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("更正后版本"),
    )

    class Meta:
        verbose_name = _("持证人更正申请")
        verbose_name_plural = _("持证人更正申请")
        ordering = ["-requested_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["certificate"],
                condition=models.Q(status="requested"),
                name="one_open_holder_request",
            )
        ]

    def __str__(self) -> str:
        return f"{self.certificate.number} {self.get_status_display()}"

    @transition(field=status, source=HolderRequestStatus.REQUESTED, target=HolderRequestStatus.APPROVED)
    def approve(self, *, by, at, comment: str, corrected) -> None:
        self.decided_by, self.decided_at, self.decision_comment, self.corrected = by, at, comment, corrected

    @transition(field=status, source=HolderRequestStatus.REQUESTED, target=HolderRequestStatus.DECLINED)
    def decline(self, *, by, at, comment: str) -> None:
        self.decided_by, self.decided_at, self.decision_comment = by, at, comment
