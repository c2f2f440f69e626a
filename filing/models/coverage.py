"""Partner agreements (校企合作协议 / 委托评价协议): how a school covers the majors it does not
evaluate itself. An agreement is agreed by both sides: the school proposes it, the partner body accepts or
declines it, and only an accepted agreement within its dates covers anything."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django_fsm import ConcurrentTransitionMixin, FSMField, transition

from .bodies import EvaluationBody
from .organisations import Organisation
from .reference import OccupationLevel


class AgreementStatus(models.TextChoices):
    PROPOSED = "proposed", _("待合作机构确认")
    ACCEPTED = "accepted", _("双方已确认")
    DECLINED = "declined", _("合作机构已拒绝")
    WITHDRAWN = "withdrawn", _("院校已撤回")
    TERMINATED = "terminated", _("已终止")


class AgreementQuerySet(models.QuerySet):
    def in_force(self, on) -> "AgreementQuerySet":
        """Agreements that cover something on ``on``: accepted by the partner and within their dates. The
        one definition used by coverage and by eligibility."""
        return self.filter(status=AgreementStatus.ACCEPTED, valid_from__lte=on, valid_until__gte=on)


class PartnerAgreement(ConcurrentTransitionMixin, models.Model):
    """A school entrusts an enterprise evaluation body or a social training evaluation organisation with
    evaluating its graduating students for the listed (occupation, work type, level) offerings."""

    school = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="partner_agreements", verbose_name=_("院校")
    )
    partner = models.ForeignKey(
        EvaluationBody,
        on_delete=models.PROTECT,
        related_name="partner_agreements",
        verbose_name=_("合作评价机构"),
    )
    agreement_no = models.CharField(_("协议编号"), max_length=60)
    offerings = models.ManyToManyField(OccupationLevel, verbose_name=_("委托评价的职业（工种）等级"))
    valid_from = models.DateField(_("生效日期"))
    valid_until = models.DateField(_("截止日期"))
    status = FSMField(
        _("状态"), default=AgreementStatus.PROPOSED, choices=AgreementStatus.choices, protected=True
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(_("确认或拒绝时间"), null=True, blank=True)
    decision_note = models.CharField(_("合作机构意见"), max_length=500, blank=True)
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    ended_at = models.DateTimeField(_("撤回或终止时间"), null=True, blank=True)
    end_reason = models.CharField(_("撤回或终止理由"), max_length=500, blank=True)

    objects = AgreementQuerySet.as_manager()

    class Meta:
        verbose_name = _("合作评价协议")
        verbose_name_plural = _("合作评价协议")
        ordering = ["school", "-valid_until"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(valid_until__gte=models.F("valid_from")), name="agreement_dates_ordered"
            ),
            models.UniqueConstraint(fields=["school", "agreement_no"], name="uniq_agreement_no"),
        ]

    def __str__(self) -> str:
        return f"{self.school.name} × {self.partner.name}（{self.agreement_no}）"

    def is_in_force(self, day) -> bool:
        return self.status == AgreementStatus.ACCEPTED and self.valid_from <= day <= self.valid_until

    def is_expired(self, day) -> bool:
        return self.status == AgreementStatus.ACCEPTED and self.valid_until < day

    @transition(field=status, source=AgreementStatus.PROPOSED, target=AgreementStatus.ACCEPTED)
    def accept(self, *, by, at, note: str) -> None:
        self.decided_by, self.decided_at, self.decision_note = by, at, note

    @transition(field=status, source=AgreementStatus.PROPOSED, target=AgreementStatus.DECLINED)
    def decline(self, *, by, at, note: str) -> None:
        self.decided_by, self.decided_at, self.decision_note = by, at, note

    @transition(field=status, source=AgreementStatus.PROPOSED, target=AgreementStatus.WITHDRAWN)
    def withdraw(self, *, by, at, reason: str) -> None:
        self.ended_by, self.ended_at, self.end_reason = by, at, reason

    @transition(field=status, source=AgreementStatus.ACCEPTED, target=AgreementStatus.TERMINATED)
    def terminate(self, *, by, at, reason: str) -> None:
        self.ended_by, self.ended_at, self.end_reason = by, at, reason
