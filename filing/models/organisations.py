"""Organisations (colleges, enterprises, social training evaluation organisations), their majors, and the
memberships through which users act for an organisation, a district or the city."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _
from django_fsm import ConcurrentTransitionMixin, FSMField, transition

from filing.roles import ROLES, Role, Scope
from filing.validators import normalise_document_number, validate_uscc

from .reference import District, Occupation


class OrganisationKind(models.TextChoices):
    HIGHER_VOCATIONAL = "higher_vocational", _("高职院校")
    SECONDARY_VOCATIONAL = "secondary_vocational", _("中职学校")
    TECHNICIAN_SCHOOL = "technician_school", _("技工院校")
    UNDERGRADUATE = "undergraduate", _("本科院校")
    ENTERPRISE = "enterprise", _("企业")
    SOCIAL_TRAINING_ORG = "social_training_org", _("社会培训评价组织")

    @classmethod
    def schools(cls) -> frozenset[str]:
        return frozenset(
            {cls.HIGHER_VOCATIONAL, cls.SECONDARY_VOCATIONAL, cls.TECHNICIAN_SCHOOL, cls.UNDERGRADUATE}
        )


class Organisation(models.Model):
    """An institution: a school or enterprise (maybe a 新型技师学院) or a social training evaluation org."""

    name = models.CharField(_("单位名称"), max_length=100, unique=True)
    uscc = models.CharField(_("统一社会信用代码"), max_length=18, unique=True, validators=[validate_uscc])
    kind = models.CharField(_("单位类型"), max_length=30, choices=OrganisationKind.choices)
    district = models.ForeignKey(District, on_delete=models.PROTECT, verbose_name=_("所在区"))
    is_new_type_college = models.BooleanField(_("新型技师学院"), default=False)
    college_batch = models.PositiveSmallIntegerField(
        _("新型技师学院批次"), null=True, blank=True, help_text=_("第几批认定的新型技师学院")
    )
    is_state_owned = models.BooleanField(
        _("国有企业"), default=False, help_text=_("市国资委监管的国有企业（国资委只读角色的范围）")
    )
    address = models.CharField(_("地址"), max_length=200, blank=True)
    legal_representative = models.CharField(_("法定代表人"), max_length=40, blank=True)

    class Meta:
        verbose_name = _("单位")
        verbose_name_plural = _("单位")
        ordering = ["district__code", "name"]
        permissions = [
            ("manage_own_majors", _("维护本单位专业")),
            ("sign_commitment", _("签署申报承诺")),
            ("operate_evaluations", _("组织技能等级认定")),
            ("review_district", _("区级审核")),
            ("review_municipal", _("市级审核")),
            ("score_filing", _("专家评分")),
            ("supervise_sittings", _("督导考试")),
            ("view_full_id_number", _("查看完整证件号码")),
            ("view_dashboard", _("查阅全市看板")),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(is_new_type_college=True) | models.Q(college_batch__isnull=True),
                name="batch_only_for_new_type_college",
            )
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_school(self) -> bool:
        return self.kind in OrganisationKind.schools()

    def clean(self) -> None:
        self.uscc = normalise_document_number(self.uscc)
        if self.is_new_type_college and self.kind == OrganisationKind.SOCIAL_TRAINING_ORG:
            raise ValidationError({"is_new_type_college": _("新型技师学院应为院校或企业。")})
        if self.is_state_owned and self.kind != OrganisationKind.ENTERPRISE:
            raise ValidationError({"is_state_owned": _("只有企业可以标记为国有企业。")})


class Major(models.Model):
    """A major (专业) of a school, with its graduating-year headcount."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="majors", verbose_name=_("院校")
    )
    code = models.CharField(_("专业代码"), max_length=20)
    name = models.CharField(_("专业名称"), max_length=80)
    graduating_students = models.PositiveIntegerField(_("毕业学年学生数"), default=0)
    occupations = models.ManyToManyField(
        Occupation, through="MajorOccupation", related_name="majors", verbose_name=_("对应职业")
    )

    class Meta:
        verbose_name = _("专业")
        verbose_name_plural = _("专业")
        ordering = ["organisation", "code"]
        constraints = [models.UniqueConstraint(fields=["organisation", "code"], name="uniq_major_code")]

    def __str__(self) -> str:
        return f"{self.name}（{self.code}）"


