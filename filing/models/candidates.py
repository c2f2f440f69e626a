"""Candidates (考生), their registrations in plans, part scores, roster imports and eligibility rules."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django_fsm import ConcurrentTransitionMixin, FSMField, transition

from filing.validators import DocumentType

from .evaluations import EvaluationPlan
from .organisations import Major, Organisation
from .reference import AssessmentPart, Occupation


class Candidate(models.Model):
    """A person, identified by an encrypted document number and its keyed hash (never in clear)."""

    name = models.CharField(_("姓名"), max_length=60)
    document_type = models.CharField(_("证件类型"), max_length=20, choices=DocumentType.choices)
    document_encrypted = models.TextField()
    document_index = models.CharField(max_length=64, unique=True)
    document_masked = models.CharField(_("证件号码"), max_length=32)
    birth_date = models.DateField(_("出生日期"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("考生")
        verbose_name_plural = _("考生")

    def __str__(self) -> str:
        return f"{self.name} {self.document_masked}"


class RegistrationPhoto(models.Model):
    """The certificate photo (证书照片) the body collected for one registration: a JPEG re-encoded by Pillow
    (nothing of the upload's metadata survives), encrypted like the ID number
    (:func:`filing.pii.encrypt_bytes`). Its own table, so that lists of registrations never carry it, and
    per registration, so that what one body collected is not another's."""

    registration = models.OneToOneField(
        "filing.Registration", on_delete=models.CASCADE, related_name="photo", verbose_name=_("报名")
    )
    encrypted = models.TextField()
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(_("上传时间"), auto_now=True)

    class Meta:
        verbose_name = _("证书照片")
        verbose_name_plural = _("证书照片")

    def __str__(self) -> str:
        return f"{self.registration_id} {self.sha256[:12]}"


class RegistrationStatus(models.TextChoices):
    SUBMITTED = "submitted", _("已报名")
    ELIGIBLE = "eligible", _("资格审核通过")
    INELIGIBLE = "ineligible", _("资格审核不通过")
    SCHEDULED = "scheduled", _("已安排考场")
    ASSESSED = "assessed", _("已考核")
    PASSED = "passed", _("合格")
    FAILED = "failed", _("不合格")
    ABSENT = "absent", _("缺考")
    DISQUALIFIED = "disqualified", _("违纪取消")
    CERTIFIED = "certified", _("已发证")


R = RegistrationStatus
#: Registrations whose part scores may be entered: they were scheduled to sit, or their result was reopened.
SCORABLE = (R.SCHEDULED, R.ASSESSED, R.PASSED, R.FAILED, R.ABSENT, R.DISQUALIFIED)
#: Registrations with an outcome (what results publicity shows).
DECIDED = (R.PASSED, R.FAILED, R.ABSENT, R.DISQUALIFIED)


class Registration(ConcurrentTransitionMixin, models.Model):
    plan = models.ForeignKey(EvaluationPlan, on_delete=models.PROTECT, related_name="registrations")
    candidate = models.ForeignKey(Candidate, on_delete=models.PROTECT, related_name="registrations")
    school = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="+", verbose_name=_("就读院校")
    )
    major = models.ForeignKey(Major, on_delete=models.PROTECT, null=True, blank=True, verbose_name=_("专业"))
    class_name = models.CharField(_("班级"), max_length=60, blank=True)
    #: Student rows only (a worker row of an enterprise plan has neither).
    expected_graduation = models.DateField(_("预计毕业时间"), null=True, blank=True)
    full_time = models.BooleanField(_("全日制"), null=True, blank=True)
    # Worker rows of an enterprise body's plan (企业自主评价); empty for students.
    employee_number = models.CharField(_("工号"), max_length=30, blank=True)
    skilled_post = models.BooleanField(_("技能岗位"), null=True, blank=True)
    years_in_occupation = models.DecimalField(
        _("从事本职业年限"), max_digits=4, decimal_places=1, null=True, blank=True
    )
    education = models.CharField(_("学历"), max_length=30, blank=True)
    current_certificate_number = models.CharField(_("现持证书编号"), max_length=40, blank=True)
    current_certificate_level = models.PositiveSmallIntegerField(_("现持证书等级"), null=True, blank=True)
    current_certificate_occupation = models.CharField(_("现持证书职业"), max_length=60, blank=True)
    #: The declared certificate when it is one of our register (checked: valid, same person, same
    #: occupation and level); None when it was issued elsewhere and is kept as declared.
    current_certificate = models.ForeignKey(
        "filing.Certificate",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("本系统证书"),
    )
    row_number = models.PositiveIntegerField(_("名册行号"), null=True, blank=True)
    #: The contact (mobile or e-mail) the school gave for this person with the roster, encrypted like the ID
    #: number; its keyed hash lets the holder sign in with it (``filing.services.holders``).
    contact_encrypted = models.TextField(blank=True)
    contact_index = models.CharField(max_length=64, blank=True, db_index=True)
    status = FSMField(_("状态"), default=R.SUBMITTED, choices=R.choices, protected=True)
    #: [{"rule": "graduating_year", "passed": true, "detail": "..."}]
    eligibility = models.JSONField(_("资格审核记录"), default=list, blank=True)
    ineligible_reason = models.TextField(_("不通过理由"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("报名")
        verbose_name_plural = _("报名")
        ordering = ["plan", "row_number", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "candidate"], name="uniq_registration_per_plan")
        ]

    def __str__(self) -> str:
        return f"{self.candidate} @ {self.plan}"

    @transition(field=status, source=R.SUBMITTED, target=R.ELIGIBLE)
    def mark_eligible(self, checks) -> None:
        self.eligibility = checks

    @transition(field=status, source=R.SUBMITTED, target=R.INELIGIBLE)
    def mark_ineligible(self, checks, reason) -> None:
        self.eligibility, self.ineligible_reason = checks, reason

    @transition(field=status, source=R.ELIGIBLE, target=R.SCHEDULED)
    def schedule(self) -> None:
        pass

    @transition(field=status, source=R.SCHEDULED, target=R.ASSESSED)
    def assess(self) -> None:
        pass

    @transition(field=status, source=[R.SCHEDULED, R.ASSESSED], target=R.ABSENT)
    def mark_absent(self) -> None:
        pass

    @transition(field=status, source=[R.SCHEDULED, R.ASSESSED], target=R.DISQUALIFIED)
    def disqualify(self) -> None:
        pass

    @transition(field=status, source=R.ASSESSED, target=R.PASSED)
    def mark_passed(self) -> None:
        pass

    @transition(field=status, source=R.ASSESSED, target=R.FAILED)
    def mark_failed(self) -> None:
        pass

    @transition(field=status, source=[R.PASSED, R.FAILED, R.ABSENT, R.DISQUALIFIED], target=R.ASSESSED)
    def reopen_result(self) -> None:
        """The authority's audit sent the results back for correction."""

    @transition(field=status, source=R.PASSED, target=R.CERTIFIED)
    def certify(self) -> None:
        pass


