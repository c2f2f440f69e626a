"""What the task pages show of the flow-level operations (urges, the send-back and copy forms, the
deputy's banner) and the application page's panel; read by the task pages and the operation pages."""

from __future__ import annotations

from django.db.models import Q
from viewflow.workflow.status import STATUS

from filing import access

from . import deputies, forms, operations
from . import selectors as wf_selectors
from .copies import COPY_ROLES
from .steps import BATCH_NODES, NODES


def send_back_choices(task, spec) -> list[tuple[str, str]]:
    if spec is None:
        return []
    flow_class = task.flow_task.flow_class
    return [(name, str(getattr(flow_class, name).task_title)) for name in spec.returns_to]


def operations_context(user, task, *, can_act: bool) -> dict:
    """What the task page shows of the operations: who urged it and how often, the urge form for those who
    may urge, the send-back form for whoever may act."""
    summary = operations.urge_summary([task])[task.pk]
    waiting = task.status in (STATUS.NEW, STATUS.ASSIGNED)
    may_urge = waiting and operations.urge_refusal(user, task) is None
    spec = NODES.get(wf_selectors.node_name(task))
    choices = send_back_choices(task, spec) if can_act else []
    acting_for = (
        task.owner
        if task.owner_id and task.owner_id != user.pk and task.owner_id in deputies.principals_of(user)
        else None
    )
    copy_form = None
    if task.status == STATUS.DONE and task.owner_id == user.pk:
        copy_form = forms.CopyForm(
            candidates=copy_candidates(task, wf_selectors.subject_of(task)), role_choices=COPY_ROLES.items()
        )
    return {
        "copy_form": copy_form,
        "copies": task.copies.select_related("recipient")[:50] if task.status == STATUS.DONE else [],
        "acting_for": acting_for,
        "acting_label": deputies.acting_label(task) if task.status == STATUS.DONE else "",
        "urge_count": summary["count"],
        "urges": summary["urges"],
        "urge_form": forms.UrgeForm() if may_urge else None,
        "send_back_form": forms.SendBackForm(choices=choices) if choices else None,
    }


def copy_candidates(task, subject):
    """People a decision may be copied to by name: the reviewers and the subject's organisation who may see
    it (the service checks again)."""
    from django.contrib.auth import get_user_model

    from filing.models import Membership

    from .copies import _organisation_and_district, may_see

    organisation, district = _organisation_and_district(subject)
    ids = Membership.objects.filter(is_active=True).filter(
        Q(organisation_id=organisation) | Q(district_id=district) | Q(role="municipal_reviewer")
    )
    users = (
        get_user_model()
        .objects.filter(pk__in=ids.values("user_id"), is_active=True)
        .exclude(pk=task.owner_id)
    )
    allowed = [u.pk for u in users[:200] if may_see(u, subject)]
    return get_user_model().objects.filter(pk__in=allowed).order_by("username")


def application_operations_panel(user, application) -> dict | None:
    """The application page's panel: its open steps with their urges (and the urge button for the applicant
    or a superior), and the steps this user completed and may still take back."""
    open_tasks = list(
        wf_selectors.open_tasks(application).filter(
            flow_task_type="HUMAN", status__in=[STATUS.NEW, STATUS.ASSIGNED]
        )
    )
    summary = operations.urge_summary(open_tasks)
    rows = [
        {
            "task": t,
            "count": summary[t.pk]["count"],
            "last": (summary[t.pk]["urges"] or [None])[0],
            "may_urge": operations.urge_refusal(user, t, application) is None,
        }
        for t in open_tasks
    ]
    done = wf_selectors.done_tasks_of(application, user)
    takeable = [t for t in done if operations.take_back_refusal(user, t) is None]
    if not (any(r["may_urge"] or r["count"] for r in rows) or takeable):
        return None
    return {
        "template": "workflows/_application_operations.html",
        "rows": rows,
        "takeable": takeable,
        "urge_form": forms.UrgeForm(),
    }


def may_batch(user) -> bool:
    """Whether ``user`` works in the unit of a node approved in batches (the node table's ``unit_role``)."""
    return any(NODES[name].unit_role and access.has_role(user, NODES[name].unit_role) for name in BATCH_NODES)
