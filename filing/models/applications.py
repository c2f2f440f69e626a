"""Filing applications (备案/遴选申请): lines, attachments, corrections, review decisions, expert scores,
objections and the statutory clock.

The application's ``status`` is the one source of truth for where it stands; viewflow tasks (``workflows``)
say who must act, never what the status is.
"""

import uuid

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from django_fsm import RETURN_VALUE, ConcurrentTransitionMixin, FSMField, transition

from .bodies import BodyCategory, EvaluationBody
from .organisations import Major, Organisation
from .reference import District, OccupationLevel


class ApplicationKind(models.TextChoices):
    INITIAL = "initial", _("评价机构备案")
    EXTENSION = "extension", _("扩大备案范围")
    CHANGE = "change", _("备案信息变更")
    SELECTION = "selection", _("社会培训评价组织遴选")


class ApplicationStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    SUBMITTED = "submitted", _("已提交，待受理")
    DISTRICT_REVIEW = "district_review", _("区级审核")
    MUNICIPAL_REVIEW = "municipal_review", _("市级审核")
    EXPERT_ASSESSMENT = "expert_assessment", _("专家评审")
    DECISION = "decision", _("待审批决定")
    PUBLICITY = "publicity", _("公示中")
    FILED = "filed", _("已备案")
    RETURNED = "returned", _("退回补正")
    REJECTED = "rejected", _("不予备案")
    WITHDRAWN = "withdrawn", _("已撤回")
    LAPSED = "lapsed", _("逾期未补正")


S = ApplicationStatus
FINAL_STATUSES = frozenset({S.FILED, S.REJECTED, S.WITHDRAWN, S.LAPSED})
RETURNABLE = [S.SUBMITTED, S.DISTRICT_REVIEW, S.MUNICIPAL_REVIEW]
WITHDRAWABLE = [s for s in S.values if s not in FINAL_STATUSES]


def attachment_path(instance, filename: str) -> str:
    """Stored names are random UUIDs; the original name is kept in the row only."""
    return f"attachments/{instance.application_id}/{uuid.uuid4().hex}"


