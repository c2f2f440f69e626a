"""The flows this app runs, registered once from ``WorkflowsConfig.ready``.

Selectors need the flow classes (viewflow's queues are asked per flow) but must not import the flow module,
which imports the task pages, which import the selectors: the registry breaks that ring.
"""

from __future__ import annotations

_FLOWS: list = []


def register(*flow_classes) -> None:
    for flow_class in flow_classes:
        if flow_class not in _FLOWS:
            _FLOWS.append(flow_class)


def flows() -> list:
    """Every registered flow class (empty until the app registry is ready)."""
    return list(_FLOWS)


def flow_named(process_model_name: str):
    """The flow whose process model is ``process_model_name`` (e.g. "filingreviewprocess")."""
    for flow_class in _FLOWS:
        if flow_class.process_class._meta.model_name == process_model_name:
            return flow_class
    raise LookupError(process_model_name)
