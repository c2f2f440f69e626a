"""Evaluation bodies (评价机构) created by approved filings, and their filed scope lines."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django_fsm import RETURN_VALUE, ConcurrentTransitionMixin, FSMField, transition

from .organisations import Organisation
from .reference import OccupationLevel


class BodyCategory(models.TextChoices):
    """First character of the certificate number: Y 用人单位 / S 社会培训评价组织."""

    EMPLOYER = "Y", _("用人单位（Y）")
    SOCIAL_ORG = "S", _("社会培训评价组织（S）")


class BodyStatus(models.TextChoices):
    ACTIVE = "active", _("正常")
    RECTIFICATION = "rectification", _("整改中")
    SUSPENDED = "suspended", _("暂停")
    EXIT_REQUESTED = "exit_requested", _("申请退出")
    EXITED = "exited", _("已退出")
    REVOKED = "revoked", _("已撤销")


#: Filed and not gone: such a body can be inspected, complained about, and is listed as filed.
STILL_FILED = (BodyStatus.ACTIVE, BodyStatus.RECTIFICATION, BodyStatus.SUSPENDED, BodyStatus.EXIT_REQUESTED)


class EvaluationBody(ConcurrentTransitionMixin, models.Model):
    """A filed evaluation body. Its code (category + ministry code + province + 6-digit serial) prefixes the
    numbers of the certificates it issues."""

    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="bodies")
    category = models.CharField(_("机构类别"), max_length=1, choices=BodyCategory.choices)
    ministry_code = models.CharField(_("部级机构代码"), max_length=4, default="0000")
    province_code = models.CharField(_("省份代码"), max_length=2, default="31")
    serial = models.CharField(_("机构序号"), max_length=6, unique=True)
    name = models.CharField(_("机构名称（以备案为准）"), max_length=100)
    status = FSMField(_("状态"), default=BodyStatus.ACTIVE, choices=BodyStatus.choices, protected=True)
    banned_until = models.DateField(_("禁止再申请至"), null=True, blank=True)
    filed_on = models.DateField(_("备案日期"))

    class Meta:
        verbose_name = _("评价机构")
        verbose_name_plural = _("评价机构")
        constraints = [
            models.UniqueConstraint(fields=["organisation", "category"], name="uniq_body_per_org_category")
        ]

    def __str__(self) -> str:
        return f"{self.name}（{self.code}）"

    @property
    def code(self) -> str:
        return f"{self.category}{self.ministry_code}{self.province_code}{self.serial}"

    @transition(field=status, source=BodyStatus.ACTIVE, target=BodyStatus.RECTIFICATION)
    def order_rectification(self) -> None:
        """整改: the body keeps its certificates but may not plan new evaluations."""

    @transition(field=status, source=BodyStatus.RECTIFICATION, target=BodyStatus.ACTIVE)
    def complete_rectification(self) -> None:
        pass

    @transition(
        field=status, source=[BodyStatus.ACTIVE, BodyStatus.RECTIFICATION], target=BodyStatus.SUSPENDED
    )
    def suspend(self) -> None:
        pass

    @transition(field=status, source=BodyStatus.SUSPENDED, target=BodyStatus.ACTIVE)
    def resume(self) -> None:
        pass

    @transition(
        field=status,
        source=[BodyStatus.ACTIVE, BodyStatus.RECTIFICATION, BodyStatus.SUSPENDED],
        target=BodyStatus.EXIT_REQUESTED,
    )
    def request_exit(self) -> None:
        pass

    @transition(field=status, source=BodyStatus.EXIT_REQUESTED, target=BodyStatus.EXITED)
    def exit(self) -> None:
        pass

    @transition(
        field=status,
        source=BodyStatus.EXIT_REQUESTED,
        target=RETURN_VALUE(BodyStatus.ACTIVE, BodyStatus.RECTIFICATION, BodyStatus.SUSPENDED),
    )
    def keep(self, previous: str) -> str:
        """The exit request is withdrawn or refused: the body returns to the status it requested exit from."""
        return previous

    @transition(
        field=status,
        source=[BodyStatus.ACTIVE, BodyStatus.RECTIFICATION, BodyStatus.SUSPENDED, BodyStatus.EXIT_REQUESTED],
        target=BodyStatus.REVOKED,
    )
    def revoke(self, banned_until) -> None:
        self.banned_until = banned_until


class BodySerialCounter(models.Model):
    """The province's next body serial, locked ``FOR UPDATE`` when a body is created (never ``max()+1``)."""

    province_code = models.CharField(max_length=2, primary_key=True)
    next_serial = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("机构序号计数器")
        verbose_name_plural = _("机构序号计数器")

    def __str__(self) -> str:
        return f"{self.province_code}: {self.next_serial}"


class FiledLineStatus(models.TextChoices):
    ACTIVE = "active", _("有效")
    SUSPENDED = "suspended", _("暂停")
    WITHDRAWN = "withdrawn", _("已取消")


class FiledLine(ConcurrentTransitionMixin, models.Model):
    """One (occupation, work type, level) a body may evaluate, effective from the end of its publicity."""

    body = models.ForeignKey(EvaluationBody, on_delete=models.CASCADE, related_name="lines")
    offering = models.ForeignKey(OccupationLevel, on_delete=models.PROTECT, related_name="filed_lines")
    application = models.ForeignKey(
        "filing.FilingApplication", on_delete=models.PROTECT, related_name="filed_lines"
    )
    effective_from = models.DateField(_("生效日期"))
    status = FSMField(
        _("状态"), default=FiledLineStatus.ACTIVE, choices=FiledLineStatus.choices, protected=True
    )

    class Meta:
        verbose_name = _("备案职业（工种）等级")
        verbose_name_plural = _("备案职业（工种）等级")
        constraints = [models.UniqueConstraint(fields=["body", "offering"], name="uniq_filed_line")]

    def __str__(self) -> str:
        return f"{self.body.name}: {self.offering}"

    @transition(field=status, source="*", target=FiledLineStatus.ACTIVE)
    def refile(self, application, effective_from) -> None:
        """A later filing (an extension) approves the line again: active from its own filing date."""
        self.application, self.effective_from = application, effective_from

    @transition(field=status, source=FiledLineStatus.ACTIVE, target=FiledLineStatus.SUSPENDED)
    def suspend(self) -> None:
        pass

    @transition(field=status, source=FiledLineStatus.SUSPENDED, target=FiledLineStatus.ACTIVE)
    def reinstate(self) -> None:
        pass

    @transition(
        field=status,
        source=[FiledLineStatus.ACTIVE, FiledLineStatus.SUSPENDED],
        target=FiledLineStatus.WITHDRAWN,
    )
    def withdraw(self) -> None:
        pass
