"""The enterprise's other ways to a certificate (DOMAIN.md §8): 直接认定 (the evidence of an outstanding
front-line worker, reviewed by experts) and 以赛促评 (a competition's results promoted under a rule table).
Both end in a plan of their method (``EvaluationPlan.method``) and go on through the same publicity,
results audit and issuance as every plan; what each method means is ``filing.methods``."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django_fsm import ConcurrentTransitionMixin, FSMField, transition

from .bodies import EvaluationBody
from .candidates import Candidate, Registration
from .reference import Level, Occupation


class RecognitionEvidence(models.Model):
    """What a direct recognition is decided on: the worker's achievements, awards, patents, problems solved
    and apprentices trained, and a work sample (described, optionally a file)."""

    registration = models.OneToOneField(
        Registration, on_delete=models.CASCADE, related_name="evidence", verbose_name=_("报名")
    )
    employee_number = models.CharField(_("工号"), max_length=30, blank=True)
    post = models.CharField(_("岗位"), max_length=60)
    years_in_occupation = models.PositiveSmallIntegerField(_("从事本职业年限"), null=True, blank=True)
    achievements = models.TextField(_("主要业绩"))
    awards = models.TextField(_("获奖情况"), blank=True)
    patents = models.TextField(_("专利与技术成果"), blank=True)
    problems_solved = models.TextField(_("解决的技术难题"), blank=True)
    apprentices = models.TextField(_("带徒传技"), blank=True)
    work_sample = models.TextField(_("作品或工作样本"), blank=True)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("直接认定材料")
        verbose_name_plural = _("直接认定材料")

    def __str__(self) -> str:
        return f"{self.registration_id}: {self.post}"


class CompetitionLevel(models.TextChoices):
    NATIONAL = "national", _("国家级")
    CITY_FIRST = "city_1", _("市级一类")
    CITY_SECOND = "city_2", _("市级二类")
    DISTRICT = "district", _("区级")
    ENTERPRISE = "enterprise", _("企业级（院校级）")


class PromotionRule(models.Model):
    """One row of the published promotion rules (以赛促评): which ranks of a competition of this level are
    promoted, by how many levels, to at most which level, and how often per person and year. Editing the
    table (admin) changes the outcome of the next decision without a code change."""

    competition_level = models.CharField(
        _("竞赛级别"), max_length=12, choices=CompetitionLevel.choices, unique=True
    )
    top_ranks = models.PositiveSmallIntegerField(
        _("前N名"), null=True, blank=True, help_text=_("名次不超过N可晋升；与比例二选一。")
    )
    top_percent = models.PositiveSmallIntegerField(
        _("前百分比"), null=True, blank=True, help_text=_("名次在参赛人数的前百分之N以内可晋升。")
    )
    steps = models.PositiveSmallIntegerField(_("晋升等级数"), default=1)
    highest_level = models.PositiveSmallIntegerField(
        _("最高可晋升至"), choices=Level.choices, default=Level.LEVEL_2
    )
    level_without_certificate = models.PositiveSmallIntegerField(
        _("无证书者认定等级"),
        choices=Level.choices,
        null=True,
        blank=True,
        help_text=_("未持本职业证书的获奖者可认定的等级；不填则不予晋升。"),
    )
    per_person_per_year = models.PositiveSmallIntegerField(_("每人每年至多晋升次数"), default=1)
    basis = models.CharField(_("依据"), max_length=200, blank=True)
    active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("竞赛晋升规则")
        verbose_name_plural = _("竞赛晋升规则")
        ordering = ["pk"]

    def __str__(self) -> str:
        limit = (
            _("前%(n)d名") % {"n": self.top_ranks}
            if self.top_ranks
            else _("前%(p)d%%") % {"p": self.top_percent or 0}
        )
        return f"{self.get_competition_level_display()}{limit}"


class CompetitionStatus(models.TextChoices):
    RECORDED = "recorded", _("已登记")
    RESULTS = "results", _("成绩已导入")
    DECIDED = "decided", _("晋升已评定")


class Competition(ConcurrentTransitionMixin, models.Model):
    """A skills competition (职业技能竞赛) in the register of the body that promotes its winners."""

    body = models.ForeignKey(
        EvaluationBody, on_delete=models.PROTECT, related_name="competitions", verbose_name=_("评价机构")
    )
    name = models.CharField(_("竞赛名称"), max_length=120)
    level = models.CharField(_("竞赛级别"), max_length=12, choices=CompetitionLevel.choices)
    organiser = models.CharField(_("主办单位"), max_length=120)
    occupation = models.ForeignKey(
        Occupation, on_delete=models.PROTECT, related_name="+", verbose_name=_("职业")
    )
    held_on = models.DateField(_("竞赛日期"))
    participants = models.PositiveIntegerField(_("参赛人数"))
    status = FSMField(
        _("状态"), default=CompetitionStatus.RECORDED, choices=CompetitionStatus.choices, protected=True
    )
    results_file = models.CharField(_("成绩文件"), max_length=200, blank=True)
    results_report = models.JSONField(_("导入报告"), default=list, blank=True)
    decided_at = models.DateTimeField(_("评定时间"), null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("职业技能竞赛")
        verbose_name_plural = _("职业技能竞赛")
        ordering = ["-held_on", "-pk"]

    def __str__(self) -> str:
        return f"{self.name}（{self.get_level_display()}）"

    @transition(
        field=status,
        source=[CompetitionStatus.RECORDED, CompetitionStatus.RESULTS],
        target=CompetitionStatus.RESULTS,
    )
    def import_results(self, file_name: str) -> None:
        self.results_file = file_name[:200]

    @transition(field=status, source=CompetitionStatus.RESULTS, target=CompetitionStatus.DECIDED)
    def decide(self, at) -> None:
        self.decided_at = at


class CompetitionResult(models.Model):
    competition = models.ForeignKey(Competition, on_delete=models.CASCADE, related_name="results")
    row_number = models.PositiveIntegerField(_("行号"))
    candidate = models.ForeignKey(Candidate, on_delete=models.PROTECT, related_name="+")
    rank = models.PositiveIntegerField(_("名次"))
    award = models.CharField(_("奖项"), max_length=60, blank=True)
    employee_number = models.CharField(_("工号"), max_length=30, blank=True)

    class Meta:
        verbose_name = _("竞赛成绩")
        verbose_name_plural = _("竞赛成绩")
        ordering = ["competition", "rank", "row_number"]
        constraints = [
            models.UniqueConstraint(fields=["competition", "candidate"], name="uniq_competition_result")
        ]

    def __str__(self) -> str:
        return f"{self.competition_id} #{self.rank}"


class PromotionDecision(models.Model):
    """The rule table's answer for one result, with the checks it was made from; a promoted person is
    enrolled (``registration``) in a 以赛促评 plan of the target level."""

    result = models.OneToOneField(CompetitionResult, on_delete=models.CASCADE, related_name="decision")
    promoted = models.BooleanField(_("晋升"))
    rule = models.ForeignKey(
        PromotionRule,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("规则"),
    )
    from_level = models.PositiveSmallIntegerField(_("原等级"), choices=Level.choices, null=True, blank=True)
    to_level = models.PositiveSmallIntegerField(_("晋升至"), choices=Level.choices, null=True, blank=True)
    #: The calendar year the promotion counts in (the competition's), for the per-person limit.
    year = models.PositiveSmallIntegerField(_("年度"))
    document_index = models.CharField(max_length=64, db_index=True)
    checks = models.JSONField(_("评定记录"), default=list)
    reason = models.TextField(_("理由"))
    registration = models.OneToOneField(
        Registration, on_delete=models.PROTECT, null=True, blank=True, related_name="promotion"
    )

    class Meta:
        verbose_name = _("竞赛晋升评定")
        verbose_name_plural = _("竞赛晋升评定")
        ordering = ["result__rank", "pk"]

    def __str__(self) -> str:
        return f"{self.result_id}: {self.reason}"
