"""Evaluation plans (认定计划), their sittings and staffing."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django_fsm import ConcurrentTransitionMixin, FSMField, transition

from .bodies import EvaluationBody, FiledLine
from .organisations import Organisation
from .reference import AssessmentPart, Level, Occupation


class PlanStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    FILED = "filed", _("已报备，待确认")
    CONFIRMED = "confirmed", _("已确认")
    REGISTRATION_OPEN = "registration_open", _("报名中")
    REGISTRATION_CLOSED = "registration_closed", _("报名截止")
    IN_PROGRESS = "in_progress", _("考核进行中")
    SCORING = "scoring", _("成绩录入")
    RESULTS_PUBLICITY = "results_publicity", _("结果公示")
    RESULTS_SUBMITTED = "results_submitted", _("结果已报送")
    RESULTS_CONFIRMED = "results_confirmed", _("结果已确认")
    CERTIFICATES_ISSUED = "certificates_issued", _("证书已发放")
    REPORTED = "reported", _("已上报全国联网")
    ARCHIVED = "archived", _("已归档")
    CANCELLED = "cancelled", _("已取消")


P = PlanStatus


class PlanMethod(models.TextChoices):
    """认定方式: how a plan's people are evaluated (what each one means lives in ``filing.methods``)."""

    EXAM = "exam", _("考核评价")
    DIRECT = "direct", _("直接认定")
    COMPETITION = "competition", _("以赛促评")


#: Before the sittings start: the plan may still be cancelled and its staffing changed.
NOT_STARTED = [P.DRAFT, P.FILED, P.CONFIRMED, P.REGISTRATION_OPEN, P.REGISTRATION_CLOSED]
PLAN_NOT_STARTED = NOT_STARTED
#: A plan in one of these states needs nothing more from the body.
PLAN_FINISHED = [P.REPORTED, P.ARCHIVED, P.CANCELLED]


