"""Partner agreements (校企合作协议 / 委托评价协议): how a school covers the majors it does not
evaluate itself."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from .bodies import EvaluationBody
from .organisations import Organisation
from .reference import OccupationLevel


class PartnerAgreement(models.Model):
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
    revoked_at = models.DateTimeField(_("终止时间"), null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

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

    def is_valid_on(self, day) -> bool:
        return self.revoked_at is None and self.valid_from <= day <= self.valid_until
