"""The site menu, defined once: every page a person can use, in the order they use it, each with the
predicate that says who sees it. The predicates are the same role-and-scope checks the pages themselves
make (``filing.access``), so a menu entry is shown exactly to those the page lets in.

Other apps and later pages add their entries with :func:`register` (from ``AppConfig.ready``); the template
(``filing/base.html``) renders :func:`entries_for`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

from filing import access
from filing.roles import Role


@dataclass(frozen=True)
class Entry:
    key: str
    title: str
    icon: str
    url_name: str
    allowed: Callable[[object], bool]
    #: A group heading the entry is listed under (entries of one group are kept together).
    group: str = ""


def _roles(*roles: str) -> Callable[[object], bool]:
    wanted = set(roles)
    return lambda user: any(m.role in wanted for m in access.memberships(user))


def _anyone(user) -> bool:
    return True


def _city(user) -> bool:
    return access.oversees_city(user)


def _municipal(user) -> bool:
    return access.is_municipal_reviewer(user)


def _audit_reader(user) -> bool:
    return access.audit_scope(user) is not None  # the audit log page's own rule


def _register_visible(user) -> bool:
    from filing.views.staffing import may_view_register  # the register page's own rule

    return may_view_register(user)


def _agreements_visible(user) -> bool:
    from filing.services import agreements  # the agreements page's own rule

    return agreements.may_view_agreements(user)


def _supervision_visible(user) -> bool:
    """The supervision pages' own scope (``selectors.bodies_on_record_for``), without a query for the roles
    that always have one."""
    if _roles(Role.MUNICIPAL_REVIEWER, Role.SUPERVISOR, Role.AUDITOR, Role.BODY_OPERATOR)(user):
        return True
    if not access.has_role(user, Role.LEGAL_REPRESENTATIVE):
        return False
    from filing.selectors import bodies_on_record_for

    return bodies_on_record_for(user).exists()


def _appointments_visible(user) -> bool:
    """The appointments page's own rule: the city, or a person of an enterprise body."""
    if _city(user):
        return True
    from filing.selectors import enterprise_bodies_of as enterprise_bodies

    return _roles(Role.BODY_OPERATOR, Role.LEGAL_REPRESENTATIVE)(user) and enterprise_bodies(user).exists()


def _competitions_visible(user) -> bool:
    """The competition register's own rule: the city, or a body's operators (who record competitions)."""
    return _city(user) or _roles(Role.BODY_OPERATOR)(user)


def _staff_register(user) -> bool:
    """The staff register's own rule (``selectors.staff_enterprises_of``): an enterprise's operators and
    legal representative, or the city."""
    if not (_city(user) or _roles(Role.BODY_OPERATOR, Role.LEGAL_REPRESENTATIVE)(user)):
        return False
    from filing.selectors import staff_enterprises_of

    return staff_enterprises_of(user).exists()  # the city too: only when there is an enterprise to read


def _task_lists_visible(user) -> bool:
    from filing.services.annual_tasks import may_view_task_lists  # the task lists page's own rule

    return may_view_task_lists(user)


def _training_visible(user) -> bool:
    from filing.services.annual_tasks import college_of  # the training records page's own rule

    return college_of(user) is not None


def _staff(user) -> bool:
    return user.is_staff


WORK = _("日常工作")
OVERVIEW = _("统计与监管")
PUBLIC = _("公开查询")

