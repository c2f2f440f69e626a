"""Vocational skill level certificates (职业技能等级证书), their numbering counters, issuance batches and the
national report."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django_fsm import ConcurrentTransitionMixin, FSMField, transition

from filing.validators import DocumentType

from .bodies import EvaluationBody
from .candidates import Registration
from .evaluations import EvaluationPlan


class CertificateCounter(models.Model):
    """The next serial per (body, issue year, level): locked ``FOR UPDATE`` inside the issuing transaction,
    so numbers are gapless and never reused (never ``max()+1``, never a database sequence)."""

    body = models.ForeignKey(EvaluationBody, on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField()
    level = models.PositiveSmallIntegerField()
    next_serial = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("证书编号计数器")
        verbose_name_plural = _("证书编号计数器")
        constraints = [
            models.UniqueConstraint(fields=["body", "year", "level"], name="uniq_certificate_counter")
        ]

    def __str__(self) -> str:
        return f"{self.body_id}/{self.year}/{self.level}: {self.next_serial}"


class IssuanceBatch(ConcurrentTransitionMixin, models.Model):
    class State(models.TextChoices):
        PENDING = "pending", _("排队中")
        DONE = "done", _("已完成")
        FAILED = "failed", _("失败")

    plan = models.ForeignKey(EvaluationPlan, on_delete=models.PROTECT, related_name="issuance_batches")
    idempotency_key = models.CharField(max_length=80, unique=True)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField(auto_now_add=True)
    issue_date = models.DateField(_("发证日期"))
    state = FSMField(_("状态"), default=State.PENDING, choices=State.choices, protected=True)
    total = models.PositiveIntegerField(default=0)
    issued = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("证书发放批次")
        verbose_name_plural = _("证书发放批次")
        ordering = ["-requested_at"]

    def __str__(self) -> str:
        return f"{self.plan} {self.get_state_display()}"

    @transition(field=state, source=State.PENDING, target=State.DONE)
    def finish(self, issued: int, at) -> None:
        self.issued = self.total = issued
        self.finished_at = at

    @transition(field=state, source=State.PENDING, target=State.FAILED)
    def fail(self, error: str, at) -> None:
        self.error, self.finished_at = error[:2000], at


class CertificateStatus(models.TextChoices):
    VALID = "valid", _("有效")
    SUPERSEDED = "superseded", _("已更正（旧版）")
    REVOKED = "revoked", _("已撤销")


class ReportState(models.TextChoices):
    """Where a national report (or one record of it) stands; a certificate not (or no longer) in a report is
    pending. A report is acknowledged once the national system has answered every record; a record is
    acknowledged (接收) or rejected (退回)."""

    PENDING = "pending", _("待上报")
    REPORTED = "reported", _("已上报")
    ACKNOWLEDGED = "acknowledged", _("已确认")
    REJECTED = "rejected", _("已退回")


class Certificate(ConcurrentTransitionMixin, models.Model):
    """One version of a certificate. A reissue keeps the row (new print serial, version+1); a correction
    adds a new row with the same number and supersedes the old one; revocation is final."""

    number = models.CharField(_("证书编号"), max_length=40, db_index=True)
    version = models.PositiveSmallIntegerField(_("版本"), default=1)
    status = FSMField(
        _("状态"), default=CertificateStatus.VALID, choices=CertificateStatus.choices, protected=True
    )
    registration = models.ForeignKey(Registration, on_delete=models.PROTECT, related_name="certificates")
    batch = models.ForeignKey(
        IssuanceBatch, on_delete=models.PROTECT, null=True, blank=True, related_name="certificates"
    )
    body = models.ForeignKey(EvaluationBody, on_delete=models.PROTECT, related_name="certificates")
    corrects = models.OneToOneField(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="corrected_by"
    )
    # Holder snapshot: no clear ID number, ever.
    holder_name = models.CharField(_("姓名"), max_length=60)
    document_type = models.CharField(_("证件类型"), max_length=20, choices=DocumentType.choices)
    document_masked = models.CharField(_("证件号码"), max_length=32)
    document_index = models.CharField(max_length=64, db_index=True)
    occupation_code = models.CharField(_("职业编码"), max_length=11)
    occupation_name = models.CharField(_("职业名称"), max_length=60)
    work_type = models.CharField(_("工种"), max_length=60, default="--")
    level = models.PositiveSmallIntegerField(_("等级"))
    level_label = models.CharField(_("等级名称"), max_length=20)
    body_name = models.CharField(_("评价机构"), max_length=100)
    issue_date = models.DateField(_("发证日期"))
    print_serial = models.PositiveIntegerField(_("印制流水号"), default=1)
    verification_token = models.CharField(max_length=64, unique=True)
    revoked_reason = models.TextField(_("撤销理由"), blank=True)
    revoked_authority = models.CharField(_("撤销机关"), max_length=100, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    revoked_on = models.DateField(_("撤销日期"), null=True, blank=True)
    pdf = models.FileField(upload_to="certificates/", blank=True)
    pdf_version = models.PositiveSmallIntegerField(null=True, blank=True)
    #: The national report that carries this version's latest change (issue, correction, revocation); None
    #: while that change is still to be reported. Its state is the report's own, never copied here.
    report = models.ForeignKey(
        "filing.NationalReport", on_delete=models.SET_NULL, null=True, blank=True, related_name="certificates"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("职业技能等级证书")
        verbose_name_plural = _("职业技能等级证书")
        ordering = ["number", "-version"]
        permissions = [
            ("revoke_certificate", _("撤销证书")),
            ("export_national_report", _("导出全国联网上报数据")),
        ]
        constraints = [
            models.UniqueConstraint(fields=["number", "version"], name="uniq_certificate_version"),
            models.UniqueConstraint(
                fields=["number"], condition=~models.Q(status="superseded"), name="one_current_version"
            ),
        ]
        indexes = [models.Index(fields=["body", "issue_date"], name="cert_body_date_idx")]

    def __str__(self) -> str:
        return f"{self.number} v{self.version} {self.holder_name}"

    @property
    def report_state(self) -> str:
        """Pending until a national report carries this version's latest change; then the national system's
        answer to that record (reported while unanswered). Reads ``national_records`` (prefetch it)."""
        if self.report_id is None:
            return ReportState.PENDING
        for record in self.national_records.all():
            if record.report_id == self.report_id:
                return record.result
        return ReportState.REPORTED

    def get_report_state_display(self) -> str:
        return str(ReportState(self.report_state).label)

    @transition(field=status, source=CertificateStatus.VALID, target=CertificateStatus.VALID)
    def reissue(self) -> None:
        """补发: same number, new print serial, version+1."""
        self.print_serial += 1
        self.version += 1

    @transition(field=status, source=CertificateStatus.VALID, target=CertificateStatus.SUPERSEDED)
    def supersede(self) -> None:
        pass

    @transition(field=status, source=CertificateStatus.VALID, target=CertificateStatus.REVOKED)
    def revoke(self, *, reason: str, authority: str, by, on) -> None:
        self.revoked_reason, self.revoked_authority, self.revoked_by, self.revoked_on = (
            reason,
            authority,
            by,
            on,
        )


class NationalReport(ConcurrentTransitionMixin, models.Model):
    """One export to the national lookup system (技能人才评价证书全国联网查询). The file carries full ID
    numbers, so only its age ciphertext (``filing.sealed``) is stored: no clear copy in the database or on
    disk. Acknowledged once the national system has answered every record."""

    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    rows = models.PositiveIntegerField(default=0)
    ciphertext = models.BinaryField(_("加密文件"), editable=False, default=b"")
    sha256 = models.CharField(_("加密文件SHA-256"), max_length=64, editable=False, default="")
    state = FSMField(
        _("状态"),
        default=ReportState.REPORTED,
        choices=[
            (ReportState.REPORTED, ReportState.REPORTED.label),
            (ReportState.ACKNOWLEDGED, ReportState.ACKNOWLEDGED.label),
        ],
        protected=True,
    )
    acknowledged_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("全国联网上报批次")
        verbose_name_plural = _("全国联网上报批次")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"#{self.pk} {self.rows} {self.get_state_display()}"

    @property
    def file_name(self) -> str:
        return f"national-report-{self.pk}.csv.age"

    @transition(field=state, source=ReportState.REPORTED, target=ReportState.ACKNOWLEDGED)
    def acknowledge(self, at) -> None:
        self.acknowledged_at = at


class NationalRecord(ConcurrentTransitionMixin, models.Model):
    """One row of a national report (one certificate version's change) and the national system's answer
    to it: 接收 (acknowledged) or 退回 (rejected, with the reason). A rejected record is the issuing body's
    to-do until its certificate is corrected or queued again for the next report."""

    report = models.ForeignKey(NationalReport, on_delete=models.PROTECT, related_name="records")
    certificate = models.ForeignKey(Certificate, on_delete=models.PROTECT, related_name="national_records")
    number = models.CharField(_("证书编号"), max_length=40)
    version = models.PositiveSmallIntegerField(_("版本"))
    record_type = models.CharField(_("记录类型"), max_length=10)
    result = FSMField(
        _("结果"),
        default=ReportState.REPORTED,
        choices=[
            (ReportState.REPORTED, ReportState.REPORTED.label),
            (ReportState.ACKNOWLEDGED, ReportState.ACKNOWLEDGED.label),
            (ReportState.REJECTED, ReportState.REJECTED.label),
        ],
        protected=True,
    )
    reason = models.CharField(_("退回原因"), max_length=500, blank=True)
    answered_at = models.DateTimeField(_("反馈时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("全国联网上报记录")
        verbose_name_plural = _("全国联网上报记录")
        ordering = ["report", "number", "version"]
        constraints = [
            models.UniqueConstraint(fields=["report", "certificate"], name="uniq_national_record"),
        ]
        indexes = [models.Index(fields=["number", "version", "result"], name="national_record_answer_idx")]

    def __str__(self) -> str:
        return f"{self.number} v{self.version} {self.get_result_display()}"

    @transition(field=result, source=ReportState.REPORTED, target=ReportState.ACKNOWLEDGED)
    def accept(self, at) -> None:
        self.answered_at = at

    @transition(field=result, source=ReportState.REPORTED, target=ReportState.REJECTED)
    def reject(self, reason: str, at) -> None:
        self.reason, self.answered_at = reason, at


class RevocationStatus(models.TextChoices):
    REQUESTED = "requested", _("待市级审核")
    APPROVED = "approved", _("已批准撤销")
    DECLINED = "declined", _("不予撤销")


class RevocationRequest(ConcurrentTransitionMixin, models.Model):
    """撤销申请: the issuing body's operator asks the authority to revoke a certificate; a municipal
    reviewer approves (the certificate is revoked) or declines (it stays valid) in the revocation task."""

    certificate = models.ForeignKey(
        Certificate, on_delete=models.PROTECT, related_name="revocation_requests", verbose_name=_("证书")
    )
    reason = models.CharField(_("撤销理由"), max_length=2000)
    authority = models.CharField(_("撤销机关"), max_length=200, blank=True)
    status = FSMField(
        _("状态"), default=RevocationStatus.REQUESTED, choices=RevocationStatus.choices, protected=True
    )
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField(_("申请时间"), auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(_("审核时间"), null=True, blank=True)
    decision_comment = models.CharField(_("审核意见"), max_length=5000, blank=True)

    class Meta:
        verbose_name = _("证书撤销申请")
        verbose_name_plural = _("证书撤销申请")
        ordering = ["-requested_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["certificate"],
                condition=models.Q(status="requested"),
                name="one_open_revocation_request",
            )
        ]

    def __str__(self) -> str:
        return f"{self.certificate.number} {self.get_status_display()}"

    @transition(field=status, source=RevocationStatus.REQUESTED, target=RevocationStatus.APPROVED)
    def approve(self, *, by, at, comment: str) -> None:
        self.decided_by, self.decided_at, self.decision_comment = by, at, comment

    @transition(field=status, source=RevocationStatus.REQUESTED, target=RevocationStatus.DECLINED)
    def decline(self, *, by, at, comment: str) -> None:
        self.decided_by, self.decided_at, self.decision_comment = by, at, comment
