"""What the flows add to the roles: viewflow shows a flow's tasks only to holders of the view permission on
its process model, so every role that works in a queue or an inbox carries it."""

from filing.roles import Role, extend_role

SEES_REVIEW_TASKS = "workflows.view_filingreviewprocess"
SEES_PLAN_TASKS = "workflows.view_planprocess"
SEES_REVOCATION_TASKS = "workflows.view_revocationprocess"
SEES_HOLDER_TASKS = "workflows.view_holdercorrectionprocess"
SEES_NATIONAL_REJECTION_TASKS = "workflows.view_nationalrejectionprocess"
SEES_COMPLAINT_TASKS = "workflows.view_complaintprocess"

FLOW_PERMISSIONS = {
    Role.APPLICANT: (SEES_REVIEW_TASKS,),
    Role.DISTRICT_REVIEWER: (SEES_REVIEW_TASKS,),
    Role.MUNICIPAL_REVIEWER: (
        SEES_REVIEW_TASKS,
        SEES_PLAN_TASKS,
        SEES_REVOCATION_TASKS,
        SEES_COMPLAINT_TASKS,
    ),
    Role.EXPERT: (SEES_REVIEW_TASKS,),
    Role.BODY_OPERATOR: (SEES_HOLDER_TASKS, SEES_NATIONAL_REJECTION_TASKS),
}


def register() -> None:
    for role, permissions in FLOW_PERMISSIONS.items():
        extend_role(role, *permissions)