class EvaluationPlan(ConcurrentTransitionMixin, models.Model):
    """One evaluation batch of a body for one filed line, filed with the authority before it starts."""

    body = models.ForeignKey(
        EvaluationBody, on_delete=models.PROTECT, related_name="plans", verbose_name=_("评价机构")
    )
    line = models.ForeignKey(
        FiledLine, on_delete=models.PROTECT, related_name="plans", verbose_name=_("备案项目")
    )
    title = models.CharField(_("计划名称"), max_length=120)
    method = models.CharField(
        _("认定方式"), max_length=12, choices=PlanMethod.choices, default=PlanMethod.EXAM
    )
    #: 以赛促评: the competition whose promotion decisions the plan certifies.
    competition = models.ForeignKey(
        "filing.Competition",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="plans",
        verbose_name=_("竞赛"),
    )
    status = FSMField(_("状态"), default=P.DRAFT, choices=P.choices, protected=True)
    expected_headcount = models.PositiveIntegerField(_("预计人数"))
    first_sitting_on = models.DateField(_("首场考核日期"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    filed_at = models.DateTimeField(_("报备时间"), null=True, blank=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    results_publicity_ends_on = models.DateField(_("结果公示截止"), null=True, blank=True)
    results_confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    #: The day the authority confirmed the results: no certificate is dated earlier (filing.schedule).
    results_confirmed_on = models.DateField(_("结果确认日期"), null=True, blank=True)
    cancel_reason = models.TextField(_("取消理由"), blank=True)
    #: The day every certificate of the plan was acknowledged by the national system (已归档): the
    #: roster retention period (FILING["ROSTER_RETENTION_DAYS"]) runs from it.
    archived_on = models.DateField(_("归档日期"), null=True, blank=True)
    #: The day the retention timer purged the personal data of the plan's rosters (certificates kept).
    roster_purged_on = models.DateField(_("名册个人信息清除日期"), null=True, blank=True)
    #: 免交照片: certificates of this plan may be issued without the holders' photos (DOMAIN.md §5 makes the
    #: photo mandatory content otherwise).
    photos_waived = models.BooleanField(_("免交照片"), default=False)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("认定计划")
        verbose_name_plural = _("认定计划")
        ordering = ["-first_sitting_on", "-pk"]
        permissions = [("confirm_plan", _("确认认定计划")), ("audit_results", _("审核认定结果"))]

    def __str__(self) -> str:
        return f"{self.body.name} {self.title}"

    @property
    def offering(self):
        return self.line.offering

    @transition(field=status, source=P.DRAFT, target=P.FILED)
    def file(self) -> None:
        pass

    @transition(field=status, source=P.FILED, target=P.CONFIRMED)
    def confirm(self, by) -> None:
        self.confirmed_by = by

    @transition(field=status, source=P.FILED, target=P.DRAFT)
    def send_back(self) -> None:
        """The authority returns the plan for changes."""

    @transition(field=status, source=P.FILED, target=P.DRAFT)
    def withdraw_filing(self) -> None:
        """撤回备案: the body takes the filing back before the authority has confirmed it."""

    @transition(field=status, source=P.CONFIRMED, target=P.REGISTRATION_OPEN)
    def open_registration(self) -> None:
        pass

    @transition(field=status, source=P.REGISTRATION_OPEN, target=P.REGISTRATION_CLOSED)
    def close_registration(self) -> None:
        pass

    @transition(field=status, source=P.REGISTRATION_CLOSED, target=P.IN_PROGRESS)
    def start(self) -> None:
        pass

    @transition(field=status, source=P.IN_PROGRESS, target=P.SCORING)
    def finish_sittings(self) -> None:
        pass

    @transition(field=status, source=P.SCORING, target=P.RESULTS_PUBLICITY)
    def publish_results(self, ends_on) -> None:
        self.results_publicity_ends_on = ends_on

    @transition(field=status, source=P.RESULTS_PUBLICITY, target=P.RESULTS_SUBMITTED)
    def submit_results(self) -> None:
        pass

    @transition(field=status, source=P.RESULTS_SUBMITTED, target=P.RESULTS_CONFIRMED)
    def confirm_results(self, by, on) -> None:
        self.results_confirmed_by = by
        self.results_confirmed_on = on

    @transition(field=status, source=P.RESULTS_SUBMITTED, target=P.SCORING)
    def return_results(self) -> None:
        """The authority's audit found problems: back to scoring."""

    @transition(field=status, source=P.RESULTS_CONFIRMED, target=P.CERTIFICATES_ISSUED)
    def mark_certificates_issued(self) -> None:
        pass

    @transition(field=status, source=P.CERTIFICATES_ISSUED, target=P.REPORTED)
    def mark_reported(self) -> None:
        """Every certificate of the plan is in a national report."""

    @transition(field=status, source=P.REPORTED, target=P.ARCHIVED)
    def archive(self, on) -> None:
        """Every certificate of the plan is acknowledged by the national system."""
        self.archived_on = on

    @transition(field=status, source=NOT_STARTED, target=P.CANCELLED)
    def cancel(self, reason: str) -> None:
        self.cancel_reason = reason


class Sitting(models.Model):
    """One session of one assessment part in one room."""

    plan = models.ForeignKey(EvaluationPlan, on_delete=models.CASCADE, related_name="sittings")
    part = models.CharField(_("考核方式"), max_length=10, choices=AssessmentPart.choices)
    starts_at = models.DateTimeField(_("开始时间"))
    ends_at = models.DateTimeField(_("结束时间"))
    room = models.CharField(_("考场"), max_length=60)
    candidates_expected = models.PositiveIntegerField(_("考生人数"))
    started_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("考场场次")
        verbose_name_plural = _("考场场次")
        ordering = ["starts_at", "room"]

    def __str__(self) -> str:
        from django.utils import timezone

        return f"{self.get_part_display()} {self.room} {timezone.localtime(self.starts_at):%Y-%m-%d %H:%M}"


class Evaluator(models.Model):
    """A person of the evaluator register (考评员库) who may evaluate, invigilate or supervise
    (考评员 / 监考 / 督导员): their qualification (occupation, level, certificate number, valid until) and
    the body whose pool they serve (none: the city's pool, e.g. municipal supervisors). Staffing picks only
    active, qualified, unexpired and non-recused people (filing.services.staffing)."""

    name = models.CharField(_("姓名"), max_length=40)
    certificate_no = models.CharField(_("考评员证号"), max_length=40, unique=True)
    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="evaluators",
        verbose_name=_("所在单位"),
    )
    body = models.ForeignKey(
        EvaluationBody,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="evaluators",
        verbose_name=_("服务评价机构"),
        help_text=_("不填为市级人员库（如市级督导员）。"),
    )
    occupation = models.ForeignKey(
        Occupation,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="evaluators",
        verbose_name=_("考评职业"),
    )
    level = models.PositiveSmallIntegerField(_("考评等级"), choices=Level.choices, null=True, blank=True)
    valid_until = models.DateField(_("证书有效期至"), null=True, blank=True)
    can_evaluate = models.BooleanField(_("考评员"), default=True)
    can_invigilate = models.BooleanField(_("监考人员"), default=True)
    is_supervisor = models.BooleanField(_("督导员资格"), default=False)
    active = models.BooleanField(_("在库"), default=True)
    version = models.PositiveIntegerField(default=1)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="evaluator"
    )

    class Meta:
        verbose_name = _("考评人员")
        verbose_name_plural = _("考评人员")
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name}（{self.certificate_no}）"


