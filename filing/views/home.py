"""The home page: for each of the user's roles, what it can do next."""

from django.utils.translation import gettext_lazy as _
from django.views.generic import TemplateView

from filing.roles import ROLES, Role
from filing.selectors import memberships_for

# What each role does next, in the order a person would do it. Links are URL names; an entry whose URL is
# not installed yet is shown without a link.
NEXT_STEPS: dict[str, list[tuple[str, str | None]]] = {
    Role.APPLICANT: [
        (_("起草评价机构备案申请，填写备案职业（工种）等级"), "applications:create"),
        (_("查看本单位的申请，答复补正通知"), "applications:index"),
        (_("查看专业全覆盖情况，登记合作评价协议"), "plans:coverage"),
    ],
    Role.LEGAL_REPRESENTATIVE: [(_("签署备案申请的申报承诺"), "applications:index")],
    Role.BODY_OPERATOR: [
        (_("制定认定计划并报备"), "plans:create"),
        (_("导入考生名册、安排考务人员、录入成绩"), "plans:index"),
        (_("下载考生名册模板"), "plans:roster_template"),
    ],
    Role.DISTRICT_REVIEWER: [(_("处理本区待受理、待审核的备案申请"), "tasks:inbox")],
    Role.MUNICIPAL_REVIEWER: [
        (_("终审备案申请、组织专家评审、作出决定"), "tasks:inbox"),
        (_("确认认定计划、审核认定结果"), "tasks:inbox"),
        (_("全市专业覆盖情况"), "plans:coverage_city"),
        (_("公示中的备案申请"), "publicity"),
    ],
    Role.EXPERT: [(_("为分配给您的备案申请逐项评分，申报利益冲突"), "tasks:inbox")],
    Role.SUPERVISOR: [(_("查看认定计划与考场"), "plans:index")],
    Role.AUDITOR: [(_("查阅审计日志"), "admin:filing_auditevent_changelist")],
    Role.ADMINISTRATOR: [
        (_("维护区、职业、工种与等级等参考数据"), "admin:filing_occupation_changelist"),
        (_("维护单位、专业与用户角色"), "admin:filing_organisation_changelist"),
        (_("维护法定节假日调整"), "admin:filing_calendaroverride_changelist"),
    ],
}


class HomeView(TemplateView):
    template_name = "filing/home.html"

    def get_context_data(self, **kwargs):
        from django.urls import NoReverseMatch, reverse

        context = super().get_context_data(**kwargs)
        cards = []
        for membership in memberships_for(self.request.user):
            steps = []
            for text, url_name in NEXT_STEPS.get(membership.role, []):
                try:
                    url = reverse(url_name) if url_name else None
                except NoReverseMatch:
                    url = None
                steps.append({"text": text, "url": url})
            cards.append(
                {
                    "membership": membership,
                    "description": ROLES[membership.role].description,
                    "steps": steps,
                }
            )
        context["cards"] = cards
        return context