#: The menu, in order. Keys are stable (tests and later entries refer to them).
MENU: list[Entry] = [
    Entry("home", _("首页"), "home", "home:index", _anyone, WORK),
    Entry("tasks", _("待办任务"), "inbox", "tasks:inbox", _anyone, WORK),
    Entry(
        "applications",
        _("备案申请"),
        "assignment",
        "applications:index",
        _roles(
            Role.APPLICANT,
            Role.LEGAL_REPRESENTATIVE,
            Role.DISTRICT_REVIEWER,
            Role.MUNICIPAL_REVIEWER,
            Role.EXPERT,
            Role.AUDITOR,
        ),
        WORK,
    ),
    Entry(
        "plans",
        _("认定计划"),
        "event_note",
        "plans:index",
        _roles(Role.BODY_OPERATOR, Role.MUNICIPAL_REVIEWER, Role.SUPERVISOR, Role.AUDITOR),
        WORK,
    ),
    Entry(
        "certificates",
        _("证书"),
        "workspace_premium",
        "certificates:index",
        lambda user: _city(user) or access.has_role(user, Role.BODY_OPERATOR),
        WORK,
    ),
    Entry(
        "coverage",
        _("专业覆盖情况"),
        "grid_view",
        "plans:coverage",
        _roles(Role.APPLICANT, Role.LEGAL_REPRESENTATIVE, Role.BODY_OPERATOR),
        WORK,
    ),
    Entry(
        "evaluators",
        _("考评员库"),
        "badge",
        "plans:evaluators",
        _register_visible,
        WORK,
    ),
    Entry(
        "agreements",
        _("合作协议"),
        "handshake",
        "plans:agreement_list",
        _agreements_visible,
        WORK,
    ),
    Entry(
        "appointments",
        _("特级技师/首席技师评聘"),
        "military_tech",
        "appointments:index",
        _appointments_visible,
        WORK,
    ),
    Entry(
        "competitions",
        _("竞赛晋升"),
        "emoji_events",
        "competitions:index",
        _competitions_visible,
        WORK,
    ),
    Entry("staff_register", _("职工名册"), "groups", "staff:index", _staff_register, WORK),
    Entry("holding", _("人人持证"), "verified_user", "staff:holding", _staff_register, WORK),
    Entry("notifications", _("消息"), "notifications", "notifications:index", _anyone, WORK),
    Entry("dashboard", _("全市看板"), "insights", "dashboard:index", access.reads_dashboard, OVERVIEW),
    Entry(
        "task_lists", _("年度任务清单"), "checklist", "dashboard:task_lists", _task_lists_visible, OVERVIEW
    ),
    Entry("training", _("培训与学徒记录"), "school", "dashboard:training", _training_visible, WORK),
    Entry("coverage_city", _("全市专业覆盖"), "map", "plans:coverage_city", _city, OVERVIEW),
    Entry("supervision", _("评价机构监管"), "gavel", "supervision:index", _supervision_visible, OVERVIEW),
    Entry("spot_checks", _("双随机抽查"), "casino", "supervision:spot_checks", _city, OVERVIEW),
    Entry("statistics", _("证书统计"), "bar_chart", "certificates:statistics", _city, OVERVIEW),
    Entry("national", _("全国证书数据上报"), "cloud_upload", "certificates:national", _municipal, OVERVIEW),
    Entry("audit", _("审计日志"), "policy", "audit:index", _audit_reader, OVERVIEW),
    Entry("admin", _("系统管理"), "settings", "admin:index", _staff, OVERVIEW),
    Entry("publicity", _("备案公示"), "campaign", "publicity", _anyone, PUBLIC),
    Entry("verify", _("证书查验"), "verified", "verify", _anyone, PUBLIC),
    Entry("catalogue", _("评价机构目录"), "menu_book", "catalogue", _anyone, PUBLIC),
    Entry("promotion_rules", _("以赛促评晋升规则"), "rule", "promotion_rules", _anyone, PUBLIC),
]


def register(entry: Entry, *, after: str | None = None) -> Entry:
    """Add an entry (once), after the entry keyed ``after`` or at the end of its group."""
    if any(e.key == entry.key for e in MENU):
        return entry
    keys = [e.key for e in MENU]
    if after in keys:
        MENU.insert(keys.index(after) + 1, entry)
    else:
        last = max((i for i, e in enumerate(MENU) if e.group == entry.group), default=len(MENU) - 1)
        MENU.insert(last + 1, entry)
    return entry


def _url(name: str) -> str | None:
    try:
        return reverse(name)
    except NoReverseMatch:
        return None


def entries_for(user, path: str = "") -> list[dict]:
    """The groups of entries the user sees: ``[{"title", "entries": [{"key", "title", "icon", "url",
    "active"}]}]``. The active entry is the one whose URL is the longest prefix of ``path``."""
    if not getattr(user, "is_authenticated", False):
        return []
    shown = []
    for entry in MENU:
        url = _url(entry.url_name)
        if url and entry.allowed(user):
            shown.append(
                {"key": entry.key, "title": entry.title, "icon": entry.icon, "url": url, "group": entry.group}
            )
    matches = [e for e in shown if path.startswith(e["url"]) and (e["url"] != "/" or path == "/")]
    if matches:
        max(matches, key=lambda e: len(e["url"]))["active"] = True
    groups: list[dict] = []
    for item in shown:
        if not groups or groups[-1]["title"] != item["group"]:
            groups.append({"title": item["group"], "entries": []})
        groups[-1]["entries"].append(item)
    return groups
