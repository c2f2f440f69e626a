"""The filing review flow: who must act on a filing application, and when.

Each human node is a task in a queue filtered by a scoped permission (the district of the application,
the city, the applicant organisation) or assigned to one person (an expert's scoring task, the applicant
who answers a correction). Nodes never decide anything themselves: what each human node does is in the node
table (:mod:`workflows.steps`), whose services the task services call, and the gateways route on the
application's status, which is the one source of truth.
"""

from django.utils.translation import gettext_lazy as _
from viewflow import this
from viewflow.workflow import flow, lock

from filing.auth import CITY_REVIEW_PERMISSION, body_permission, district_permission, organisation_permission
from filing.models import ApplicationStatus as S
from filing.models import ComplaintStatus, ExpertAssignment
from filing.models import PlanStatus as PS

from .models import (
    ComplaintProcess,
    FilingReviewProcess,
    HolderCorrectionProcess,
    NationalRejectionProcess,
    PlanProcess,
    RevocationProcess,
)
from .nodes import PanelSplit
from .views import TaskView


def status_is(*statuses):
    def condition(activation):
        return activation.process.application.status in statuses

    return condition


def _district_permission(activation):
    return district_permission(activation.process.application.district.code)


def _issuing_body_permission(activation):
    return body_permission(activation.process.request.certificate.body.organisation_id)


def _rejected_body_permission(activation):
    return body_permission(activation.process.body.organisation_id)


def _organisation_permission(activation):
    return organisation_permission(activation.process.application.organisation_id)


def _unseated_assignment(process):
    """An expert seated on the panel (e.g. a replacement) who has no scoring task yet."""
    seated = {
        task.data.get("assignment")
        for task in process.task_set.filter(flow_task=FilingReviewFlow.expert_score)
    }
    return (
        ExpertAssignment.objects.filter(
            application=process.application, state=ExpertAssignment.State.ASSIGNED
        )
        .exclude(pk__in=[pk for pk in seated if pk])
        .order_by("pk")
        .first()
    )


def _expert_owner(activation):
    data = activation.task.data or {}
    if "assignment" not in data:
        assignment = _unseated_assignment(activation.process)
        data["assignment"] = assignment.pk
        activation.task.data = data
    return ExpertAssignment.objects.get(pk=data["assignment"]).expert


def _has_unseated_expert(activation):
    return _unseated_assignment(activation.process) is not None


