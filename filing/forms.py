"""Forms for the applicant's and reviewers' pages. Forms validate shape; services enforce the rules."""

from __future__ import annotations

from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from filing import schedule, selectors
from filing.models import (
    ApplicationKind,
    AssessmentPart,
    AttachmentKind,
    BodyCategory,
    BodyStatus,
    Candidate,
    Competition,
    CompetitionStatus,
    EvaluationBody,
    Evaluator,
    FiledLine,
    FiledLineStatus,
    Level,
    Major,
    Occupation,
    OccupationLevel,
    Organisation,
    PlanMethod,
    RecusalRelation,
    Sitting,
    StaffRole,
)
from filing.services.common import required_parts
from filing.services.corrections import CORRECTABLE_FIELDS
from filing.services.staffing import booking_conflicts


class VersionedForm(forms.Form):
    """Carries the version of the application the user loaded (stale forms get 409)."""

    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


class ApplicationCreateForm(forms.Form):
    organisation = forms.ModelChoiceField(Organisation.objects.none(), label=_("申报单位"))
    kind = forms.ChoiceField(choices=ApplicationKind.choices, label=_("申请类型"))
    body_category = forms.ChoiceField(
        choices=BodyCategory.choices, label=_("机构类别"), initial=BodyCategory.EMPLOYER
    )
    summary = forms.CharField(widget=forms.Textarea, label=_("申请说明"), required=False, max_length=5000)
    contact_name = forms.CharField(label=_("联系人"), max_length=40)
    contact_phone = forms.CharField(label=_("联系电话"), max_length=30)

    def __init__(self, *args, organisations=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = (
            organisations if organisations is not None else Organisation.objects.none()
        )
        if organisations is not None and organisations.count() == 1:
            self.fields["organisation"].initial = organisations.first()


class ApplicationEditForm(VersionedForm):
    """The application's own fields; during a correction only the ticked ones are editable (the others are
    shown, disabled, so that what the reviewer did not ask about cannot change)."""

    summary = forms.CharField(widget=forms.Textarea, label=_("申请说明"), required=False, max_length=5000)
    contact_name = forms.CharField(label=_("联系人"), max_length=40, required=False)
    contact_phone = forms.CharField(label=_("联系电话"), max_length=30, required=False)

    def __init__(self, *args, editable=None, **kwargs):
        super().__init__(*args, **kwargs)
        if editable is not None:
            for name in CORRECTABLE_FIELDS:
                self.fields[name].disabled = name not in editable


class OfferingChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        work_type = obj.work_type.name if obj.work_type_id else "--"
        return f"{obj.occupation.code} {obj.occupation.name} / {work_type} / {obj.get_level_display()}"


class LineForm(VersionedForm):
    offering = OfferingChoiceField(
        OccupationLevel.objects.select_related("occupation", "work_type").filter(occupation__is_active=True),
        label=_("职业（工种）等级"),
    )
    majors = forms.ModelMultipleChoiceField(
        Major.objects.none(), label=_("对应专业"), required=False, widget=forms.CheckboxSelectMultiple
    )
    venue = forms.CharField(widget=forms.Textarea, label=_("考核场地"), max_length=2000)
    equipment = forms.CharField(widget=forms.Textarea, label=_("设施设备"), max_length=2000)
    evaluator_pool = forms.CharField(widget=forms.Textarea, label=_("考评人员"), max_length=2000)

    def __init__(self, *args, organisation=None, editing=False, **kwargs):
        super().__init__(*args, **kwargs)
        if organisation is not None:
            self.fields["majors"].queryset = organisation.majors.all()
        if editing:
            del self.fields["offering"]


class AttachmentForm(forms.Form):
    kind = forms.ChoiceField(choices=AttachmentKind.choices, label=_("材料类型"))
    file = forms.FileField(label=_("文件（PDF、JPG、PNG，不超过20MB）"))


class AttachmentReplaceForm(forms.Form):
    file = forms.FileField(
        label=_("新文件（PDF、JPG、PNG，不超过20MB）"),
        help_text=_("原文件不会被删除：审核人员仍可在版本记录中查看提交过的文件。"),
    )


class ReasonForm(VersionedForm):
    reason = forms.CharField(widget=forms.Textarea, label=_("理由"), max_length=5000)


class RespondForm(VersionedForm):
    comment = forms.CharField(widget=forms.Textarea, label=_("补正情况说明"), max_length=5000)


class ObjectionForm(forms.Form):
    name = forms.CharField(label=_("异议人姓名或单位"), max_length=60)
    contact = forms.CharField(
        label=_("联系方式（电子邮箱或手机号码）"),
        max_length=80,
        help_text=_("将向该邮箱或手机发送验证码以核验身份；异议人信息不向被异议单位公开。"),
    )
    text = forms.CharField(widget=forms.Textarea, label=_("异议内容及事实依据"), max_length=5000)


class ObjectionCodeForm(forms.Form):
    challenge = forms.IntegerField(widget=forms.HiddenInput)
    code = forms.CharField(
        label=_("验证码"), max_length=12, help_text=_("发送至您联系方式的6位数字，15分钟内有效。")
    )


class ObjectionTriageForm(forms.Form):
    """Several pending objections dismissed with one reason (duplicates, a repeated unfounded claim)."""

    objections = forms.TypedMultipleChoiceField(coerce=int, choices=[], label=_("异议"))
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), label=_("处理意见"), max_length=5000)

    def __init__(self, *args, application=None, **kwargs):
        super().__init__(*args, **kwargs)
        if application is not None:
            self.fields["objections"].choices = [
                (o.pk, str(o.pk)) for o in application.objections.filter(state="pending")
            ]


