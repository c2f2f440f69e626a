from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WorkflowsConfig(AppConfig):
    name = "workflows"
    verbose_name = _("审批流程")

    def ready(self) -> None:
        from filing import signals
        from filing.views.home import register_summary

        from . import services

        # Same transaction as the domain change: no submitted application without a process.
        signals.application_submitted.connect(services.start_review, dispatch_uid="wf_start_review")
        signals.application_withdrawn.connect(services.cancel_review, dispatch_uid="wf_cancel_withdrawn")
        signals.application_resubmitted.connect(services.finish_correction, dispatch_uid="wf_correction_done")
        signals.application_lapsed.connect(services.finish_correction, dispatch_uid="wf_correction_lapsed")
        signals.application_filed.connect(services.finish_publicity, dispatch_uid="wf_publicity_done")
        signals.objection_decided.connect(services.objection_decided, dispatch_uid="wf_objection")
        signals.plan_filed.connect(services.plan_filed, dispatch_uid="wf_plan_filed")
        signals.results_submitted.connect(services.plan_results_submitted, dispatch_uid="wf_plan_results")
        signals.plan_cancelled.connect(services.plan_cancelled, dispatch_uid="wf_plan_cancelled")
        register_summary(services.task_summary)