class FilingApplication(ConcurrentTransitionMixin, models.Model):
    """An application by an organisation to be filed as an evaluation body (or to extend, change, or be
    selected as a social training evaluation organisation)."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="applications", verbose_name=_("申报单位")
    )
    kind = models.CharField(_("申请类型"), max_length=20, choices=ApplicationKind.choices)
    body_category = models.CharField(_("机构类别"), max_length=1, choices=BodyCategory.choices)
    status = FSMField(_("状态"), default=S.DRAFT, choices=S.choices, protected=True)
    summary = models.TextField(_("申请说明"), blank=True)
    contact_name = models.CharField(_("联系人"), max_length=40, blank=True)
    contact_phone = models.CharField(_("联系电话"), max_length=30, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("经办人")
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    # Bumped by every edit; forms post the version they loaded, a mismatch is a stale form (409).
    version = models.PositiveIntegerField(default=1)
    commitment_signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("承诺签署人"),
    )
    commitment_signed_at = models.DateTimeField(_("承诺签署时间"), null=True, blank=True)
    commitment_version = models.PositiveIntegerField(null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("提交人"),
    )
    submitted_at = models.DateTimeField(_("提交时间"), null=True, blank=True)
    district = models.ForeignKey(
        District,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        verbose_name=_("受理区"),
        help_text=_("提交时按申报单位所在区确定"),
    )
    accepted_on = models.DateField(_("受理日期"), null=True, blank=True)
    extension_granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("延期批准人"),
    )
    extension_reason = models.TextField(_("延期理由"), blank=True)
    publicity_starts_on = models.DateField(_("公示开始"), null=True, blank=True)
    publicity_ends_on = models.DateField(_("公示结束"), null=True, blank=True)
    decided_at = models.DateTimeField(_("决定时间"), null=True, blank=True)
    closed_at = models.DateTimeField(_("办结时间"), null=True, blank=True)
    closing_reason = models.TextField(_("办结理由"), blank=True)
    body = models.ForeignKey(
        EvaluationBody,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="applications",
        verbose_name=_("评价机构"),
    )

    class Meta:
        verbose_name = _("备案申请")
        verbose_name_plural = _("备案申请")
        ordering = ["-created_at"]
        permissions = [
            ("draft_application", _("起草备案申请")),
            ("decide_filing", _("作出备案决定")),
            ("manage_publicity", _("管理公示与异议")),
            ("transfer_task", _("转办任务")),
        ]
        indexes = [models.Index(fields=["status", "publicity_ends_on"], name="app_publicity_idx")]

    def __str__(self) -> str:
        return f"{self.number} {self.organisation.name} {self.get_kind_display()}"

    @property
    def number(self) -> str:
        """申请编号, e.g. BA2026000123."""
        year = self.created_at.year if self.created_at else ""
        return f"BA{year}{self.pk or 0:06d}"

    @property
    def is_final(self) -> bool:
        return self.status in FINAL_STATUSES

    # Transitions change the instance only; services save, audit and announce.
    @transition(field=status, source=S.DRAFT, target=S.SUBMITTED)
    def submit(self) -> None:
        self.district_id = self.organisation.district_id

    @transition(field=status, source=S.SUBMITTED, target=S.DISTRICT_REVIEW)
    def accept(self, on) -> None:
        self.accepted_on = self.accepted_on or on

    @transition(field=status, source=S.DISTRICT_REVIEW, target=S.MUNICIPAL_REVIEW)
    def pass_district_review(self) -> None:
        pass

    @transition(field=status, source=S.MUNICIPAL_REVIEW, target=S.EXPERT_ASSESSMENT)
    def pass_municipal_review(self) -> None:
        pass

    @transition(field=status, source=S.MUNICIPAL_REVIEW, target=S.DISTRICT_REVIEW)
    def back_to_district_review(self) -> None:
        """The district review again: the city sent it back (退回区级重审), or the district reviewer took back
        an approval the city had not yet acted on (拿回)."""

    @transition(field=status, source=S.EXPERT_ASSESSMENT, target=S.MUNICIPAL_REVIEW)
    def back_to_municipal_review(self) -> None:
        """The municipal reviewer took back an approval before any expert was named (拿回)."""

    @transition(field=status, source=RETURNABLE, target=S.RETURNED)
    def return_for_correction(self) -> None:
        """补正: the open ``Correction`` records the step that returned it (and so where it goes back to)."""

    @transition(field=status, source=S.RETURNED, target=RETURN_VALUE(*RETURNABLE))
    def resubmit(self, back_to: str) -> str:
        """Back to the step that returned it (``back_to``, read from the open correction)."""
        return back_to

    @transition(field=status, source=S.RETURNED, target=S.LAPSED)
    def lapse(self) -> None:
        pass

    @transition(field=status, source=S.EXPERT_ASSESSMENT, target=S.DECISION)
    def finish_expert_assessment(self) -> None:
        pass

    @transition(field=status, source=S.DECISION, target=S.PUBLICITY)
    def start_publicity(self, starts_on, ends_on) -> None:
        self.publicity_starts_on, self.publicity_ends_on = starts_on, ends_on

    @transition(field=status, source=S.PUBLICITY, target=S.DECISION)
    def reopen_decision(self) -> None:
        """An upheld objection sends the application back to the decision."""

    @transition(field=status, source=S.PUBLICITY, target=S.FILED)
    def file(self) -> None:
        pass

    @transition(
        field=status,
        source=[S.SUBMITTED, S.DISTRICT_REVIEW, S.MUNICIPAL_REVIEW, S.DECISION],
        target=S.REJECTED,
    )
    def reject(self) -> None:
        pass

    @transition(field=status, source=WITHDRAWABLE, target=S.WITHDRAWN)
    def withdraw(self) -> None:
        pass


class FilingLine(models.Model):
    """One requested scope line: (occupation, work type or none, level), mapped to the college's majors,
    with the venue, equipment and evaluator pool. Each line gets its own decision."""

    class Decision(models.TextChoices):
        PENDING = "pending", _("待定")
        APPROVED = "approved", _("同意备案")
        REJECTED = "rejected", _("不予备案")

    application = models.ForeignKey(FilingApplication, on_delete=models.CASCADE, related_name="lines")
    offering = models.ForeignKey(
        OccupationLevel, on_delete=models.PROTECT, verbose_name=_("职业（工种）等级")
    )
    majors = models.ManyToManyField(Major, blank=True, verbose_name=_("对应专业"))
    venue = models.TextField(_("考核场地"))
    equipment = models.TextField(_("设施设备"))
    evaluator_pool = models.TextField(_("考评人员"))
    decision = models.CharField(_("决定"), max_length=10, choices=Decision.choices, default=Decision.PENDING)
    decision_reason = models.TextField(_("决定理由"), blank=True)

    class Meta:
        verbose_name = _("申请备案项目")
        verbose_name_plural = _("申请备案项目")
        ordering = ["offering__occupation__code", "offering__work_type__name", "-offering__level"]
        constraints = [models.UniqueConstraint(fields=["application", "offering"], name="uniq_line_offering")]

    def __str__(self) -> str:
        return str(self.offering)


class AttachmentKind(models.TextChoices):
    REGISTRATION = "registration", _("法人登记证书")
    VENUE = "venue", _("考核场地与设施设备说明")
    EVALUATORS = "evaluators", _("考评人员名单及资格证明")
    QUALITY = "quality", _("质量管理制度")
    CURRICULUM = "curriculum", _("课证融通人才培养方案")
    CHANGE = "change", _("变更事项说明")
    SELECTION = "selection", _("社会培训评价组织遴选申报书")
    OTHER = "other", _("其他材料")


#: Which attachments each application kind must carry before submission.
REQUIRED_ATTACHMENTS: dict[str, tuple[str, ...]] = {
    ApplicationKind.INITIAL: (
        AttachmentKind.REGISTRATION,
        AttachmentKind.VENUE,
        AttachmentKind.EVALUATORS,
        AttachmentKind.QUALITY,
    ),
    ApplicationKind.EXTENSION: (AttachmentKind.VENUE, AttachmentKind.EVALUATORS),
    ApplicationKind.CHANGE: (AttachmentKind.CHANGE,),
    ApplicationKind.SELECTION: (
        AttachmentKind.REGISTRATION,
        AttachmentKind.VENUE,
        AttachmentKind.EVALUATORS,
        AttachmentKind.QUALITY,
        AttachmentKind.SELECTION,
    ),
}


class Attachment(models.Model):
    """An uploaded file. Replaced files are kept (``superseded_at``) so reviewers can see what changed."""

    application = models.ForeignKey(FilingApplication, on_delete=models.CASCADE, related_name="attachments")
    kind = models.CharField(_("材料类型"), max_length=20, choices=AttachmentKind.choices)
    file = models.FileField(upload_to=attachment_path)
    original_name = models.CharField(_("文件名"), max_length=200)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(auto_now_add=True)
    #: No longer current (replaced or removed). The file itself is never deleted: reviewers and the change
    #: history keep seeing what was submitted.
    superseded_at = models.DateTimeField(null=True, blank=True)
    replaced_by = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="replaces",
        verbose_name=_("替换为"),
    )
    removed_at = models.DateTimeField(_("删除时间"), null=True, blank=True)
    removed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("申请材料")
        verbose_name_plural = _("申请材料")
        ordering = ["kind", "-uploaded_at"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.original_name}"


class ReviewStep(models.TextChoices):
    DISTRICT_ACCEPT = "district_accept", _("区级受理")
    DISTRICT_REVIEW = "district_review", _("区级审核")
    MUNICIPAL_REVIEW = "municipal_review", _("市级审核")
    EXPERT_PANEL = "expert_panel", _("组织专家评审")
    DECISION = "decision", _("审批决定")
    OBJECTION = "objection", _("异议处理")


class ReviewOutcome(models.TextChoices):
    APPROVE = "approve", _("通过")
    RETURN = "return", _("退回补正")
    REJECT = "reject", _("不予通过")
    #: The city returns the filing to the district review (not to the applicant), with its reasons.
    SEND_BACK = "send_back", _("退回区级重审")
    #: The reviewer took back an approval the next step had not acted on (the approval no longer stands).
    TAKE_BACK = "take_back", _("拿回重办")


class ReviewDecision(models.Model):
    """审批意见: who decided which step, how and why. The timeline and the four-eyes rule read these."""

    application = models.ForeignKey(FilingApplication, on_delete=models.CASCADE, related_name="decisions")
    step = models.CharField(_("环节"), max_length=20, choices=ReviewStep.choices)
    outcome = models.CharField(_("结论"), max_length=10, choices=ReviewOutcome.choices)
    comment = models.TextField(_("审批意见"))
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("审批意见")
        verbose_name_plural = _("审批意见")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.get_step_display()} {self.get_outcome_display()}"


class Correction(ConcurrentTransitionMixin, models.Model):
    """补正通知: one consolidated deficiency list with a deadline. The applicant may change only the ticked
    items; ``snapshot`` is the application as it was when returned, so reviewers see what changed."""

    class State(models.TextChoices):
        OPEN = "open", _("待补正")
        ANSWERED = "answered", _("已补正")
        LAPSED = "lapsed", _("逾期")
        CANCELLED = "cancelled", _("已取消")

    application = models.ForeignKey(FilingApplication, on_delete=models.CASCADE, related_name="corrections")
    round = models.PositiveSmallIntegerField(_("轮次"))
    step = models.CharField(_("退回环节"), max_length=20, choices=ReviewStep.choices)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField(auto_now_add=True)
    deadline = models.DateField(_("补正期限"))
    comment = models.TextField(_("补正说明"))
    #: [{"kind": "attachment"|"line"|"field", "key": "...", "label": "...", "note": "..."}]
    items = models.JSONField(_("需补正事项"), default=list)
    snapshot = models.JSONField(default=dict)
    state = FSMField(_("状态"), default=State.OPEN, choices=State.choices, protected=True)
    responded_at = models.DateTimeField(null=True, blank=True)
    response_comment = models.TextField(_("补正说明（申请人）"), blank=True)
    reminded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("补正通知")
        verbose_name_plural = _("补正通知")
        ordering = ["application", "round"]
        constraints = [models.UniqueConstraint(fields=["application", "round"], name="uniq_correction_round")]

    def __str__(self) -> str:
        return _("%(number)s 第%(round)d次补正") % {"number": self.application.number, "round": self.round}

    def allows(self, kind: str, key: str) -> bool:
        return any(item["kind"] == kind and item["key"] == str(key) for item in self.items)

    @transition(field=state, source=State.OPEN, target=State.ANSWERED)
    def answer(self, comment: str, at) -> None:
        self.response_comment, self.responded_at = comment, at

    @transition(field=state, source=State.OPEN, target=State.LAPSED)
    def lapse(self) -> None:
        """The deadline passed unanswered."""

    @transition(field=state, source=State.OPEN, target=State.CANCELLED)
    def cancel(self) -> None:
        """The application was withdrawn while the correction was open."""


class ExpertAssignment(ConcurrentTransitionMixin, models.Model):
    """An expert on an application's panel. A declared conflict replaces the expert."""

    class State(models.TextChoices):
        ASSIGNED = "assigned", _("待评分")
        SCORED = "scored", _("已评分")
        CONFLICT = "conflict", _("回避")

    application = models.ForeignKey(FilingApplication, on_delete=models.CASCADE, related_name="experts")
    expert = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    state = FSMField(_("状态"), default=State.ASSIGNED, choices=State.choices, protected=True)
    conflict_reason = models.TextField(_("回避理由"), blank=True)
    replaces = models.OneToOneField(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="replaced_by"
    )
    assigned_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("评审专家")
        verbose_name_plural = _("评审专家")
        constraints = [models.UniqueConstraint(fields=["application", "expert"], name="uniq_panel_expert")]

    def __str__(self) -> str:
        return f"{self.application.number} {self.expert}"

    @transition(field=state, source=State.ASSIGNED, target=State.SCORED)
    def score(self, at) -> None:
        self.finished_at = at

    @transition(field=state, source=State.ASSIGNED, target=State.CONFLICT)
    def recuse(self, reason: str, at) -> None:
        self.conflict_reason, self.finished_at = reason, at