class PartScore(models.Model):
    registration = models.ForeignKey(Registration, on_delete=models.CASCADE, related_name="scores")
    part = models.CharField(_("考核方式"), max_length=10, choices=AssessmentPart.choices)
    score = models.DecimalField(_("成绩"), max_digits=5, decimal_places=1, null=True, blank=True)
    absent = models.BooleanField(_("缺考"), default=False)
    disqualified = models.BooleanField(_("违纪"), default=False)
    entered_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    entered_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("分项成绩")
        verbose_name_plural = _("分项成绩")
        constraints = [
            models.UniqueConstraint(fields=["registration", "part"], name="uniq_part_score"),
            models.CheckConstraint(
                condition=models.Q(score__isnull=True) | (models.Q(score__gte=0) & models.Q(score__lte=100)),
                name="part_score_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.registration_id} {self.part} {self.score}"


class RosterImport(models.Model):
    """One uploaded roster file and its outcome; a rejected file leaves its per-row report here only."""

    class Outcome(models.TextChoices):
        ACCEPTED = "accepted", _("已导入")
        REJECTED = "rejected", _("已拒绝")

    plan = models.ForeignKey(EvaluationPlan, on_delete=models.CASCADE, related_name="imports")
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(auto_now_add=True)
    file_name = models.CharField(max_length=200)
    sha256 = models.CharField(max_length=64)
    outcome = models.CharField(max_length=10, choices=Outcome.choices)
    rows = models.PositiveIntegerField(default=0)
    #: [{"row": 5, "column": "证件号码", "reason": "..."}] — never contains a clear ID number
    report = models.JSONField(default=list)
    #: How the file was read: {"sheet", "header_row", "columns": [{"column", "header", "field"}],
    #: "ignored": [{"column", "header"}], "skipped": [{"row", "reason"}], "defaults": [...]}
    layout = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name = _("名册导入")
        verbose_name_plural = _("名册导入")
        ordering = ["-uploaded_at"]

    def __str__(self) -> str:
        return f"{self.file_name} {self.get_outcome_display()}"


class EligibilityRule(models.Model):
    """Eligibility conditions per occupation standard (a row with no occupation is the default)."""

    occupation = models.OneToOneField(
        Occupation, on_delete=models.CASCADE, null=True, blank=True, related_name="eligibility_rule"
    )
    min_age = models.PositiveSmallIntegerField(_("最低年龄"), default=16)
    max_age = models.PositiveSmallIntegerField(_("最高年龄"), null=True, blank=True)
    require_full_time = models.BooleanField(_("须为全日制"), default=True)
    require_graduating_year = models.BooleanField(_("须为毕业学年"), default=True)
    allow_related_major = models.BooleanField(_("相关专业可报"), default=True)
    basis = models.CharField(_("依据"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("报名资格规则")
        verbose_name_plural = _("报名资格规则")

    def __str__(self) -> str:
        return str(self.occupation or _("默认规则"))
