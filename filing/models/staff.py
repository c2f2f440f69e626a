"""Enterprise self-evaluation (企业自主评价, DOMAIN.md §8): an enterprise's staff register (职工名册), its
imports, and the worker 申报条件 per occupation and level that the eligibility engine evaluates."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from filing.validators import DocumentType

from .organisations import Organisation
from .reference import Level, Occupation


class Education(models.TextChoices):
    """A qualifying education a 申报条件 may accept (本专业毕业)."""

    TECHNICIAN_SCHOOL = "technician_school", _("技工院校本专业毕业")
    SECONDARY_VOCATIONAL = "secondary_vocational", _("中职本专业毕业")
    SENIOR_TECHNICIAN_SCHOOL = "senior_technician_school", _("高级技工学校、技师学院本专业毕业")
    HIGHER_VOCATIONAL = "higher_vocational", _("高职（大专）本专业毕业")
    UNDERGRADUATE = "undergraduate", _("本科及以上本专业毕业")


class StaffMember(models.Model):
    """One employee of an enterprise: the ID number encrypted and indexed exactly as a candidate's
    (:mod:`filing.pii`), the post (技能岗位 or not) and the post's occupation, which the 人人持证 indicator
    (:mod:`filing.holding`) compares with the register of certificates."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="staff", verbose_name=_("企业")
    )
    employee_number = models.CharField(_("工号"), max_length=30)
    name = models.CharField(_("姓名"), max_length=60)
    document_type = models.CharField(_("证件类型"), max_length=20, choices=DocumentType.choices)
    document_encrypted = models.TextField()
    document_index = models.CharField(max_length=64, db_index=True)
    document_masked = models.CharField(_("证件号码"), max_length=32)
    department = models.CharField(_("部门"), max_length=60, blank=True)
    post = models.CharField(_("岗位"), max_length=60)
    skilled_post = models.BooleanField(_("技能岗位"))
    occupation = models.ForeignKey(
        Occupation,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("岗位对应职业"),
    )
    hired_on = models.DateField(_("入职日期"))
    left_on = models.DateField(_("离职日期"), null=True, blank=True)
    years_in_occupation = models.DecimalField(
        _("从事本职业年限"), max_digits=4, decimal_places=1, null=True, blank=True
    )
    version = models.PositiveIntegerField(default=1)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("职工")
        verbose_name_plural = _("职工名册")
        ordering = ["organisation", "department", "employee_number"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "employee_number"], name="uniq_staff_number"),
            models.UniqueConstraint(fields=["organisation", "document_index"], name="uniq_staff_person"),
        ]

    def __str__(self) -> str:
        return f"{self.employee_number} {self.name}"

    def employed_on(self, day) -> bool:
        return self.hired_on <= day and (self.left_on is None or self.left_on > day)


class StaffImport(models.Model):
    """One uploaded staff file and its outcome; a rejected file leaves its per-row report here only."""

    class Outcome(models.TextChoices):
        ACCEPTED = "accepted", _("已导入")
        REJECTED = "rejected", _("已拒绝")

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="staff_imports")
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(auto_now_add=True)
    file_name = models.CharField(max_length=200)
    sha256 = models.CharField(max_length=64)
    outcome = models.CharField(max_length=10, choices=Outcome.choices)
    rows = models.PositiveIntegerField(default=0)
    created = models.PositiveIntegerField(default=0)
    updated = models.PositiveIntegerField(default=0)
    #: [{"row": 5, "column": "证件号码", "reason": "..."}] — never contains a clear ID number
    report = models.JSONField(default=list)
    layout = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name = _("职工名册导入")
        verbose_name_plural = _("职工名册导入")
        ordering = ["-uploaded_at"]

    def __str__(self) -> str:
        return f"{self.file_name} {self.get_outcome_display()}"


class WorkerCondition(models.Model):
    """One alternative of a worker's 申报条件 for an occupation and level (no occupation: the default for
    every occupation without its own rows). Alternatives of one (occupation, level) are "any one suffices";
    inside an alternative every requirement given must hold: a certificate of this occupation at
    ``prior_level`` or higher, at least ``years`` in the occupation (counted after that certificate when
    the certificate is ours and its issue date known), and one of the ``education`` kinds."""

    occupation = models.ForeignKey(
        Occupation,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="worker_conditions",
        verbose_name=_("职业"),
        help_text=_("不填为所有未单独设置的职业的默认条件。"),
    )
    level = models.PositiveSmallIntegerField(_("申报等级"), choices=Level.choices)
    position = models.PositiveSmallIntegerField(_("序号"), default=1)
    prior_level = models.PositiveSmallIntegerField(
        _("须持证书等级"), choices=Level.choices, null=True, blank=True, help_text=_("本职业该等级或更高等级")
    )
    years = models.DecimalField(
        _("从事本职业年限（年以上）"), max_digits=4, decimal_places=1, null=True, blank=True
    )
    education = models.JSONField(
        _("学历（任一）"), default=list, blank=True, help_text=_("可选值：") + ", ".join(Education.values)
    )
    description = models.CharField(_("条件表述"), max_length=200)
    basis = models.CharField(_("依据"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("职工申报条件")
        verbose_name_plural = _("职工申报条件")
        ordering = ["occupation", "-level", "position"]
        constraints = [
            models.UniqueConstraint(fields=["occupation", "level", "position"], name="uniq_worker_condition"),
        ]

    def __str__(self) -> str:
        where = self.occupation or _("默认")
        return f"{where} {self.get_level_display()}（{self.position}）：{self.description}"