class ObjectionDecisionForm(forms.Form):
    upheld = forms.TypedChoiceField(
        choices=[("no", _("异议不成立")), ("yes", _("异议成立，重新决定"))],
        coerce=lambda v: v == "yes",
        label=_("处理结论"),
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(widget=forms.Textarea, label=_("处理意见"), max_length=5000)


# --- evaluation plans, roster, agreements ------------------------------------------------------------


class LineChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.body.name} · {obj.offering}"


class BodyChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.name}（{obj.code}）"


class PlanEditForm(forms.Form):
    title = forms.CharField(
        label=_("计划名称"),
        max_length=120,
        help_text=_("考生、审核人员和公示页看到的名称，建议写明届别、职业和等级，如“2027届数控车工四级”。"),
    )
    expected_headcount = forms.IntegerField(
        label=_("预计人数"), min_value=1, max_value=100000, help_text=_("报名考生的预计人数，用于安排场次。")
    )
    first_sitting_on = forms.DateField(
        label=_("首场考核日期"), widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"})
    )
    photos_waived = forms.BooleanField(
        label=_("免交照片"),
        required=False,
        help_text=_("勾选后，本计划的证书可以不印照片发放；否则每名合格考生须先上传证书照片。"),
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        # The rule and today's earliest date, stated before the user picks (one rule: filing.schedule).
        self.fields["first_sitting_on"].help_text = schedule.first_sitting_help()
        self.fields["first_sitting_on"].widget.attrs["min"] = schedule.earliest_first_sitting().isoformat()

    def clean_first_sitting_on(self):
        first = self.cleaned_data["first_sitting_on"]
        problem = schedule.first_sitting_problem(first)
        if problem:
            raise forms.ValidationError(problem)
        return first


class PlanForm(PlanEditForm):
    line = LineChoice(
        FiledLine.objects.none(),
        label=_("备案项目"),
        help_text=_("只能在本机构已备案的职业（工种）等级内组织认定。"),
    )
    method = forms.ChoiceField(
        label=_("认定方式"),
        choices=PlanMethod.choices,
        initial=PlanMethod.EXAM,
        required=False,
        help_text=_(
            "考核评价：导入名册，按职业标准考核。直接认定：企业对业绩突出的一线职工逐人提交业绩材料，由专家"
            "综合评审，仅限三级/高级工及以上，不设学历、资历、年龄和比例限制。以赛促评：按晋升规则为竞赛"
            "获奖者晋升等级，须先在“竞赛晋升”中评定。"
        ),
    )
    competition = forms.ModelChoiceField(
        Competition.objects.none(),
        label=_("竞赛"),
        required=False,
        help_text=_("仅以赛促评计划填写：本机构已评定晋升的竞赛，计划的等级应为获奖者晋升后的等级。"),
    )
    field_order = [
        "line",
        "method",
        "competition",
        "title",
        "expected_headcount",
        "first_sitting_on",
        "photos_waived",
    ]

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        del self.fields["version"]
        bodies = selectors.bodies_operated_by(user)
        self.fields["line"].queryset = FiledLine.objects.filter(
            body__in=bodies, status=FiledLineStatus.ACTIVE
        ).select_related("body", "offering__occupation", "offering__work_type")
        self.fields["competition"].queryset = Competition.objects.filter(
            body__in=bodies, status=CompetitionStatus.DECIDED
        )

    def clean_method(self):
        return self.cleaned_data.get("method") or PlanMethod.EXAM


class SittingForm(forms.Form):
    part = forms.ChoiceField(
        label=_("考核方式"),
        choices=AssessmentPart.choices,
        help_text=_(
            "只列出本计划职业等级要求的考核方式：五级至三级须理论知识和操作技能，二级、一级另加综合评审；"
            "每种方式都须有场次，计划才能报备。"
        ),
    )
    starts_at = forms.DateTimeField(
        label=_("开始时间"),
        widget=forms.DateTimeInput(format="%Y-%m-%dT%H:%M", attrs={"type": "datetime-local"}),
        help_text=_("不得早于计划的首场考核日期。"),
    )
    ends_at = forms.DateTimeField(
        label=_("结束时间"),
        widget=forms.DateTimeInput(format="%Y-%m-%dT%H:%M", attrs={"type": "datetime-local"}),
        help_text=_("须晚于开始时间；已安排的考务人员在此时段内不能再安排到其他场次。"),
    )
    room = forms.CharField(
        label=_("考场"),
        max_length=60,
        help_text=_("考场名称或房间号，如“实训楼3-1”；一个场次对应一个考场，按考生人数配备监考人员。"),
    )
    candidates_expected = forms.IntegerField(
        label=_("考生人数"), min_value=1, max_value=100000, help_text=_("决定须配备的考评员、监考人员人数。")
    )

    def __init__(self, *args, plan=None, **kwargs):
        super().__init__(*args, **kwargs)
        if plan is not None:
            self.fields["part"].choices = [(p, AssessmentPart(p).label) for p in required_parts(plan)]


class EvaluatorChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        qualification = (
            f"{obj.occupation} {obj.get_level_display()}" if obj.occupation_id else _("无考评职业")
        )
        return f"{obj.name}（{obj.certificate_no}，{qualification}）"


class StaffForm(forms.Form):
    sitting = forms.ModelChoiceField(Sitting.objects.none(), label=_("场次"))
    role = forms.ChoiceField(label=_("人员类别"), choices=StaffRole.choices)
    evaluator = EvaluatorChoice(
        Evaluator.objects.none(),
        label=_("考评人员"),
        help_text=_(
            "从本机构人员库和市级人员库中选择；须在库、资格相符、证书在考核日有效且无回避关系；"
            "同一时段已安排在其他场次（含其他评价机构）的人员不能再安排。"
        ),
    )

    def __init__(self, *args, plan=None, **kwargs):
        super().__init__(*args, **kwargs)
        if plan is not None:
            self.fields["sitting"].queryset = plan.sittings.all()
            self.fields["evaluator"].queryset = (
                Evaluator.objects.filter(active=True)
                .filter(Q(body=plan.body) | Q(body__isnull=True))
                .select_related("occupation")
            )

    def clean(self):
        """Said at entry, by the rule the service applies (a person in two rooms at once)."""
        data = super().clean()
        if data.get("sitting") and data.get("evaluator"):
            for clash in booking_conflicts(data["evaluator"], data["sitting"]):
                self.add_error("evaluator", clash)
        return data


class EvaluatorForm(forms.Form):
    name = forms.CharField(label=_("姓名"), max_length=40)
    certificate_no = forms.CharField(
        label=_("考评员证号"), max_length=40, help_text=_("全市人员库中唯一：同一证号只能登记一次。")
    )
    can_evaluate = forms.BooleanField(
        label=_("考评员"),
        required=False,
        initial=True,
        help_text=_("人员类别至少选一项；担任考评员须登记考评职业和等级。"),
    )
    can_invigilate = forms.BooleanField(label=_("监考人员"), required=False, initial=True)
    is_supervisor = forms.BooleanField(
        label=_("督导员"), required=False, help_text=_("每个场次都须配备督导员（逢考必督）。")
    )
    occupation = forms.ModelChoiceField(
        Occupation.objects.order_by("code"),
        label=_("考评职业"),
        required=False,
        help_text=_("考评员证书上的职业；担任考评员须与计划的职业一致。"),
    )
    level = forms.TypedChoiceField(
        label=_("考评等级"),
        choices=[("", "---------"), *Level.choices],
        coerce=int,
        empty_value=None,
        required=False,
        help_text=_("可考评该等级及以下等级。"),
    )
    valid_until = forms.DateField(
        label=_("证书有效期至"),
        widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"}),
        help_text=_("有效期须覆盖考核日期，过期人员不能安排。"),
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


class EvaluatorCreateForm(EvaluatorForm):
    body = BodyChoice(
        EvaluationBody.objects.none(),
        label=_("服务评价机构"),
        help_text=_("本机构人员库的人员只能安排到本机构的场次；市级人员库的人员供全市各评价机构选用。"),
    )
    field_order = ["body"]

    def __init__(self, *args, user=None, **kwargs):
        from filing import access

        super().__init__(*args, **kwargs)
        del self.fields["version"]
        self.fields["body"].queryset = selectors.bodies_operated_by(user)
        if access.is_municipal_reviewer(user):
            # The city keeps its own pool (e.g. municipal supervisors): no body.
            self.fields["body"].required = False
            self.fields["body"].empty_label = _("市级人员库（市职业技能鉴定中心维护）")


class DeactivateForm(forms.Form):
    reason = forms.CharField(label=_("停用理由"), max_length=500)


class RecusalForm(forms.Form):
    evaluator = EvaluatorChoice(Evaluator.objects.none(), label=_("考评人员"))
    candidate = forms.ModelChoiceField(Candidate.objects.none(), label=_("考生"))
    relation = forms.ChoiceField(label=_("关系"), choices=RecusalRelation.choices)
    note = forms.CharField(
        label=_("说明"), max_length=200, required=False, help_text=_("如：表兄弟、班主任。")
    )

    def __init__(self, *args, plan=None, **kwargs):
        super().__init__(*args, **kwargs)
        if plan is not None:
            self.fields["evaluator"].queryset = Evaluator.objects.filter(
                Q(body=plan.body) | Q(body__isnull=True)
            ).select_related("occupation")
            self.fields["candidate"].queryset = Candidate.objects.filter(registrations__plan=plan).distinct()
            self.fields["candidate"].label_from_instance = lambda c: f"{c.name}（{c.document_masked}）"


class RosterUploadForm(forms.Form):
    file = forms.FileField(
        label=_("考生名册（.xlsx 或 .csv，不超过10MB）"),
        help_text=_(
            "可用模板，也可用学校自己的名单：表头在前20行内即可（标题行、合并单元格会跳过），"
            "需含姓名、证件号码（或身份证号）、专业代码或专业名称、毕业时间、是否全日制；"
            "序号、性别、学号、联系电话等列会被忽略；写“示例”的行不导入。任何一行有误，整份文件不导入。"
        ),
    )


class OfferingMultiChoice(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        return str(obj)


class AgreementForm(forms.Form):
    partner = BodyChoice(
        None,
        label=_("合作评价机构"),
        help_text=_("须为状态正常的社会培训评价组织或企业评价机构（不能是本校）；对方接受后协议才生效。"),
    )
    agreement_no = forms.CharField(
        label=_("协议编号"), max_length=60, help_text=_("书面协议上的编号，本校内不得重复。")
    )
    offerings = OfferingMultiChoice(
        None,
        label=_("委托评价的职业（工种）等级"),
        widget=forms.CheckboxSelectMultiple,
        help_text=_("只能选择合作机构已备案的职业（工种）等级；相关专业的毕业生由合作机构评价。"),
    )
    valid_from = forms.DateField(
        label=_("生效日期"),
        widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"}),
        help_text=_("协议仅在对方接受后、且在生效日期至截止日期之间计入专业覆盖。"),
    )
    valid_until = forms.DateField(
        label=_("截止日期"),
        widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"}),
        help_text=_("不能早于生效日期；到期后相关专业重新计为未覆盖。"),
    )

    def __init__(self, *args, school=None, **kwargs):
        super().__init__(*args, **kwargs)
        bodies = EvaluationBody.objects.filter(status=BodyStatus.ACTIVE).exclude(organisation=school)
        self.fields["partner"].queryset = bodies
        self.fields["offerings"].queryset = (
            OccupationLevel.objects.filter(
                filed_lines__body__in=bodies, filed_lines__status=FiledLineStatus.ACTIVE
            )
            .select_related("occupation", "work_type")
            .distinct()
        )
