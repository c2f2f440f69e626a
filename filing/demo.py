"""Demo data for ``make run``: a few Shanghai colleges (fictional, marked 演示) and an enterprise, with
majors mapped to occupations, and one user per role. Idempotent."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db import transaction
from stdnum.cn import uscc

from filing.models import District, Major, MajorOccupation, Membership, Occupation, Organisation
from filing.roles import Role
from filing.services.memberships import membership_grant
from filing.services.roles import setup_roles

DEMO_PASSWORD = "Demo@2026"  # noqa: S105 (printed on purpose: demo logins)


def demo_uscc(prefix: str, body: str) -> str:
    """A syntactically valid 统一社会信用代码 for demo organisations (check character computed)."""
    partial = (prefix + body)[:17]
    return partial + uscc.calc_check_digit(partial + "0")


def demo_citizen_id(seq: int, birth: str) -> str:
    """A syntactically valid (fictional) 居民身份证号码 for demo people (浦东新区 area code)."""
    from stdnum.cn import ric

    body = f"310115{birth}{seq % 1000:03d}"
    return body + ric.calc_check_digit(body + "0")


@dataclass(frozen=True)
class DemoOrg:
    name: str
    uscc_prefix: str
    uscc_body: str
    kind: str
    district: str
    new_type: bool
    batch: int | None
    majors: tuple[tuple[str, str, int, tuple[tuple[str, str], ...]], ...]


ORGS = (
    DemoOrg(
        "上海浦江高级技工学校（演示）",
        "12310115",
        "MB2C0001X",
        "technician_school",
        "310115",
        True,
        1,
        (
            ("660103", "数控技术应用", 180, (("6-18-01-01", "same"), ("6-20-01-01", "related"))),
            ("660301", "电气自动化设备安装与维修", 150, (("6-31-01-03", "same"),)),
            ("660701", "汽车维修", 120, (("4-12-01-01", "same"),)),
            ("690101", "烹饪（中式烹调）", 90, (("4-03-02-01", "same"),)),
        ),
    ),
    DemoOrg(
        "上海徐汇信息技术职业学院（演示）",
        "12310104",
        "MB2C0002Y",
        "higher_vocational",
        "310104",
        True,
        2,
        (
            ("510201", "计算机应用技术", 220, (("4-04-05-05", "related"), ("4-04-04-02", "related"))),
            ("530701", "电子商务", 160, (("4-01-02-07", "same"),)),
        ),
    ),
    DemoOrg(
        "上海闵行现代制造技师学院（演示）",
        "12310112",
        "MB2C0003A",
        "technician_school",
        "310112",
        True,
        1,
        (("660101", "机械加工技术", 200, (("6-18-01-01", "same"), ("6-18-01-05", "same"))),),
    ),
    DemoOrg(
        "上海临港精密装备有限公司（演示）",
        "91310115",
        "MA1B0004C",
        "enterprise",
        "310115",
        True,
        2,
        (),
    ),
    DemoOrg(
        "上海申江机床集团有限公司（演示）",
        "91310115",
        "MA1B0005D",
        "enterprise",
        "310115",
        True,
        2,
        (),
    ),
)

USERS = (
    ("applicant", "浦江经办人", Role.APPLICANT, 0, None),
    ("legalrep", "浦江法定代表人", Role.LEGAL_REPRESENTATIVE, 0, None),
    ("operator", "浦江考务人员", Role.BODY_OPERATOR, 0, None),
    ("applicant_xh", "徐汇经办人", Role.APPLICANT, 1, None),
    ("applicant_mh", "闵行经办人", Role.APPLICANT, 2, None),
    ("applicant_lg", "临港经办人", Role.APPLICANT, 3, None),
    ("applicant_sj", "申江经办人", Role.APPLICANT, 4, None),
    ("ent_legalrep", "申江法定代表人", Role.LEGAL_REPRESENTATIVE, 4, None),
    ("ent_operator", "申江考务人员", Role.BODY_OPERATOR, 4, None),
    ("district_pd", "浦东新区人社局审核员", Role.DISTRICT_REVIEWER, None, "310115"),
    ("district_pd_lead", "浦东新区人社局科长", Role.DISTRICT_REVIEWER, None, "310115"),
    ("district_xh", "徐汇区人社局审核员", Role.DISTRICT_REVIEWER, None, "310104"),
    ("district_xh_lead", "徐汇区人社局科长", Role.DISTRICT_REVIEWER, None, "310104"),
    ("district_mh", "闵行区人社局审核员", Role.DISTRICT_REVIEWER, None, "310112"),
    ("municipal", "市鉴定中心审核员", Role.MUNICIPAL_REVIEWER, None, None),
    ("municipal_lead", "市鉴定中心处长", Role.MUNICIPAL_REVIEWER, None, None),
    ("expert1", "评审专家甲", Role.EXPERT, None, None),
    ("expert2", "评审专家乙", Role.EXPERT, None, None),
    ("expert3", "评审专家丙", Role.EXPERT, None, None),
    ("expert4", "评审专家丁", Role.EXPERT, None, None),
    ("supervisor", "督导员", Role.SUPERVISOR, None, None),
    ("auditor", "审计员", Role.AUDITOR, None, None),
    ("leader_pd", "浦东新区人社局领导", Role.DISTRICT_LEADER, None, "310115"),
    ("education_pd", "浦东新区教育局", Role.EDUCATION_BUREAU, None, "310115"),
    ("sasac", "市国资委", Role.STATE_ASSETS, None, None),
    ("admin", "系统管理员", Role.ADMINISTRATOR, None, None),
)


@transaction.atomic
def seed_demo() -> list[tuple[str, str, str]]:
    """Create the demo organisations and users; returns (username, role label, where) per user."""
    setup_roles()
    orgs = []
    for spec in ORGS:
        org, _ = Organisation.objects.update_or_create(
            name=spec.name,
            defaults={
                "uscc": demo_uscc(spec.uscc_prefix, spec.uscc_body),
                "kind": spec.kind,
                "district": District.objects.get(code=spec.district),
                "is_new_type_college": spec.new_type,
                "college_batch": spec.batch,
            },
        )
        orgs.append(org)
        for code, name, students, links in spec.majors:
            major, _ = Major.objects.update_or_create(
                organisation=org, code=code, defaults={"name": name, "graduating_students": students}
            )
            for occupation_code, relation in links:
                # A demo major must point at a shipped occupation: a missing code is an error, not a skip.
                occupation = Occupation.objects.get(code=occupation_code)
                MajorOccupation.objects.update_or_create(
                    major=major, occupation=occupation, defaults={"relation": relation}
                )
    User = get_user_model()
    logins = []
    for username, full_name, role, org_index, district_code in USERS:
        user, created = User.objects.get_or_create(username=username, defaults={"first_name": full_name})
        if created:
            user.set_password(DEMO_PASSWORD)
            user.save()
        organisation = orgs[org_index] if org_index is not None else None
        district = District.objects.get(code=district_code) if district_code else None
        if not Membership.objects.filter(user=user, role=role).exists():
            membership_grant(
                actor=None,
                user=user,
                role=role,
                organisation=organisation,
                district=district,
                is_unit_lead=username.endswith("_lead"),
            )
        where = organisation.name if organisation else (district.name if district else "上海市")
        logins.append((username, Role(role).label, where))
    return logins
