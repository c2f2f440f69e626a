"""Annual task lists (年度任务清单) of the new-type technician colleges: per college and year, a target per
indicator (``filing.indicators``); the college drafts it, its district confirms it, then the city; during the
year the computed indicators move by themselves and the reported ones are reported with evidence; at the
year's end the college files a self-assessment. Training classes and apprenticeship agreements are the
register the training indicators are computed from."""

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django_fsm import ConcurrentTransitionMixin, FSMField, transition

from .organisations import Organisation
from .reference import Occupation


class TaskListStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    SUBMITTED = "submitted", _("待区级确认")
    DISTRICT_CONFIRMED = "district_confirmed", _("待市级确认")
    RETURNED = "returned", _("已退回修改")
    CONFIRMED = "confirmed", _("已确认，执行中")
    ASSESSED = "assessed", _("已提交年终自评")


T = TaskListStatus
#: While the college may change targets.
EDITABLE = (T.DRAFT, T.RETURNED)


class AnnualTaskList(ConcurrentTransitionMixin, models.Model):
    """One college's task list for one year."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="task_lists", verbose_name=_("新型技师学院")
    )
    year = models.PositiveSmallIntegerField(_("年度"))
    status = FSMField(_("状态"), default=T.DRAFT, choices=T.choices, protected=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    submitted_at = models.DateTimeField(_("提交时间"), null=True, blank=True)
    district_confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    district_confirmed_at = models.DateTimeField(_("区级确认时间"), null=True, blank=True)
    city_confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    city_confirmed_at = models.DateTimeField(_("市级确认时间"), null=True, blank=True)
    return_reason = models.TextField(_("退回理由"), blank=True)
    self_assessment = models.TextField(_("年终自评"), blank=True)
    assessed_at = models.DateTimeField(_("自评提交时间"), null=True, blank=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("年度任务清单")
        verbose_name_plural = _("年度任务清单")
        ordering = ["-year", "organisation__name"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "year"], name="uniq_task_list_per_year"),
        ]

    def __str__(self) -> str:
        return f"{self.organisation} {self.year}"

    @transition(field=status, source=[T.DRAFT, T.RETURNED], target=T.SUBMITTED)
    def submit(self, at) -> None:
        self.submitted_at, self.return_reason = at, ""

    @transition(field=status, source=T.SUBMITTED, target=T.DISTRICT_CONFIRMED)
    def confirm_district(self, by, at) -> None:
        self.district_confirmed_by, self.district_confirmed_at = by, at

    @transition(field=status, source=T.DISTRICT_CONFIRMED, target=T.CONFIRMED)
    def confirm_city(self, by, at) -> None:
        self.city_confirmed_by, self.city_confirmed_at = by, at

    @transition(field=status, source=[T.SUBMITTED, T.DISTRICT_CONFIRMED], target=T.RETURNED)
    def send_back(self, reason: str) -> None:
        self.return_reason = reason
        self.district_confirmed_by = self.district_confirmed_at = None

    @transition(field=status, source=T.CONFIRMED, target=T.ASSESSED)
    def assess(self, text: str, at) -> None:
        self.self_assessment, self.assessed_at = text, at


def evidence_path(instance, filename: str) -> str:
    return f"task-evidence/{instance.target.task_list_id}/{uuid.uuid4().hex}"


class TaskTarget(models.Model):
    """A target for one indicator (its code in ``filing.indicators.REGISTRY``). A computed indicator's
    actual value is read from the register; a reported one carries the college's report and evidence."""

    task_list = models.ForeignKey(AnnualTaskList, on_delete=models.CASCADE, related_name="targets")
    indicator = models.CharField(_("指标"), max_length=40)
    target = models.DecimalField(_("目标值"), max_digits=12, decimal_places=1)
    note = models.CharField(_("说明"), max_length=200, blank=True)
    reported_value = models.DecimalField(_("报告值"), max_digits=12, decimal_places=1, null=True, blank=True)
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    reported_at = models.DateTimeField(_("报告时间"), null=True, blank=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("核实人"),
    )
    confirmed_at = models.DateTimeField(_("核实时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("年度任务指标")
        verbose_name_plural = _("年度任务指标")
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(fields=["task_list", "indicator"], name="uniq_target_indicator"),
        ]

    def __str__(self) -> str:
        return f"{self.task_list} · {self.indicator}"


class TaskEvidence(models.Model):
    """A file backing a reported value (checked by content, stored under a random name)."""

    target = models.ForeignKey(TaskTarget, on_delete=models.CASCADE, related_name="evidence")
    file = models.FileField(upload_to=evidence_path)
    original_name = models.CharField(_("文件名"), max_length=200)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("指标佐证材料")
        verbose_name_plural = _("指标佐证材料")
        ordering = ["-uploaded_at"]

    def __str__(self) -> str:
        return self.original_name


class TrainingKind(models.TextChoices):
    HIGH_SKILL = "high_skill", _("高技能人才培训")
    EMPLOYEE = "employee", _("企业职工培训")
    STUDENT = "student", _("院校学生培训")
    SOCIAL = "social", _("社会人员培训")
    APPRENTICE = "apprentice", _("新型学徒制培训")


class TrainingClass(models.Model):
    """A training class a college ran (社会化培训, 一(一)2): kind, trainees, hours and completion."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="training_classes", verbose_name=_("单位")
    )
    title = models.CharField(_("班级名称"), max_length=120)
    kind = models.CharField(_("培训类型"), max_length=20, choices=TrainingKind.choices)
    occupation = models.ForeignKey(
        Occupation, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("职业")
    )
    starts_on = models.DateField(_("开班日期"))
    ends_on = models.DateField(_("结业日期"))
    trainees = models.PositiveIntegerField(_("培训人数"))
    hours = models.PositiveIntegerField(_("课时"))
    completed = models.PositiveIntegerField(_("结业人数"))
    row_number = models.PositiveIntegerField(_("导入行号"), null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("培训班")
        verbose_name_plural = _("培训班")
        ordering = ["-ends_on", "title"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(completed__lte=models.F("trainees")), name="completed_le"
            ),
            models.CheckConstraint(condition=models.Q(ends_on__gte=models.F("starts_on")), name="ends_after"),
        ]

    def __str__(self) -> str:
        return self.title


class ApprenticeshipAgreement(models.Model):
    """A 新型学徒制 agreement between the college and an enterprise, with its number of apprentices."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="apprenticeships", verbose_name=_("单位")
    )
    agreement_no = models.CharField(_("协议编号"), max_length=40)
    enterprise_name = models.CharField(_("合作企业"), max_length=100)
    occupation = models.ForeignKey(
        Occupation, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("职业")
    )
    apprentices = models.PositiveIntegerField(_("学徒人数"))
    signed_on = models.DateField(_("签订日期"))
    ends_on = models.DateField(_("培养期满"))
    row_number = models.PositiveIntegerField(_("导入行号"), null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("新型学徒制协议")
        verbose_name_plural = _("新型学徒制协议")
        ordering = ["-signed_on"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "agreement_no"], name="uniq_apprenticeship_no"),
        ]

    def __str__(self) -> str:
        return f"{self.agreement_no} {self.enterprise_name}"


