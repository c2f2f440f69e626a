"""Supervision of filed bodies (DOMAIN.md §9): the decisions that change a body's or a filed line's status
(the public record of the catalogue) and the city's rectification orders. A status lives only in the FSM
fields of :class:`EvaluationBody` and :class:`FiledLine`; a :class:`BodyDecision` records who changed it,
when, why and under which document number, and is never edited."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django_fsm import ConcurrentTransitionMixin, FSMField, transition

from .bodies import BodyStatus, EvaluationBody, FiledLine, FiledLineStatus


class DecisionKind(models.TextChoices):
    RECTIFICATION_ORDERED = "rectification_ordered", _("责令整改")
    RECTIFICATION_ACCEPTED = "rectification_accepted", _("整改验收通过")
    SUSPENDED = "suspended", _("暂停评价活动")
    REINSTATED = "reinstated", _("恢复评价活动")
    EXIT_REQUESTED = "exit_requested", _("申请退出")
    EXIT_WITHDRAWN = "exit_withdrawn", _("撤回退出申请")
    EXIT_REFUSED = "exit_refused", _("不予退出")
    EXITED = "exited", _("准予退出")
    REVOKED = "revoked", _("撤销备案")
    LINE_SUSPENDED = "line_suspended", _("暂停备案项目")
    LINE_REINSTATED = "line_reinstated", _("恢复备案项目")


class BodyDecision(models.Model):
    """One change of a body's (or one filed line's) standing, as the catalogue shows it."""

    body = models.ForeignKey(EvaluationBody, on_delete=models.PROTECT, related_name="decisions")
    line = models.ForeignKey(
        FiledLine, on_delete=models.PROTECT, null=True, blank=True, related_name="decisions"
    )
    kind = models.CharField(_("决定类型"), max_length=32, choices=DecisionKind.choices)
    from_status = models.CharField(_("原状态"), max_length=20)
    to_status = models.CharField(_("新状态"), max_length=20)
    reference = models.CharField(_("决定文号"), max_length=60, blank=True)
    reason = models.TextField(_("事由"))
    decided_on = models.DateField(_("决定日期"))
    banned_until = models.DateField(_("禁止再申请至"), null=True, blank=True)
    certificates_revoked = models.PositiveIntegerField(_("一并撤销的证书数"), default=0)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("记录时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("评价机构监管决定")
        verbose_name_plural = _("评价机构监管决定")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["body", "-created_at"], name="bodydecision_body_idx")]

    def __str__(self) -> str:
        return f"{self.body.name}：{self.get_kind_display()}（{self.decided_on}）"

    def _label(self, value: str) -> str:
        choices = FiledLineStatus if self.line_id else BodyStatus
        try:
            return str(choices(value).label)
        except ValueError:
            return value

    @property
    def from_label(self) -> str:
        return self._label(self.from_status)

    @property
    def to_label(self) -> str:
        return self._label(self.to_status)


class RectificationStatus(models.TextChoices):
    OPEN = "open", _("待整改")
    RESPONDED = "responded", _("已提交整改报告")
    ACCEPTED = "accepted", _("整改验收通过")
    ESCALATED = "escalated", _("整改不力，已暂停")


class RectificationOrder(ConcurrentTransitionMixin, models.Model):
    """整改通知: the city's findings and deadline; the body answers with a report; the city accepts it,
    sends it back with a new deadline, or escalates to a suspension."""

    body = models.ForeignKey(EvaluationBody, on_delete=models.PROTECT, related_name="rectifications")
    reference = models.CharField(_("通知文号"), max_length=60, blank=True)
    findings = models.TextField(_("发现的问题"))
    deadline = models.DateField(_("整改期限"))
    status = FSMField(
        _("状态"), default=RectificationStatus.OPEN, choices=RectificationStatus.choices, protected=True
    )
    response = models.TextField(_("整改报告"), blank=True)
    responded_at = models.DateTimeField(_("提交时间"), null=True, blank=True)
    responded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decision_note = models.TextField(_("验收意见"), blank=True)
    decided_at = models.DateTimeField(_("验收时间"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    ordered_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    ordered_on = models.DateField(_("下达日期"))
    #: What raised it (a supervision report, a spot check, a complaint), as free text for the record page.
    source = models.CharField(_("问题来源"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("整改通知")
        verbose_name_plural = _("整改通知")
        ordering = ["-ordered_on", "-pk"]

    def __str__(self) -> str:
        return f"{self.body.name}：{self.get_status_display()}（{self.deadline}）"

    @transition(field=status, source=RectificationStatus.OPEN, target=RectificationStatus.RESPONDED)
    def respond(self, *, text: str, by, at) -> None:
        self.response, self.responded_by, self.responded_at = text, by, at

    @transition(field=status, source=RectificationStatus.RESPONDED, target=RectificationStatus.ACCEPTED)
    def accept(self, *, note: str, by, at) -> None:
        self.decision_note, self.decided_by, self.decided_at = note, by, at

    @transition(field=status, source=RectificationStatus.RESPONDED, target=RectificationStatus.OPEN)
    def send_back(self, *, note: str, deadline, by, at) -> None:
        """整改不到位: the body must rectify again by the new deadline."""
        self.decision_note, self.deadline, self.decided_by, self.decided_at = note, deadline, by, at

    @transition(
        field=status,
        source=[RectificationStatus.OPEN, RectificationStatus.RESPONDED],
        target=RectificationStatus.ESCALATED,
    )
    def escalate(self, *, note: str, by, at) -> None:
        self.decision_note, self.decided_by, self.decided_at = note, by, at


OPEN_RECTIFICATION = [RectificationStatus.OPEN, RectificationStatus.RESPONDED]


class SupervisionReport(models.Model):
    """督导报告 (逢考必督): the supervisor's report on one sitting. Every sitting of a plan needs one before
    the authority confirms the plan's results, and a report with a serious irregularity opens a finding (a
    rectification order) that must be accepted first."""

    sitting = models.OneToOneField(
        "filing.Sitting", on_delete=models.CASCADE, related_name="supervision_report", verbose_name=_("场次")
    )
    supervisor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    filed_at = models.DateTimeField(_("提交时间"), auto_now_add=True)
    present = models.PositiveIntegerField(_("实到人数"))
    absent = models.PositiveIntegerField(_("缺考人数"))
    identity_checked = models.BooleanField(_("已逐一核验考生身份"))
    identity_issues = models.TextField(_("身份核验问题"), blank=True)
    irregularities = models.TextField(_("违规违纪及其他问题"), blank=True)
    blocking = models.BooleanField(_("存在影响考核结果的严重问题"), default=False)
    photo_encrypted = models.TextField(_("现场照片（加密）"), blank=True, editable=False)
    finding = models.ForeignKey(
        RectificationOrder, on_delete=models.PROTECT, null=True, blank=True, related_name="reports"
    )

    class Meta:
        verbose_name = _("督导报告")
        verbose_name_plural = _("督导报告")

    def __str__(self) -> str:
        return f"{self.sitting}：{self.filed_at:%Y-%m-%d}"
