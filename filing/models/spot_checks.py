"""双随机一公开: a recorded random draw of bodies to inspect and of inspectors from the city's register for
each, reproducible from its seed; inspectors' declared relations to bodies (利害关系), which the draw never
crosses; the inspection record of each drawn body."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django_fsm import ConcurrentTransitionMixin, FSMField, transition

from .bodies import EvaluationBody
from .evaluations import Evaluator
from .supervision import RectificationOrder


class RelationKind(models.TextChoices):
    EMPLOYED = "employed", _("现在或曾在该机构任职")
    RELATIVE = "relative", _("近亲属在该机构任职或就读")
    OTHER = "other", _("其他利害关系")


class InspectorRelation(models.Model):
    """An inspector's declared relation to a body: the draw never sends them there."""

    inspector = models.ForeignKey(Evaluator, on_delete=models.CASCADE, related_name="body_relations")
    body = models.ForeignKey(EvaluationBody, on_delete=models.CASCADE, related_name="inspector_relations")
    relation = models.CharField(_("关系"), max_length=10, choices=RelationKind.choices)
    note = models.CharField(_("说明"), max_length=200, blank=True)
    declared_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    declared_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("检查人员利害关系")
        verbose_name_plural = _("检查人员利害关系")
        constraints = [models.UniqueConstraint(fields=["inspector", "body"], name="uniq_inspector_relation")]

    def __str__(self) -> str:
        return f"{self.inspector.name} — {self.body.name}"


class DrawKind(models.TextChoices):
    ANNUAL = "annual", _("年度抽查")
    SPECIAL = "special", _("专项抽查")


class SpotCheckDraw(models.Model):
    """One draw. The candidates and exclusions as they stood are recorded with the seed, so anyone can
    recompute the same result (``filing.services.spot_checks.redraw``)."""

    year = models.PositiveSmallIntegerField(_("年度"))
    kind = models.CharField(_("抽查类型"), max_length=10, choices=DrawKind.choices, default=DrawKind.ANNUAL)
    title = models.CharField(_("抽查名称"), max_length=100)
    seed = models.CharField(_("随机种子"), max_length=64)
    body_count = models.PositiveIntegerField(_("抽取机构数"))
    inspectors_per_body = models.PositiveIntegerField(_("每家检查人员数"))
    candidate_bodies = models.JSONField(_("备选机构"), default=list)
    candidate_inspectors = models.JSONField(_("备选检查人员"), default=list)
    exclusions = models.JSONField(_("回避关系"), default=dict)
    drawn_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    drawn_at = models.DateTimeField(_("抽取时间"), auto_now_add=True)
    published_at = models.DateTimeField(_("公开时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("双随机抽查")
        verbose_name_plural = _("双随机抽查")
        ordering = ["-drawn_at", "-pk"]

    def __str__(self) -> str:
        return self.title


class CheckResult(models.TextChoices):
    PASSED = "passed", _("合格")
    MINOR = "minor", _("基本合格，当场整改")
    FAILED = "failed", _("不合格，责令整改")


class CheckStatus(models.TextChoices):
    DRAWN = "drawn", _("待检查")
    INSPECTED = "inspected", _("已检查")


class SpotCheck(ConcurrentTransitionMixin, models.Model):
    draw = models.ForeignKey(SpotCheckDraw, on_delete=models.CASCADE, related_name="checks")
    body = models.ForeignKey(EvaluationBody, on_delete=models.PROTECT, related_name="spot_checks")
    inspectors = models.ManyToManyField(Evaluator, related_name="spot_checks", verbose_name=_("检查人员"))
    position = models.PositiveIntegerField(_("抽取顺序"))
    status = FSMField(_("状态"), default=CheckStatus.DRAWN, choices=CheckStatus.choices, protected=True)
    inspected_on = models.DateField(_("检查日期"), null=True, blank=True)
    result = models.CharField(_("检查结果"), max_length=10, choices=CheckResult.choices, blank=True)
    findings = models.TextField(_("检查情况"), blank=True)
    rectification = models.ForeignKey(
        RectificationOrder, on_delete=models.PROTECT, null=True, blank=True, related_name="spot_checks"
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("抽查记录")
        verbose_name_plural = _("抽查记录")
        ordering = ["draw", "position"]
        constraints = [models.UniqueConstraint(fields=["draw", "body"], name="uniq_spot_check_body")]

    def __str__(self) -> str:
        return f"{self.draw.title}：{self.body.name}"

    @transition(field=status, source=CheckStatus.DRAWN, target=CheckStatus.INSPECTED)
    def record(self, *, on, result: str, findings: str, by) -> None:
        self.inspected_on, self.result, self.findings, self.recorded_by = on, result, findings, by