class ExpertScore(models.Model):
    class Recommendation(models.TextChoices):
        APPROVE = "approve", _("建议同意")
        REJECT = "reject", _("建议不同意")

    assignment = models.ForeignKey(ExpertAssignment, on_delete=models.CASCADE, related_name="scores")
    line = models.ForeignKey(FilingLine, on_delete=models.CASCADE, related_name="scores")
    score = models.PositiveSmallIntegerField(
        _("评分"), validators=[MinValueValidator(0), MaxValueValidator(100)]
    )
    recommendation = models.CharField(_("意见"), max_length=10, choices=Recommendation.choices)
    comment = models.TextField(_("评审意见"), blank=True)

    class Meta:
        verbose_name = _("专家评分")
        verbose_name_plural = _("专家评分")
        constraints = [
            models.UniqueConstraint(fields=["assignment", "line"], name="uniq_score_per_line"),
            models.CheckConstraint(condition=models.Q(score__lte=100), name="score_at_most_100"),
        ]

    def __str__(self) -> str:
        return f"{self.line}: {self.score}"


class Objection(ConcurrentTransitionMixin, models.Model):
    """A written objection filed by anyone during publicity."""

    class State(models.TextChoices):
        PENDING = "pending", _("待处理")
        UPHELD = "upheld", _("异议成立")
        DISMISSED = "dismissed", _("异议不成立")

    application = models.ForeignKey(FilingApplication, on_delete=models.CASCADE, related_name="objections")
    name = models.CharField(_("异议人"), max_length=60)
    contact = models.CharField(_("联系方式"), max_length=80)
    #: The verified contact's keyed hash: limits per objector, and duplicates found, without reading it.
    contact_index = models.CharField(max_length=64, blank=True, db_index=True)
    #: How the objector was identified: a code sent to the contact, or a signed-in account.
    verified_by = models.CharField(
        _("身份核验方式"),
        max_length=10,
        choices=[("code", _("验证码")), ("login", _("登录账号")), ("", _("未核验"))],
        blank=True,
    )
    text = models.TextField(_("异议内容"))
    submitted_at = models.DateTimeField(auto_now_add=True)
    state = FSMField(_("状态"), default=State.PENDING, choices=State.choices, protected=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_reason = models.TextField(_("处理意见"), blank=True)

    class Meta:
        verbose_name = _("公示异议")
        verbose_name_plural = _("公示异议")
        ordering = ["submitted_at"]

    def __str__(self) -> str:
        return f"{self.application.number} {self.get_state_display()}"

    def _decide(self, by, reason: str, at) -> None:
        self.decided_by, self.decision_reason, self.decided_at = by, reason, at

    @transition(field=state, source=State.PENDING, target=State.UPHELD)
    def uphold(self, by, reason: str, at) -> None:
        self._decide(by, reason, at)

    @transition(field=state, source=State.PENDING, target=State.DISMISSED)
    def dismiss(self, by, reason: str, at) -> None:
        self._decide(by, reason, at)


class ClockPeriod(models.Model):
    """A stretch of the application's life; only ``review`` periods count against the statutory limit."""

    class Kind(models.TextChoices):
        REVIEW = "review", _("审查")
        CORRECTION = "correction", _("补正（不计入）")
        EXPERT = "expert", _("专家评审（不计入）")
        PUBLICITY = "publicity", _("公示（不计入）")

    application = models.ForeignKey(FilingApplication, on_delete=models.CASCADE, related_name="clock_periods")
    kind = models.CharField(max_length=12, choices=Kind.choices)
    started_on = models.DateField()
    ended_on = models.DateField(null=True, blank=True)

    class Meta:
        verbose_name = _("办理时限区间")
        verbose_name_plural = _("办理时限区间")
        ordering = ["started_on", "id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.started_on}–{self.ended_on or ''}"
