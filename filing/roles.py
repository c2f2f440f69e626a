"""Roles: the one mapping from which Groups are built (``manage.py setup_roles``) and which tests use.

A role says where a user acts (``scope``: an organisation, a district or the whole city) and which named
permissions it bundles. Permissions are declared once, in the models' ``Meta.permissions``. Other apps add
their own permissions to a role with :func:`extend_role` from their ``AppConfig.ready`` (``workflows`` adds
viewflow's view permissions on its process models), so ``filing`` never names another app's permission.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from django.db import models
from django.utils.translation import gettext_lazy as _


class Scope(models.TextChoices):
    ORGANISATION = "organisation", _("单位")
    DISTRICT = "district", _("区")
    CITY = "city", _("市")
    NONE = "none", _("不限")


class Role(models.TextChoices):
    APPLICANT = "applicant", _("申报单位经办人")
    LEGAL_REPRESENTATIVE = "legal_rep", _("法定代表人")
    BODY_OPERATOR = "body_operator", _("评价机构考务人员")
    DISTRICT_REVIEWER = "district_reviewer", _("区人社局审核人员")
    MUNICIPAL_REVIEWER = "municipal_reviewer", _("市职业技能鉴定中心审核人员")
    EXPERT = "expert", _("评审专家")
    SUPERVISOR = "supervisor", _("督导员")
    AUDITOR = "auditor", _("审计人员")
    ADMINISTRATOR = "administrator", _("系统管理员")
    # Oversight (督促指导, read-only): the notice asks the districts' 人社 and education bureaus and the
    # state-assets commission to follow the colleges' work; each reads the dashboard for its own scope.
    DISTRICT_LEADER = "district_leader", _("区人社局领导")
    EDUCATION_BUREAU = "education_bureau", _("区教育局")
    STATE_ASSETS = "state_assets", _("市国资委")


@dataclass(frozen=True)
class RoleSpec:
    scope: str
    permissions: tuple[str, ...] = field(default_factory=tuple)
    description: str = ""


ROLES: dict[str, RoleSpec] = {
    Role.APPLICANT: RoleSpec(
        Scope.ORGANISATION,
        ("filing.view_organisation", "filing.view_major", "filing.manage_own_majors"),
        _("起草、提交备案申请，答复补正，撤回申请"),
    ),
    Role.LEGAL_REPRESENTATIVE: RoleSpec(
        Scope.ORGANISATION,
        ("filing.view_organisation", "filing.view_major", "filing.sign_commitment"),
        _("签署申报承诺"),
    ),
    Role.BODY_OPERATOR: RoleSpec(
        Scope.ORGANISATION,
        ("filing.view_organisation", "filing.view_major", "filing.operate_evaluations"),
        _("认定计划、名册、成绩、证书发放"),
    ),
    Role.DISTRICT_REVIEWER: RoleSpec(
        Scope.DISTRICT,
        ("filing.view_organisation", "filing.view_major", "filing.review_district"),
        _("本区备案申请初审"),
    ),
    Role.MUNICIPAL_REVIEWER: RoleSpec(
        Scope.CITY,
        (
            "filing.view_organisation",
            "filing.view_major",
            "filing.review_municipal",
            "filing.view_full_id_number",
        ),
        _("终审、组织专家评审、公示、目录与监管"),
    ),
    Role.EXPERT: RoleSpec(Scope.NONE, ("filing.score_filing",), _("为备案申请项目评分，申报利益冲突")),
    Role.SUPERVISOR: RoleSpec(Scope.CITY, ("filing.supervise_sittings",), _("督导考试")),
    Role.AUDITOR: RoleSpec(
        Scope.CITY,
        ("filing.view_auditevent", "filing.verify_audit_chain"),
        _("查阅审计日志与个人信息访问记录"),
    ),
    Role.ADMINISTRATOR: RoleSpec(
        Scope.CITY,
        (
            "filing.view_organisation",
            "filing.add_organisation",
            "filing.change_organisation",
            "filing.view_major",
            "filing.add_major",
            "filing.change_major",
            "filing.view_district",
            "filing.change_district",
            "filing.view_occupation",
            "filing.add_occupation",
            "filing.change_occupation",
            "filing.view_worktype",
            "filing.add_worktype",
            "filing.change_worktype",
            "filing.view_occupationlevel",
            "filing.add_occupationlevel",
            "filing.change_occupationlevel",
            "filing.view_calendaryear",
            "filing.add_calendaryear",
            "filing.change_calendaryear",
            "filing.view_calendaroverride",
            "filing.add_calendaroverride",
            "filing.change_calendaroverride",
            "filing.delete_calendaroverride",
            "filing.view_membership",
            "filing.add_membership",
            "filing.change_membership",
            "filing.view_membershiprequest",
            "filing.change_membershiprequest",
            "axes.view_accessattempt",
            "axes.view_accesslog",
            "auth.view_user",
            "auth.add_user",
            "auth.change_user",
        ),
        _("维护参考数据、单位与用户"),
    ),
    Role.DISTRICT_LEADER: RoleSpec(
        Scope.DISTRICT, ("filing.view_dashboard",), _("查阅本区看板与年度任务（只读）")
    ),
    Role.EDUCATION_BUREAU: RoleSpec(
        Scope.DISTRICT, ("filing.view_dashboard",), _("查阅本区院校的看板与年度任务（只读）")
    ),
    Role.STATE_ASSETS: RoleSpec(
        Scope.CITY, ("filing.view_dashboard",), _("查阅国有企业的看板与年度任务（只读）")
    ),
}

#: The read-only oversight roles and what each oversees (``filing.access.oversight_organisations``).
OVERSIGHT_ROLES = frozenset({Role.DISTRICT_LEADER, Role.EDUCATION_BUREAU, Role.STATE_ASSETS})


#: Roles one administrator cannot give alone (a second one approves a request): those that read full ID
#: numbers (municipal reviewers; body operators for their own candidates) and the administrator role, which
#: grants roles. Superusers and commands run by the operator are the platform's own set-up and exempt.
FOUR_EYES_ROLES = frozenset({Role.MUNICIPAL_REVIEWER, Role.BODY_OPERATOR, Role.ADMINISTRATOR})

#: Permissions other apps add to a role (see :func:`extend_role`).
ROLE_EXTENSIONS: defaultdict[str, set[str]] = defaultdict(set)


def extend_role(role: str, *permissions: str) -> None:
    """Add permissions of another app to a role; called from that app's ``AppConfig.ready``."""
    ROLE_EXTENSIONS[role].update(permissions)


def permissions_of(role: str) -> tuple[str, ...]:
    """Everything the role's Group carries: its own permissions and those other apps added."""
    return (*ROLES[role].permissions, *sorted(ROLE_EXTENSIONS[role]))


def group_name(role: str) -> str:
    """Groups are named by the role's key, so renaming a label never breaks them."""
    return f"role:{role}"
