"""The home page: for each of the user's roles, what it can do next."""

from django.utils.translation import gettext_lazy as _
from django.views.generic import TemplateView

from filing.roles import ROLES, Role
from filing.selectors import memberships_for

# What each role does next, in the order a person would do it. Links are URL names; an entry whose URL is
# not installed yet is shown without a link.
NEXT_STEPS: dict[str, list[tuple[str, str | None]]] = {
    Role.APPLICANT: [
        (_("维护本单位专业及其对应职业"), None),
        (_("起草评价机构备案申请，填写备案职业（工种）等级"), None),
        (_("答复补正通知"), None),
    ],
    Role.LEGAL_REPRESENTATIVE: [(_("签署备案申请的申报承诺"), None)],
    Role.BODY_OPERATOR: [
        (_("制定认定计划并报备"), None),
        (_("上传考生名册、录入成绩"), None),
        (_("发放职业技能等级证书"), None),
    ],
    Role.DISTRICT_REVIEWER: [(_("处理本区待审核的备案申请"), None)],
    Role.MUNICIPAL_REVIEWER: [
        (_("终审备案申请、组织专家评审"), None),
        (_("管理公示与异议"), None),
    ],
    Role.EXPERT: [(_("为分配给您的备案申请逐项评分，申报利益冲突"), None)],
    Role.SUPERVISOR: [(_("督导考场"), None)],
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
