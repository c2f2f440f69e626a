"""Reference data: districts, skill levels, occupations of the 国家职业分类大典 (2022) and their offerings."""

from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _


class Level(models.IntegerChoices):
    """The five national skill levels; the value is the digit printed in certificate numbers."""

    LEVEL_5 = 5, _("五级/初级工")
    LEVEL_4 = 4, _("四级/中级工")
    LEVEL_3 = 3, _("三级/高级工")
    LEVEL_2 = 2, _("二级/技师")
    LEVEL_1 = 1, _("一级/高级技师")

    @classmethod
    def needs_comprehensive_review(cls, level: int) -> bool:
        """Levels 2 and 1 add a 综合评审 to theory and skill (DOMAIN.md §4)."""
        return level <= 2


class EnterpriseGrade(models.TextChoices):
    """Grades only enterprises award, outside the five-level ladder (DOMAIN.md §4)."""

    APPRENTICE = "apprentice", _("学徒工")
    PRINCIPAL_TECHNICIAN = "principal", _("特级技师")
    CHIEF_TECHNICIAN = "chief", _("首席技师")


class AssessmentPart(models.TextChoices):
    THEORY = "theory", _("理论知识考试")
    SKILL = "skill", _("操作技能考核")
    REVIEW = "review", _("综合评审")


def default_parts(level: int) -> list[str]:
    parts = [AssessmentPart.THEORY.value, AssessmentPart.SKILL.value]
    if Level.needs_comprehensive_review(level):
        parts.append(AssessmentPart.REVIEW.value)
    return parts


class District(models.Model):
    """A district of Shanghai with its GB/T 2260 code; filings are routed to its HR bureau."""

    code = models.CharField(_("行政区划代码"), max_length=6, unique=True)
    name = models.CharField(_("名称"), max_length=20, unique=True)
    bureau_name = models.CharField(_("人社局名称"), max_length=40)

    class Meta:
        verbose_name = _("区")
        verbose_name_plural = _("区")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class Occupation(models.Model):
    """An occupation (职业) of the 国家职业分类大典 (2022), e.g. 6-18-01-01 车工."""

    code = models.CharField(
        _("职业编码"),
        max_length=11,
        unique=True,
        validators=[RegexValidator(r"^\d-\d{2}-\d{2}-\d{2}$", _("职业编码格式应为 X-XX-XX-XX。"))],
    )
    name = models.CharField(_("职业名称"), max_length=60)
    standard = models.CharField(_("国家职业技能标准"), max_length=120, blank=True)
    source = models.CharField(_("来源"), max_length=300, blank=True)
    is_active = models.BooleanField(_("有效"), default=True)

    class Meta:
        verbose_name = _("职业")
        verbose_name_plural = _("职业")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    @property
    def major_group(self) -> str:
        """The 大类 digit (1–8) of the code."""
        return self.code[0]


class WorkType(models.Model):
    """A work type (工种) within an occupation, e.g. 数控车工 under 车工."""

    occupation = models.ForeignKey(Occupation, on_delete=models.CASCADE, related_name="work_types")
    name = models.CharField(_("工种名称"), max_length=60)

    class Meta:
        verbose_name = _("工种")
        verbose_name_plural = _("工种")
        ordering = ["occupation__code", "name"]
        constraints = [
            models.UniqueConstraint(fields=["occupation", "name"], name="uniq_worktype_per_occupation")
        ]

    def __str__(self) -> str:
        return f"{self.occupation.name}（{self.name}）"


class OccupationLevel(models.Model):
    """One (occupation, work type or none, level) that the occupation standard defines, with the parts its
    assessment needs. Not every pair exists: filing lines must be one of these rows."""

    occupation = models.ForeignKey(Occupation, on_delete=models.CASCADE, related_name="offerings")
    work_type = models.ForeignKey(
        WorkType, on_delete=models.CASCADE, null=True, blank=True, related_name="offerings"
    )
    level = models.PositiveSmallIntegerField(_("等级"), choices=Level.choices)
    parts = models.JSONField(_("考核方式"), default=list, help_text=_("theory / skill / review"))

    class Meta:
        verbose_name = _("职业等级设置")
        verbose_name_plural = _("职业等级设置")
        ordering = ["occupation__code", "work_type__name", "-level"]
        constraints = [
            models.UniqueConstraint(
                fields=["occupation", "work_type", "level"],
                condition=models.Q(work_type__isnull=False),
                name="uniq_offering_with_work_type",
            ),
            models.UniqueConstraint(
                fields=["occupation", "level"],
                condition=models.Q(work_type__isnull=True),
                name="uniq_offering_without_work_type",
            ),
        ]

    def __str__(self) -> str:
        wt = self.work_type.name if self.work_type_id else "--"
        return f"{self.occupation.name} / {wt} / {self.get_level_display()}"
