"""特级技师 / 首席技师 评聘 (DOMAIN.md §8): only an enterprise appoints, only in an occupation with a 一级
level, only a holder of a valid 一级/高级技师 certificate of our register, for a term; the city reviews, the
appointment is publicised, then made."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django_fsm import ConcurrentTransitionMixin, FSMField, transition

from .bodies import EvaluationBody
from .certificates import Certificate
from .reference import EnterpriseGrade


class AppointmentStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    SUBMITTED = "submitted", _("待审核")
    PUBLICITY = "publicity", _("公示中")
    APPOINTED = "appointed", _("已聘任")
    REJECTED = "rejected", _("未通过")
    WITHDRAWN = "withdrawn", _("已撤回")


class TechnicianAppointment(ConcurrentTransitionMixin, models.Model):
    body = models.ForeignKey(EvaluationBody, on_delete=models.PROTECT, related_name="appointments")
    grade = models.CharField(
        _("聘任等级"),
        max_length=10,
        choices=[
            (EnterpriseGrade.PRINCIPAL_TECHNICIAN, EnterpriseGrade.PRINCIPAL_TECHNICIAN.label),
            (EnterpriseGrade.CHIEF_TECHNICIAN, EnterpriseGrade.CHIEF_TECHNICIAN.label),
        ],
    )
    certificate = models.ForeignKey(Certificate, on_delete=models.PROTECT, related_name="appointments")
    holder_name = models.CharField(_("姓名"), max_length=60)
    document_index = models.CharField(max_length=64, db_index=True)
    occupation_code = models.CharField(_("职业编码"), max_length=11)
    occupation_name = models.CharField(_("职业名称"), max_length=60)
    employee_number = models.CharField(_("工号"), max_length=30)
    post = models.CharField(_("岗位"), max_length=60)
    achievements = models.TextField(_("主要业绩"))
    term_start = models.DateField(_("聘期起"))
    term_end = models.DateField(_("聘期止"))
    status = FSMField(
        _("状态"), default=AppointmentStatus.DRAFT, choices=AppointmentStatus.choices, protected=True
    )
    review_comment = models.TextField(_("审核意见"), blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    publicity_starts_on = models.DateField(_("公示开始"), null=True, blank=True)
    publicity_ends_on = models.DateField(_("公示结束"), null=True, blank=True)
    appointed_on = models.DateField(_("聘任日期"), null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    #: The expiry reminder was sent (one per appointment).
    reminded_on = models.DateField(null=True, blank=True)

    class Meta:
        verbose_name = _("特级技师/首席技师评聘")
        verbose_name_plural = _("特级技师/首席技师评聘")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.holder_name}：{self.get_grade_display()}（{self.occupation_name}）"

    def in_force(self, on) -> bool:
        return self.status == AppointmentStatus.APPOINTED and self.term_start <= on <= self.term_end

    @transition(field=status, source=AppointmentStatus.DRAFT, target=AppointmentStatus.SUBMITTED)
    def submit(self) -> None:
        pass

    @transition(field=status, source=AppointmentStatus.SUBMITTED, target=AppointmentStatus.PUBLICITY)
    def approve(self, *, by, comment: str, starts_on, ends_on) -> None:
        self.reviewed_by, self.review_comment = by, comment
        self.publicity_starts_on, self.publicity_ends_on = starts_on, ends_on

    @transition(field=status, source=AppointmentStatus.SUBMITTED, target=AppointmentStatus.REJECTED)
    def reject(self, *, by, comment: str) -> None:
        self.reviewed_by, self.review_comment = by, comment

    @transition(field=status, source=AppointmentStatus.PUBLICITY, target=AppointmentStatus.APPOINTED)
    def appoint(self, on) -> None:
        self.appointed_on = on

    @transition(
        field=status,
        source=[AppointmentStatus.DRAFT, AppointmentStatus.SUBMITTED, AppointmentStatus.PUBLICITY],
        target=AppointmentStatus.WITHDRAWN,
    )
    def withdraw(self) -> None:
        pass
