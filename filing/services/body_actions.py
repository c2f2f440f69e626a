"""The supervision actions the body record page and the API offer, declared once: which service each calls,
on what (a body, a rectification order, a filed line), who acts (the city or the body), the fields it
takes, and whether it is open now (the same FSM guard the service checks). Pages render a form per open
action from this table; the API accepts the same names and fields."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

from django.utils.translation import gettext_lazy as _
from django_fsm import can_proceed

from filing.services import rectification, supervision


@dataclass(frozen=True)
class Field:
    label: str
    kind: str = "text"  # text | textarea | date
    required: bool = True
    help: str = ""


FIELDS = {
    "reason": Field(_("事由"), "textarea", help=_("将在评价机构公开目录中展示。")),
    "reference": Field(_("决定文号"), required=False),
    "findings": Field(_("发现的问题"), "textarea"),
    "deadline": Field(_("整改期限"), "date", help=_("应晚于今天。")),
    "source": Field(_("问题来源"), required=False, help=_("如：现场督导、专项检查、投诉。")),
    "banned_until": Field(_("禁止再申请至"), "date", help=_("应晚于今天。")),
    "certificates": Field(
        _("一并撤销的证书编号"),
        "textarea",
        required=False,
        help=_("不填则已发证书继续有效；多个编号用逗号或换行分隔。"),
    ),
    "response": Field(_("整改报告"), "textarea"),
    "note": Field(_("意见"), "textarea"),
}


@dataclass(frozen=True)
class Action:
    label: str
    service: Callable
    target: str  # the service's keyword for the object: body | order | line
    fields: tuple[str, ...]
    side: str  # city | body
    transition: str  # the FSM transition the action needs
    danger: bool = False
    done: str = ""
    #: The body statuses the action needs when no transition says it (a rectification order).
    statuses: tuple[str, ...] = ()


BODY_ACTIONS: dict[str, Action] = {
    "rectify": Action(
        _("责令整改"),
        rectification.rectification_order,
        "body",
        ("findings", "deadline", "reference", "source"),
        "city",
        "",
        done=_("已下达整改通知。"),
        statuses=rectification.RECTIFIABLE,
    ),
    "suspend": Action(
        _("暂停评价活动"),
        supervision.body_suspend,
        "body",
        ("reason", "reference"),
        "city",
        "suspend",
        danger=True,
        done=_("评价机构已暂停：不能新建计划、报名和发证。"),
    ),
    "reinstate": Action(
        _("恢复评价活动"),
        supervision.body_reinstate,
        "body",
        ("reason", "reference"),
        "city",
        "resume",
        done=_("评价机构已恢复。"),
    ),
    "revoke": Action(
        _("撤销备案"),
        supervision.body_revoke,
        "body",
        ("reason", "reference", "banned_until", "certificates"),
        "city",
        "revoke",
        danger=True,
        done=_("已撤销备案。"),
    ),
    "request_exit": Action(
        _("申请退出"),
        supervision.body_request_exit,
        "body",
        ("reason",),
        "body",
        "request_exit",
        danger=True,
        done=_("退出申请已提交，等待市职业技能鉴定中心审核。"),
    ),
    "withdraw_exit": Action(
        _("撤回退出申请"),
        supervision.body_withdraw_exit,
        "body",
        ("reason",),
        "body",
        "keep",
        done=_("退出申请已撤回。"),
    ),
    "approve_exit": Action(
        _("准予退出"),
        partial(supervision.body_decide_exit, approve=True),
        "body",
        ("reason", "reference"),
        "city",
        "exit",
        danger=True,
        done=_("已准予退出，已发证书继续有效。"),
    ),
    "refuse_exit": Action(
        _("不予退出"),
        partial(supervision.body_decide_exit, approve=False),
        "body",
        ("reason",),
        "city",
        "keep",
        done=_("已不予退出。"),
    ),
}
ORDER_ACTIONS: dict[str, Action] = {
    "respond": Action(
        _("提交整改报告"),
        rectification.rectification_respond,
        "order",
        ("response",),
        "body",
        "respond",
        done=_("整改报告已提交。"),
    ),
    "accept": Action(
        _("验收通过"),
        rectification.rectification_accept,
        "order",
        ("note",),
        "city",
        "accept",
        done=_("整改已验收通过。"),
    ),
    "send_back": Action(
        _("退回继续整改"),
        rectification.rectification_send_back,
        "order",
        ("note", "deadline"),
        "city",
        "send_back",
        done=_("已退回继续整改。"),
    ),
    "escalate": Action(
        _("整改不力，暂停评价活动"),
        rectification.rectification_escalate,
        "order",
        ("note", "reference"),
        "city",
        "escalate",
        danger=True,
        done=_("整改通知已办结，评价机构已暂停。"),
    ),
}
LINE_ACTIONS: dict[str, Action] = {
    "suspend": Action(
        _("暂停该项目"),
        supervision.line_suspend,
        "line",
        ("reason", "reference"),
        "city",
        "suspend",
        danger=True,
        done=_("备案项目已暂停，其余项目不受影响。"),
    ),
    "reinstate": Action(
        _("恢复该项目"),
        supervision.line_reinstate,
        "line",
        ("reason", "reference"),
        "city",
        "reinstate",
        done=_("备案项目已恢复。"),
    ),
}
TABLES = {"body": BODY_ACTIONS, "order": ORDER_ACTIONS, "line": LINE_ACTIONS}


def body_of(obj):
    return obj if not hasattr(obj, "body") else obj.body


def may(actor, action: Action, obj) -> bool:
    """The action is open to ``actor`` on ``obj`` now: the right side, and the transition can proceed."""
    body = body_of(obj)
    side = supervision.acts_for_city if action.side == "city" else supervision.acts_for_body
    if not side(actor, body):
        return False
    if action.transition and not can_proceed(getattr(obj, action.transition)):
        return False
    return not action.statuses or body.status in action.statuses


def open_actions(actor, obj, table: str) -> list[tuple[str, Action]]:
    return [(name, action) for name, action in TABLES[table].items() if may(actor, action, obj)]


def perform(actor, table: str, name: str, obj, data) -> object:
    """Call the action's service with the fields it takes (missing ones empty: the service says what is
    required)."""
    action = TABLES[table][name]
    values = {field: data.get(field, "") for field in action.fields}
    return action.service(actor=actor, **{action.target: obj}, **values)
