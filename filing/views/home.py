"""The home page: the figures that say what is waiting for the user, then, for each of the user's roles,
what it can do next."""

from __future__ import annotations

from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.generic import TemplateView

from filing.dashboard import panels_for
from filing.roles import ROLES, Role
from filing.selectors import memberships_for, waiting_counts
from filing.views.extensions import NEXT_STEPS, SUMMARY_PROVIDERS
from filing.workdays import undeclared_years


def _url(name: str) -> str | None:
    try:
        return reverse(name)
    except NoReverseMatch:
        return None


#: The home-page figure for each count of ``selectors.waiting_counts``: label and the list it links to.
WAITING_FIGURES = {
    "returned": (_("待补正的申请"), "applications:index"),
    "drafts": (_("草稿"), "applications:index"),
    "drafts_to_sign": (_("待签署或提交的草稿"), "applications:index"),
    "plans_running": (_("进行中的认定计划"), "plans:index"),
}


def domain_summary(user) -> list[dict]:
    """What waits for the college's own people: corrections to answer, drafts to sign or submit, plans."""
    return [
        {"label": WAITING_FIGURES[key][0], "count": count, "url": _url(WAITING_FIGURES[key][1])}
        for key, count in waiting_counts(user).items()
    ]


# What each role does next, in the order a person would do it. Links are URL names; an entry whose URL is
# not installed yet is shown without a link. Steps other apps register (the task inbox) come first.
OWN_STEPS: dict[str, list[tuple[str, str | None]]] = {
    Role.APPLICANT: [
        (_("起草评价机构备案申请，填写备案职业（工种）等级"), "applications:create"),
        (_("查看本单位的申请，答复补正通知"), "applications:index"),
        (_("查看专业全覆盖情况，登记合作评价协议"), "plans:coverage"),
        (_("编制年度任务清单，报告完成情况"), "dashboard:task_lists"),
    ],
    Role.LEGAL_REPRESENTATIVE: [(_("签署备案申请的申报承诺"), "applications:index")],
    Role.BODY_OPERATOR: [
        (_("制定认定计划并报备"), "plans:create"),
        (_("导入考生名册、安排考务人员、录入成绩"), "plans:index"),
        (_("下载考生名册模板"), "plans:roster_template"),
    ],
    Role.MUNICIPAL_REVIEWER: [
        (_("全市看板：各院校年度指标、审核时限、证书与覆盖"), "dashboard:index"),
        (_("全市专业覆盖情况"), "plans:coverage_city"),
        (_("公示中的备案申请"), "publicity"),
    ],
    Role.SUPERVISOR: [(_("查看认定计划与考场"), "plans:index")],
    Role.DISTRICT_LEADER: [(_("本区看板与年度任务清单"), "dashboard:index")],
    Role.EDUCATION_BUREAU: [(_("本区院校的看板与年度任务清单"), "dashboard:index")],
    Role.STATE_ASSETS: [(_("国有企业的看板与年度任务清单"), "dashboard:index")],
    Role.AUDITOR: [(_("查阅审计日志"), "admin:filing_auditevent_changelist")],
    Role.ADMINISTRATOR: [
        (_("维护区、职业、工种与等级等参考数据"), "admin:filing_occupation_changelist"),
        (_("维护单位、专业与用户角色"), "admin:filing_organisation_changelist"),
        (_("维护法定节假日调整"), "admin:filing_calendaroverride_changelist"),
    ],
}


#: Roles told on the home page that next year's holiday schedule is missing: the administrator enters it, the
#: municipal reviewers run the legal clocks that will stop.
CALENDAR_ALERT_ROLES = {Role.ADMINISTRATOR, Role.MUNICIPAL_REVIEWER}


def calendar_alerts(user) -> list[dict]:
    roles = {m.role for m in memberships_for(user)}
    if not (user.is_superuser or roles & CALENDAR_ALERT_ROLES):
        return []
    can_edit = user.is_superuser or Role.ADMINISTRATOR in roles
    return [
        {
            "text": _(
                "%(year)d年的法定节假日安排尚未录入：期限落在该年的工作日将无法计算，相关操作会被拒绝。"
                "请在国务院办公厅发布通知后录入“工作日历年份”及“工作日历调整”。"
            )
            % {"year": year},
            "url": _url("admin:filing_calendaryear_add") if can_edit else None,
        }
        for year in undeclared_years(timezone.localdate())
    ]


class HomeView(TemplateView):
    template_name = "filing/home.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        context["figures"] = [f for provider in (domain_summary, *SUMMARY_PROVIDERS) for f in provider(user)]
        context["alerts"] = calendar_alerts(self.request.user)
        context["panels"] = panels_for(user)
        cards = []
        for membership in memberships_for(self.request.user):
            steps = []
            for text, url_name in [*NEXT_STEPS.get(membership.role, []), *OWN_STEPS.get(membership.role, [])]:
                steps.append({"text": text, "url": _url(url_name) if url_name else None})
            cards.append(
                {
                    "membership": membership,
                    "description": ROLES[membership.role].description,
                    "steps": steps,
                }
            )
        context["cards"] = cards
        return context