class FilingReviewFlow(flow.Flow):
    """评价机构备案审核: 区级受理 → 区级审核 → 市级审核 → 专家评审 → 审批决定 → 公示 → 备案."""

    process_class = FilingReviewProcess
    process_title = _("评价机构备案审核")
    process_description = _("从提交到备案：受理、审核、补正、专家评审、决定、公示")
    process_summary_template = "{{ process.application }}"
    lock_impl = lock.select_for_update_lock

    start = flow.StartHandle(this.start_process).Annotation(title=_("提交申请")).Next(this.district_accept)

    district_accept = (
        flow.View(TaskView.as_view())
        .Annotation(title=_("区级受理"))
        .Permission(_district_permission)
        .Next(this.after_district_accept)
    )
    after_district_accept = (
        flow.Switch()
        .Annotation(title=_("受理结论"))
        .Case(this.district_review, cond=status_is(S.DISTRICT_REVIEW))
        .Case(this.correction, cond=status_is(S.RETURNED))
        .Default(this.end)
    )
    district_review = (
        flow.View(TaskView.as_view())
        .Annotation(title=_("区级审核"))
        .Permission(_district_permission)
        .Next(this.after_district_review)
    )
    after_district_review = (
        flow.Switch()
        .Annotation(title=_("区级审核结论"))
        .Case(this.municipal_review, cond=status_is(S.MUNICIPAL_REVIEW))
        .Case(this.correction, cond=status_is(S.RETURNED))
        .Default(this.end)
    )
    municipal_review = (
        flow.View(TaskView.as_view())
        .Annotation(title=_("市级审核"))
        .Permission(CITY_REVIEW_PERMISSION)
        .Next(this.after_municipal_review)
    )
    after_municipal_review = (
        flow.Switch()
        .Annotation(title=_("市级审核结论"))
        .Case(this.expert_panel, cond=status_is(S.EXPERT_ASSESSMENT))
        .Case(this.correction, cond=status_is(S.RETURNED))
        .Case(this.district_review, cond=status_is(S.DISTRICT_REVIEW))
        .Default(this.end)
    )
    correction = (
        flow.View(TaskView.as_view())
        .Annotation(title=_("补正"))
        .Permission(_organisation_permission)
        .Assign(lambda activation: activation.process.application.submitted_by)
        .Next(this.after_correction)
    )
    after_correction = (
        flow.Switch()
        .Annotation(title=_("补正后回到原环节"))
        .Case(this.district_accept, cond=status_is(S.SUBMITTED))
        .Case(this.district_review, cond=status_is(S.DISTRICT_REVIEW))
        .Case(this.municipal_review, cond=status_is(S.MUNICIPAL_REVIEW))
        .Default(this.end)
    )
    expert_panel = (
        flow.View(TaskView.as_view())
        .Annotation(title=_("组织专家评审"))
        .Permission(CITY_REVIEW_PERMISSION)
        .Next(this.panel_split)
    )
    panel_split = PanelSplit().Annotation(title=_("分派专家")).Next(this.expert_score)
    expert_score = (
        flow.View(TaskView.as_view())
        .Annotation(title=_("专家评分"))
        .Assign(_expert_owner)
        .Next(this.after_expert_score)
    )
    after_expert_score = (
        flow.Switch()
        .Annotation(title=_("回避后补派专家"))
        .Case(this.expert_score, cond=_has_unseated_expert)
        .Default(this.expert_join)
    )
    expert_join = (
        flow.Join(continue_on_condition=this.panel_decided)
        .Annotation(title=_("专家评分汇总"))
        .Next(this.decision)
    )
    decision = (
        flow.View(TaskView.as_view())
        .Annotation(title=_("审批决定"))
        .Permission(CITY_REVIEW_PERMISSION)
        .Next(this.after_decision)
    )
    after_decision = (
        flow.Switch()
        .Annotation(title=_("是否进入公示"))
        .Case(this.publicity, cond=status_is(S.PUBLICITY))
        .Default(this.end)
    )
    publicity = flow.Handle(this.end_publicity).Annotation(title=_("公示")).Next(this.after_publicity)
    after_publicity = (
        flow.Switch()
        .Annotation(title=_("公示结果"))
        .Case(this.decision, cond=status_is(S.DECISION))
        .Default(this.end)
    )
    end = flow.End().Annotation(title=_("办结"))

    def start_process(self, activation, application):
        activation.process.application = application
        return activation.process

    def panel_decided(self, activation, active_tasks) -> bool:
        """或签 / 票签: the panel's rule (filing.panel) was met before every seat scored; the scoring service
        moved the application on, and the join cancels the scoring tasks still open."""
        return activation.process.application.status != S.EXPERT_ASSESSMENT

    def end_publicity(self, activation):
        """Runs when publicity ended (filed) or an objection was upheld (back to the decision)."""
        return activation.process


def plan_status_is(*statuses):
    def condition(activation):
        return activation.process.plan.status in statuses

    return condition


class PlanFlow(flow.Flow):
    """认定计划: 报备确认 → (认定实施) → 结果审核. The waits are closed by the body's own actions."""

    process_class = PlanProcess
    process_title = _("认定计划确认与结果审核")
    process_summary_template = "{{ process.plan }}"
    lock_impl = lock.select_for_update_lock

    start = flow.StartHandle(this.start_process).Annotation(title=_("报备认定计划")).Next(this.confirm_plan)
    confirm_plan = (
        flow.View(TaskView.as_view())
        .Annotation(title=_("认定计划确认"))
        .Permission(CITY_REVIEW_PERMISSION)
        .Next(this.after_confirm)
    )
    after_confirm = (
        flow.Switch()
        .Annotation(title=_("确认结论"))
        .Case(this.wait_results, cond=plan_status_is(PS.CONFIRMED))
        .Case(this.wait_refile, cond=plan_status_is(PS.DRAFT))
        .Default(this.end)
    )
    wait_refile = flow.Handle(this.noop).Annotation(title=_("等待重新报备")).Next(this.after_refile)
    after_refile = (
        flow.Switch()
        .Annotation(title=_("是否重新报备"))
        .Case(this.confirm_plan, cond=plan_status_is(PS.FILED))
        .Default(this.end)
    )
    wait_results = flow.Handle(this.noop).Annotation(title=_("认定实施")).Next(this.after_results)
    after_results = (
        flow.Switch()
        .Annotation(title=_("是否提交结果"))
        .Case(this.audit_results, cond=plan_status_is(PS.RESULTS_SUBMITTED))
        .Default(this.end)
    )
    audit_results = (
        flow.View(TaskView.as_view())
        .Annotation(title=_("认定结果审核"))
        .Permission(CITY_REVIEW_PERMISSION)
        .Next(this.after_audit)
    )
    after_audit = (
        flow.Switch()
        .Annotation(title=_("结果审核结论"))
        .Case(this.wait_results, cond=plan_status_is(PS.SCORING))
        .Default(this.end)
    )
    end = flow.End().Annotation(title=_("办结"))

    def start_process(self, activation, plan):
        activation.process.plan = plan
        return activation.process

    def noop(self, activation):
        return activation.process