class YearlyReport(ConcurrentTransitionMixin, models.Model):
    """The city's annual summary (PDF and Excel), generated in the background with its progress."""

    class State(models.TextChoices):
        PENDING = "pending", _("生成中")
        DONE = "done", _("已生成")
        FAILED = "failed", _("失败")

    year = models.PositiveSmallIntegerField(_("年度"))
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField(auto_now_add=True)
    state = FSMField(_("状态"), default=State.PENDING, choices=State.choices, protected=True)
    progress = models.PositiveSmallIntegerField(_("进度（%）"), default=0)
    pdf = models.BinaryField(editable=False, default=b"")
    xlsx = models.BinaryField(editable=False, default=b"")
    error = models.TextField(blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("年度报告")
        verbose_name_plural = _("年度报告")
        ordering = ["-requested_at"]

    def __str__(self) -> str:
        return f"{self.year} {self.get_state_display()}"

    @transition(field=state, source=State.PENDING, target=State.DONE)
    def finish(self, pdf: bytes, xlsx: bytes, at) -> None:
        self.pdf, self.xlsx, self.progress, self.finished_at = pdf, xlsx, 100, at

    @transition(field=state, source=State.PENDING, target=State.FAILED)
    def fail(self, error: str, at) -> None:
        self.error, self.finished_at = error[:2000], at