class MajorRelation(models.TextChoices):
    SAME = "same", _("本专业")
    RELATED = "related", _("相关专业")


class MajorOccupation(models.Model):
    """How a major relates to an occupation: 本专业 (the major trains for it) or 相关专业."""

    major = models.ForeignKey(Major, on_delete=models.CASCADE, related_name="occupation_links")
    occupation = models.ForeignKey(Occupation, on_delete=models.PROTECT, related_name="major_links")
    relation = models.CharField(_("对应关系"), max_length=10, choices=MajorRelation.choices)

    class Meta:
        verbose_name = _("专业与职业对应")
        verbose_name_plural = _("专业与职业对应")
        constraints = [models.UniqueConstraint(fields=["major", "occupation"], name="uniq_major_occupation")]

    def __str__(self) -> str:
        return f"{self.major.name} → {self.occupation.name}（{self.get_relation_display()}）"


class Membership(models.Model):
    """A user acting in a role for an organisation, a district or the city."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(_("角色"), max_length=30, choices=Role.choices)
    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="memberships",
        verbose_name=_("单位"),
    )
    district = models.ForeignKey(
        District,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="memberships",
        verbose_name=_("区"),
    )
    is_unit_lead = models.BooleanField(_("科室负责人"), default=False, help_text=_("可将任务转办给同事"))
    is_active = models.BooleanField(_("有效"), default=True)

    class Meta:
        verbose_name = _("用户角色")
        verbose_name_plural = _("用户角色")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "role", "organisation", "district"], name="uniq_membership"
            ),
        ]

    def __str__(self) -> str:
        where = self.organisation or self.district or _("上海市")
        return f"{self.user} · {self.get_role_display()} · {where}"

    def clean(self) -> None:
        if self.role not in ROLES:
            return  # an empty or unknown role is the role field's own error (full_clean still calls clean)
        scope = ROLES[self.role].scope
        if scope == Scope.ORGANISATION and (self.organisation_id is None or self.district_id is not None):
            raise ValidationError(_("该角色须指定单位，且不指定区。"))
        if scope == Scope.DISTRICT and (self.district_id is None or self.organisation_id is not None):
            raise ValidationError(_("该角色须指定区，且不指定单位。"))
        if scope in (Scope.CITY, Scope.NONE) and (self.district_id or self.organisation_id):
            raise ValidationError(_("该角色为全市范围，不指定单位或区。"))


class MembershipRequest(ConcurrentTransitionMixin, models.Model):
    """A role that one administrator asks for and a second one must approve (the roles that can reveal
    personal data or grant roles: ``filing.roles.FOUR_EYES_ROLES``)."""

    class State(models.TextChoices):
        PENDING = "pending", _("待批准")
        APPROVED = "approved", _("已批准")
        DECLINED = "declined", _("未批准")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", verbose_name=_("用户")
    )
    role = models.CharField(_("角色"), max_length=30, choices=Role.choices)
    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("单位"),
    )
    district = models.ForeignKey(
        District, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("区")
    )
    is_unit_lead = models.BooleanField(_("科室负责人"), default=False)
    reason = models.TextField(_("申请理由"))
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("申请人")
    )
    requested_at = models.DateTimeField(_("申请时间"), auto_now_add=True)
    state = FSMField(_("状态"), default=State.PENDING, choices=State.choices, protected=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("批准人"),
    )
    decided_at = models.DateTimeField(_("批准时间"), null=True, blank=True)
    decision_reason = models.TextField(_("批准意见"), blank=True)
    membership = models.ForeignKey(
        Membership, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("角色")
    )

    class Meta:
        verbose_name = _("角色申请（须双人批准）")
        verbose_name_plural = _("角色申请（须双人批准）")
        ordering = ["-requested_at"]

    def __str__(self) -> str:
        return f"{self.user} · {self.get_role_display()} · {self.get_state_display()}"

    @transition(field=state, source=State.PENDING, target=State.APPROVED)
    def approve(self, by, reason: str, at, membership) -> None:
        self.decided_by, self.decision_reason, self.decided_at, self.membership = by, reason, at, membership

    @transition(field=state, source=State.PENDING, target=State.DECLINED)
    def decline(self, by, reason: str, at) -> None:
        self.decided_by, self.decision_reason, self.decided_at = by, reason, at
