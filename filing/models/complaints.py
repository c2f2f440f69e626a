"""Complaints (投诉) about an evaluation body or one of its sittings (DOMAIN.md §9, issue 17 item 5).

Anyone may complain: the public form proves only that the complainant can receive messages at the contact
given (a one-time code, :mod:`filing.services.challenges`). The contact is kept encrypted (the answer goes
there) and shown masked; a complainant may ask not to be named to the body, which then sees neither the
name nor the contact. The status lives only in :attr:`Complaint.status`.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django_fsm import ConcurrentTransitionMixin, FSMField, transition

from .bodies import EvaluationBody
from .evaluations import Sitting


class ComplaintStatus(models.TextChoices):
    RECEIVED = "received", _("已受理待分办")
    INVESTIGATING = "investigating", _("调查中")
    ANSWERED = "answered", _("已答复")
    DISMISSED = "dismissed", _("不予受理")


class ComplaintCounter(models.Model):
    """The year's next complaint serial, locked ``FOR UPDATE`` when a complaint is received (never
    ``max()+1``)."""

    year = models.PositiveIntegerField(primary_key=True)
    next_serial = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("投诉编号计数器")
        verbose_name_plural = _("投诉编号计数器")

    def __str__(self) -> str:
        return f"{self.year}: {self.next_serial}"


class Complaint(ConcurrentTransitionMixin, models.Model):
    number = models.CharField(_("投诉编号"), max_length=20, unique=True)
    body = models.ForeignKey(EvaluationBody, on_delete=models.PROTECT, related_name="complaints")
    sitting = models.ForeignKey(
        Sitting, on_delete=models.SET_NULL, null=True, blank=True, related_name="complaints"
    )
    sitting_date = models.DateField(_("考核日期"), null=True, blank=True)
    sitting_room = models.CharField(_("考场"), max_length=60, blank=True)
    name = models.CharField(_("投诉人"), max_length=60)
    contact_encrypted = models.TextField()
    contact_masked = models.CharField(_("联系方式"), max_length=80)
    contact_index = models.CharField(max_length=64, db_index=True)
    anonymous = models.BooleanField(_("对被投诉机构匿名"), default=False)
    text = models.TextField(_("投诉内容"))
    received_at = models.DateTimeField(_("受理时间"), auto_now_add=True)
    status = FSMField(
        _("状态"), default=ComplaintStatus.RECEIVED, choices=ComplaintStatus.choices, protected=True
    )
    findings = models.TextField(_("调查结果"), blank=True)
    answer = models.TextField(_("答复意见"), blank=True)
    dismiss_reason = models.TextField(_("不予受理理由"), blank=True)
    rectification = models.ForeignKey(
        "filing.RectificationOrder",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="complaints",
        verbose_name=_("整改通知"),
    )
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    closed_at = models.DateTimeField(_("办结时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("投诉")
        verbose_name_plural = _("投诉")
        ordering = ["-received_at", "-pk"]
        indexes = [models.Index(fields=["body", "-received_at"], name="complaint_body_idx")]

    def __str__(self) -> str:
        return self.number

    @property
    def outcome(self) -> str:
        if self.status == ComplaintStatus.ANSWERED:
            return self.answer
        if self.status == ComplaintStatus.DISMISSED:
            return self.dismiss_reason
        return ""

    @transition(field=status, source=ComplaintStatus.RECEIVED, target=ComplaintStatus.INVESTIGATING)
    def investigate(self, actor) -> None:
        self.handled_by = actor

    @transition(field=status, source=ComplaintStatus.INVESTIGATING, target=ComplaintStatus.ANSWERED)
    def answer_with(self, actor, findings: str, answer: str, at) -> None:
        self.handled_by, self.findings, self.answer, self.closed_at = actor, findings, answer, at

    @transition(field=status, source=ComplaintStatus.RECEIVED, target=ComplaintStatus.DISMISSED)
    def dismiss(self, actor, reason: str, at) -> None:
        self.handled_by, self.dismiss_reason, self.closed_at = actor, reason, at