class StaffRole(models.TextChoices):
    INVIGILATOR = "invigilator", _("监考人员")
    SKILL_EVALUATOR = "skill_evaluator", _("操作技能考评员")
    REVIEW_PANEL = "review_panel", _("综合评审委员")
    SUPERVISOR = "supervisor", _("督导员")


class StaffingRule(models.Model):
    """Staffing ratios per assessment part and role, stored as data (DOMAIN.md §4)."""

    part = models.CharField(_("考核方式"), max_length=10, choices=AssessmentPart.choices)
    role = models.CharField(_("人员类别"), max_length=20, choices=StaffRole.choices)
    candidates_per_person = models.PositiveIntegerField(_("每人负责考生数"), null=True, blank=True)
    minimum = models.PositiveIntegerField(_("最少人数"), default=1)
    odd = models.BooleanField(_("须为单数"), default=False)
    basis = models.CharField(_("依据"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("考务人员配备标准")
        verbose_name_plural = _("考务人员配备标准")
        constraints = [models.UniqueConstraint(fields=["part", "role"], name="uniq_staffing_rule")]

    def __str__(self) -> str:
        return f"{self.get_part_display()} {self.get_role_display()}"

    def required_for(self, candidates: int) -> int:
        needed = self.minimum
        if self.candidates_per_person:
            needed = max(needed, -(-candidates // self.candidates_per_person))
        if self.odd and needed % 2 == 0:
            needed += 1
        return needed


class SittingStaff(models.Model):
    sitting = models.ForeignKey(Sitting, on_delete=models.CASCADE, related_name="staff")
    evaluator = models.ForeignKey(Evaluator, on_delete=models.PROTECT, related_name="assignments")
    role = models.CharField(_("人员类别"), max_length=20, choices=StaffRole.choices)

    class Meta:
        verbose_name = _("场次考务人员")
        verbose_name_plural = _("场次考务人员")
        constraints = [
            models.UniqueConstraint(fields=["sitting", "evaluator"], name="uniq_staff_per_sitting")
        ]

    def __str__(self) -> str:
        return f"{self.sitting}: {self.evaluator} {self.get_role_display()}"


class RecusalRelation(models.TextChoices):
    RELATIVE = "relative", _("近亲属")
    TEACHER = "teacher", _("任课教师或师生关系")
    COLLEAGUE = "colleague", _("同事")
    OTHER = "other", _("其他利害关系")


class RecusalDeclaration(models.Model):
    """An evaluator declares a relation with a candidate; they may not staff that candidate's sittings."""

    evaluator = models.ForeignKey(Evaluator, on_delete=models.CASCADE, related_name="recusals")
    candidate = models.ForeignKey("filing.Candidate", on_delete=models.CASCADE, related_name="recusals")
    relation = models.CharField(_("关系"), max_length=10, choices=RecusalRelation.choices)
    note = models.CharField(_("说明"), max_length=200, blank=True)
    declared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    declared_at = models.DateTimeField(_("申报时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("回避申报")
        verbose_name_plural = _("回避申报")
        constraints = [models.UniqueConstraint(fields=["evaluator", "candidate"], name="uniq_recusal")]

    def __str__(self) -> str:
        return f"{self.evaluator} ↔ {self.candidate} {self.get_relation_display()}"
