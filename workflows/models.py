"""Process models: one viewflow process per filing application, pointing at it (never copying its status)."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from viewflow.workflow.models import Process

from filing.models import FilingApplication


class FilingReviewProcess(Process):
    application = models.OneToOneField(
        FilingApplication, on_delete=models.PROTECT, related_name="review_process", verbose_name=_("备案申请")
    )

    class Meta:
        verbose_name = _("备案审核流程")
        verbose_name_plural = _("备案审核流程")


class RevocationProcess(Process):
    """One process per revocation request: the municipal reviewer's decision."""

    request = models.OneToOneField(
        "filing.RevocationRequest",
        on_delete=models.PROTECT,
        related_name="process",
        verbose_name=_("证书撤销申请"),
    )

    class Meta:
        verbose_name = _("证书撤销审核流程")
        verbose_name_plural = _("证书撤销审核流程")


class HolderCorrectionProcess(Process):
    """One process per holder's correction request: the issuing body's operator decides it."""

    request = models.OneToOneField(
        "filing.HolderCorrectionRequest",
        on_delete=models.PROTECT,
        related_name="process",
        verbose_name=_("持证人更正申请"),
    )

    class Meta:
        verbose_name = _("持证人更正申请流程")
        verbose_name_plural = _("持证人更正申请流程")


class NationalRejectionProcess(Process):
    """One process per issuing body and answer file: the records the national lookup system sent back to
    that body in one import, which its operators correct (a new certificate version) or queue again.

    Why a group and not one process per record: an answer file can send back hundreds of records of one
    body at once (a plan's whole batch with one wrong field), a process with its task costs ~80 SQL
    statements, and the body handles them together (one task, one look at the list); a record sent back
    again by a later file is a new group. The records' state stays on ``NationalRecord`` and the
    certificate (:func:`filing.services.national.open_rejections`): the process only says which records
    this task is about."""

    body = models.ForeignKey(
        "filing.EvaluationBody",
        on_delete=models.PROTECT,
        related_name="national_rejection_processes",
        verbose_name=_("评价机构"),
    )
    records = models.ManyToManyField(
        "filing.NationalRecord", related_name="rejection_processes", verbose_name=_("退回记录")
    )

    class Meta:
        verbose_name = _("全国联网退回处理流程")
        verbose_name_plural = _("全国联网退回处理流程")


class PlanProcess(Process):
    """One process per evaluation plan: the authority's confirmation and, later, its audit of the results."""

    plan = models.OneToOneField(
        "filing.EvaluationPlan", on_delete=models.PROTECT, related_name="process", verbose_name=_("认定计划")
    )

    class Meta:
        verbose_name = _("认定计划流程")
        verbose_name_plural = _("认定计划流程")


class ComplaintProcess(Process):
    """One process per complaint: the city's triage, investigation and answer (the complaint's status stays on
    :class:`filing.models.Complaint`)."""

    complaint = models.OneToOneField(
        "filing.Complaint", on_delete=models.PROTECT, related_name="process", verbose_name=_("投诉")
    )

    class Meta:
        verbose_name = _("投诉处理流程")
        verbose_name_plural = _("投诉处理流程")


class TaskUrge(models.Model):
    """催办: someone waiting on a task (the applicant's side or a superior) asked its assignee or queue
    to act. The task page shows how often and by whom; a per-day limit applies
    (``WORKFLOW["URGE_DAILY_LIMIT"]``)."""

    task = models.ForeignKey(
        "viewflow.Task", on_delete=models.CASCADE, related_name="urges", verbose_name=_("任务")
    )
    urged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("催办人")
    )
    note = models.CharField(_("催办说明"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("催办时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("催办记录")
        verbose_name_plural = _("催办记录")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["task", "urged_by", "created_at"], name="urge_limit_idx")]

    def __str__(self) -> str:
        return f"{self.task_id} ← {self.urged_by_id}"


class BatchRun(models.Model):
    """批量审批: one reviewer's opinion applied to several tasks of one node, each task in its own
    transaction; ``results`` lists every task with its outcome (done, or the reason it failed)."""

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("办理人")
    )
    node = models.CharField(_("环节"), max_length=60)
    comment = models.TextField(_("审批意见"))
    #: [{"task": pk, "ok": bool, "message": str}]
    results = models.JSONField(_("结果"), default=list)
    created_at = models.DateTimeField(_("时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("批量审批")
        verbose_name_plural = _("批量审批")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.node} × {len(self.results)}"


class Deputy(models.Model):
    """委派/代理: while ``principal`` is away (``starts_on``..``ends_on``, both included) ``deputy`` — a
    colleague of the same unit and role — acts on the principal's tasks; every such action records
    "办理人 deputy，代 principal"."""

    principal = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("被代理人")
    )
    deputy = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("代理人")
    )
    starts_on = models.DateField(_("开始日期"))
    ends_on = models.DateField(_("结束日期"))
    reason = models.CharField(_("事由"), max_length=200)
    created_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(_("撤销时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("代理设置")
        verbose_name_plural = _("代理设置")
        ordering = ["-starts_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_on__gte=models.F("starts_on")), name="deputy_period_order"
            ),
            models.CheckConstraint(condition=~models.Q(principal=models.F("deputy")), name="deputy_not_self"),
        ]

    def __str__(self) -> str:
        return f"{self.deputy_id} 代 {self.principal_id} {self.starts_on}–{self.ends_on}"


class TaskCopy(models.Model):
    """抄送: a completed decision copied to a person, who sees it read-only in their task inbox. The decision
    is kept as it was when copied (``decision``: the audit sentence and the opinion)."""

    task = models.ForeignKey(
        "viewflow.Task", on_delete=models.CASCADE, related_name="copies", verbose_name=_("任务")
    )
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("抄送对象")
    )
    copied_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("抄送人")
    )
    subject = models.CharField(_("办理对象"), max_length=300)
    decision = models.TextField(_("办理结果"))
    note = models.CharField(_("抄送说明"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("抄送时间"), auto_now_add=True)
    read_at = models.DateTimeField(_("阅读时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("抄送")
        verbose_name_plural = _("抄送")
        ordering = ["-created_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["task", "recipient"], name="uniq_copy_per_recipient")]

    def __str__(self) -> str:
        return f"{self.task_id} → {self.recipient_id}"