class RevocationFlow(flow.Flow):
    """证书撤销: 考务人员申请 → 市级审核（批准即撤销，或不予撤销）."""

    process_class = RevocationProcess
    process_title = _("证书撤销审核")
    process_description = _("发证机构申请撤销证书，由市级审核人员决定")
    process_summary_template = "{{ process.request }}"
    lock_impl = lock.select_for_update_lock

    start = (
        flow.StartHandle(this.start_process).Annotation(title=_("申请撤销证书")).Next(this.review_revocation)
    )
    review_revocation = (
        flow.View(TaskView.as_view())
        .Annotation(title=_("证书撤销审核"))
        .Permission(CITY_REVIEW_PERMISSION)
        .Next(this.end)
    )
    end = flow.End().Annotation(title=_("办结"))

    def start_process(self, activation, revocation):
        activation.process.request = revocation
        return activation.process


class HolderCorrectionFlow(flow.Flow):
    """持证人更正申请: 持证人在线申请 → 发证机构考务人员处理（更正出具新版，或不予更正）."""

    process_class = HolderCorrectionProcess
    process_title = _("持证人更正申请")
    process_description = _("持证人申请更正证书上的姓名或工种，由发证机构的考务人员处理")
    process_summary_template = "{{ process.request }}"
    lock_impl = lock.select_for_update_lock

    start = (
        flow.StartHandle(this.start_process)
        .Annotation(title=_("持证人申请更正"))
        .Next(this.review_holder_correction)
    )
    review_holder_correction = (
        flow.View(TaskView.as_view())
        .Annotation(title=_("处理持证人更正申请"))
        .Permission(_issuing_body_permission)
        .Next(this.end)
    )
    end = flow.End().Annotation(title=_("办结"))

    def start_process(self, activation, request):
        activation.process.request = request
        return activation.process


class NationalRejectionFlow(flow.Flow):
    """全国联网退回: 导入反馈文件（退回记录） → 发证机构考务人员更正后重新上报.

    One process per (body, answer file): see :class:`~workflows.models.NationalRejectionProcess`."""

    process_class = NationalRejectionProcess
    process_title = _("全国联网退回处理")
    process_description = _("全国联网查询系统退回的证书记录，由发证机构的考务人员更正后重新上报")
    process_summary_template = "{{ process.body }}"
    lock_impl = lock.select_for_update_lock

    start = (
        flow.StartHandle(this.start_process)
        .Annotation(title=_("全国联网退回"))
        .Next(this.fix_national_rejection)
    )
    fix_national_rejection = (
        flow.View(TaskView.as_view())
        .Annotation(title=_("处理全国联网退回记录"))
        .Permission(_rejected_body_permission)
        .Next(this.end)
    )
    end = flow.End().Annotation(title=_("办结"))

    def start_process(self, activation, body, records):
        # Saved here so that the records are attached before the task exists (viewflow saves it again).
        activation.process.body = body
        activation.process.save()
        activation.process.records.set(records)
        return activation.process


def complaint_open(activation):
    return activation.process.complaint.status == ComplaintStatus.INVESTIGATING


class ComplaintFlow(flow.Flow):
    """投诉处理: 受理 → 市级分办（不予受理，或转入调查） → 调查并答复（可责令整改）."""

    process_class = ComplaintProcess
    process_title = _("投诉处理")
    process_description = _("公众或考生对评价机构的投诉，由市级审核人员分办、调查并答复")
    process_summary_template = "{{ process.complaint }}"
    lock_impl = lock.select_for_update_lock

    start = flow.StartHandle(this.start_process).Annotation(title=_("受理投诉")).Next(this.handle_complaint)
    handle_complaint = (
        flow.View(TaskView.as_view())
        .Annotation(title=_("处理投诉"))
        .Permission(CITY_REVIEW_PERMISSION)
        .Next(this.after_handle)
    )
    after_handle = (
        flow.Switch()
        .Annotation(title=_("是否转入调查"))
        .Case(this.handle_complaint, cond=complaint_open)
        .Default(this.end)
    )
    end = flow.End().Annotation(title=_("办结"))

    def start_process(self, activation, complaint):
        activation.process.complaint = complaint
        return activation.process
