"""A Split that opens one parallel task per seated expert (viewflow 2.4's free Split has no data source)."""

from viewflow.workflow.activation import Activation
from viewflow.workflow.flow.nodes import Split
from viewflow.workflow.nodes.split import SplitActivation

from filing.models import ExpertAssignment


class PanelSplitActivation(SplitActivation):
    @Activation.status.super()
    def activate(self):
        # One expert_score task per expert still to score, each carrying its assignment id.
        ((node, _cond, _source),) = self.flow_task._branches
        assignments = ExpertAssignment.objects.filter(
            application=self.process.application, state=ExpertAssignment.State.ASSIGNED
        ).order_by("pk")
        self.next_tasks = [(node, {"assignment": a.pk}) for a in assignments]
        if not self.next_tasks:
            super().activate.original()


class PanelSplit(Split):
    """Parallel gateway whose branches are the panel's experts."""

    activation_class = PanelSplitActivation
