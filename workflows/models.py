"""Process models: one viewflow process per filing application, pointing at it (never copying its status)."""

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
