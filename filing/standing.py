"""What a body may do in its current standing: the one rule every service asks (DOMAIN.md §4, §9).

A body evaluates only inside its filed (occupation, work type, level) lines, each effective from its filing
date. What else it may do depends on the body's status and the line's:

============== ============ ======== ======== ========
status          new plans   register   sittings  issue
============== ============ ======== ======== ========
正常            yes          yes      yes      yes
整改中          no           yes      yes      yes
暂停            no           no       setting  no
申请退出        no           yes      yes      yes
已退出 / 已撤销  no           no       no       no
============== ============ ======== ======== ========

A suspended line is treated as a suspended body for that line only; a withdrawn line as an exited body.
``FILING["SUSPENSION_LETS_SITTINGS_FINISH"]`` (default true) lets sittings of a suspended body or line that
were already planned go ahead (their results still cannot be issued until it is reinstated).
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db import models
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l

from filing.errors import WrongState
from filing.models import BodyStatus, EvaluationBody, FiledLine, FiledLineStatus


class Activity(models.TextChoices):
    PLAN = "plan", _l("组织新的认定计划")
    REGISTER = "register", _l("报名")
    SIT = "sit", _l("组织考核")
    ISSUE = "issue", _l("发放证书")


A = Activity
_RUNNING = frozenset({A.REGISTER, A.SIT, A.ISSUE})
BODY_ALLOWS: dict[str, frozenset] = {
    BodyStatus.ACTIVE: frozenset(A),
    BodyStatus.RECTIFICATION: _RUNNING,
    BodyStatus.SUSPENDED: frozenset(),
    BodyStatus.EXIT_REQUESTED: _RUNNING,
    BodyStatus.EXITED: frozenset(),
    BodyStatus.REVOKED: frozenset(),
}
LINE_ALLOWS: dict[str, frozenset] = {
    FiledLineStatus.ACTIVE: frozenset(A),
    FiledLineStatus.SUSPENDED: frozenset(),
    FiledLineStatus.WITHDRAWN: frozenset(),
}
SUSPENDED = (BodyStatus.SUSPENDED, FiledLineStatus.SUSPENDED)


def _allows(table: dict, status: str, activity: str) -> bool:
    if activity in table.get(status, frozenset()):
        return True
    finish = settings.FILING.get("SUSPENSION_LETS_SITTINGS_FINISH", True)
    return activity == A.SIT and status in SUSPENDED and finish


def standing_problems(
    body: EvaluationBody, line: FiledLine, activity: str, on: datetime.date | None = None
) -> list[str]:
    """Why ``body`` may not do ``activity`` on ``line`` (on the date ``on``, if given); empty if it may."""
    label = Activity(activity).label
    problems = []
    if line.body_id != body.pk:
        problems.append(_("该备案项目不属于本机构。"))
    if not _allows(BODY_ALLOWS, body.status, activity):
        problems.append(
            _("评价机构当前状态为“%(status)s”，不能%(activity)s。")
            % {"status": body.get_status_display(), "activity": label}
        )
    if not _allows(LINE_ALLOWS, line.status, activity):
        problems.append(
            _("备案项目“%(line)s”当前状态为“%(status)s”，不能%(activity)s。")
            % {"line": line.offering, "status": line.get_status_display(), "activity": label}
        )
    if on is not None and line.effective_from > on:
        problems.append(_("该备案项目自%(date)s起生效。") % {"date": line.effective_from})
    return problems


def ensure_standing(
    body: EvaluationBody, line: FiledLine, activity: str, on: datetime.date | None = None
) -> None:
    """``standing_problems`` as a refusal (409: the request is fine, the body's standing is not)."""
    problems = standing_problems(body, line, activity, on)
    if problems:
        raise WrongState("；".join(problems))
