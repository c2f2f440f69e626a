from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WorkflowsConfig(AppConfig):
    name = "workflows"
    verbose_name = _("审批流程")

    def ready(self) -> None:
        from filing.services import timers
        from filing.views import extensions

        from . import flows, receivers, registry, reminders, roles, selectors, task_tools, timeouts

        registry.register(
            flows.FilingReviewFlow,
            flows.PlanFlow,
            flows.RevocationFlow,
            flows.HolderCorrectionFlow,
            flows.NationalRejectionFlow,
            flows.ComplaintFlow,
        )
        roles.register()
        # Same transaction as the domain change: no submitted application without a process.
        receivers.connect()
        extensions.register_summary(selectors.task_summary)
        extensions.register_application_panel(selectors.application_task_panel)
        extensions.register_application_panel(task_tools.application_operations_panel)
        extensions.register_next_steps(selectors.NEXT_STEPS)
        timers.register("task_reminders", reminders.send_task_reminders)
        timers.register("task_escalations", timeouts.escalate_overdue)
