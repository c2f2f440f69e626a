"""Forms for the applicant's and reviewers' pages. Forms validate shape; services enforce the rules."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from filing.models import (
    ApplicationKind,
    AttachmentKind,
    BodyCategory,
    Major,
    OccupationLevel,
    Organisation,
)


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
    summary = forms.CharField(widget=forms.Textarea, label=_("申请说明"), required=False, max_length=5000)
    contact_name = forms.CharField(label=_("联系人"), max_length=40, required=False)
    contact_phone = forms.CharField(label=_("联系电话"), max_length=30, required=False)


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


class ReasonForm(VersionedForm):
    reason = forms.CharField(widget=forms.Textarea, label=_("理由"), max_length=5000)


class RespondForm(VersionedForm):
    comment = forms.CharField(widget=forms.Textarea, label=_("补正情况说明"), max_length=5000)


class ObjectionForm(forms.Form):
    name = forms.CharField(label=_("异议人姓名或单位"), max_length=60)
    contact = forms.CharField(label=_("联系方式"), max_length=60)
    text = forms.CharField(widget=forms.Textarea, label=_("异议内容及事实依据"), max_length=5000)


class ObjectionDecisionForm(forms.Form):
    upheld = forms.TypedChoiceField(
        choices=[("no", _("异议不成立")), ("yes", _("异议成立，重新决定"))],
        coerce=lambda v: v == "yes",
        label=_("处理结论"),
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(widget=forms.Textarea, label=_("处理意见"), max_length=5000)
