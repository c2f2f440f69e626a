"""Admin for reference data and organisations (administrators), and a read-only view of the audit log.
Every change made here is written to the audit log."""

from axes.admin import AccessAttemptAdmin
from axes.models import AccessAttempt
from django import forms
from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.shortcuts import redirect
from django.utils.translation import gettext_lazy as _
from django_otp.plugins.otp_totp.models import TOTPDevice

from filing.audit import audit_record
from filing.errors import DomainError
from filing.models import (
    AuditEvent,
    CalendarOverride,
    CalendarYear,
    District,
    Major,
    MajorOccupation,
    Membership,
    MembershipRequest,
    Occupation,
    OccupationLevel,
    Organisation,
    WorkerCondition,
    WorkType,
)
from filing.roles import FOUR_EYES_ROLES
from filing.services.memberships import (
    membership_grant,
    membership_request,
    membership_request_approve,
    membership_request_decline,
    membership_revoke,
    membership_set_unit_lead,
    needs_second_administrator,
)


class AuditedAdmin(admin.ModelAdmin):
    """Writes an audit event for each save and delete, in the same transaction."""

    def save_model(self, request, obj, form, change):
        with transaction.atomic():
            super().save_model(request, obj, form, change)
            audit_record(
                actor=request.user,
                action=f"admin.{'change' if change else 'add'}",
                obj=obj,
                payload={"fields": sorted(form.changed_data)},
            )

    def delete_model(self, request, obj):
        with transaction.atomic():
            audit_record(actor=request.user, action="admin.delete", obj=obj, payload={"repr": str(obj)})
            super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        with transaction.atomic():
            for obj in queryset:
                audit_record(actor=request.user, action="admin.delete", obj=obj, payload={"repr": str(obj)})
            super().delete_queryset(request, queryset)


@admin.register(District)
class DistrictAdmin(AuditedAdmin):
    list_display = ["code", "name", "bureau_name"]
    search_fields = ["code", "name"]


class WorkTypeInline(admin.TabularInline):
    model = WorkType
    extra = 0


class OccupationLevelInline(admin.TabularInline):
    model = OccupationLevel
    extra = 0
    autocomplete_fields = ["work_type"]


@admin.register(Occupation)
class OccupationAdmin(AuditedAdmin):
    list_display = ["code", "name", "standard", "is_active"]
    search_fields = ["code", "name"]
    list_filter = ["is_active"]
    inlines = [WorkTypeInline, OccupationLevelInline]


@admin.register(WorkerCondition)
class WorkerConditionAdmin(AuditedAdmin):
    """职工申报条件 per occupation and level (alternatives; any one suffices), read by the eligibility
    engine (``filing.eligibility.evaluate_worker``): changing a row changes the next roster's outcome."""

    list_display = ["occupation", "level", "position", "description", "prior_level", "years"]
    list_filter = ["level"]
    search_fields = ["occupation__name", "occupation__code", "description"]
    autocomplete_fields = ["occupation"]
    list_select_related = ["occupation"]


@admin.register(WorkType)
class WorkTypeAdmin(AuditedAdmin):
    list_display = ["name", "occupation"]
    search_fields = ["name", "occupation__name", "occupation__code"]


@admin.register(OccupationLevel)
class OccupationLevelAdmin(AuditedAdmin):
    list_display = ["occupation", "work_type", "level", "parts"]
    list_filter = ["level"]
    search_fields = ["occupation__name", "occupation__code", "work_type__name"]
    list_select_related = ["occupation", "work_type"]


class MajorOccupationInline(admin.TabularInline):
    model = MajorOccupation
    extra = 0
    autocomplete_fields = ["occupation"]


@admin.register(Major)
class MajorAdmin(AuditedAdmin):
    list_display = ["code", "name", "organisation", "graduating_students"]
    search_fields = ["code", "name", "organisation__name"]
    list_select_related = ["organisation"]
    inlines = [MajorOccupationInline]


@admin.register(Organisation)
class OrganisationAdmin(AuditedAdmin):
    list_display = ["name", "kind", "district", "is_new_type_college", "college_batch"]
    list_filter = ["kind", "district", "is_new_type_college"]
    search_fields = ["name", "uscc"]
    list_select_related = ["district"]


class MembershipAddForm(forms.ModelForm):
    """Shape and scope of a new role (the model's own rules); the grant itself is the service's."""

    reason = forms.CharField(
        label=_("申请理由"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("授予市级审核、考务或系统管理员角色须填写理由，并经另一名系统管理员批准后生效。"),
    )

    class Meta:
        model = Membership
        fields = ["user", "role", "organisation", "district", "is_unit_lead"]

    def validate_unique(self):
        """A revoked membership of the same role and place is re-activated by the service, not refused."""

    def clean(self):
        data = super().clean()
        user, role = data.get("user"), data.get("role")
        if role in FOUR_EYES_ROLES and not (data.get("reason") or "").strip():
            self.add_error("reason", _("请填写申请理由。"))
        if (
            user
            and role
            and Membership.objects.filter(
                user=user,
                role=role,
                organisation=data.get("organisation"),
                district=data.get("district"),
                is_active=True,
            ).exists()
        ):
            raise forms.ValidationError(_("该用户已拥有此角色。"))
        return data


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    """Roles are granted, changed and revoked through the membership services (Group, ``is_staff``, audit,
    signal), never saved directly; a membership is revoked, not deleted, so its history stays."""

    list_display = ["user", "role", "organisation", "district", "is_unit_lead", "is_active"]
    list_filter = ["role", "is_active"]
    search_fields = ["user__username", "organisation__name"]
    list_select_related = ["user", "organisation", "district"]
    actions = ["revoke_selected"]

    def get_form(self, request, obj=None, change=False, **kwargs):
        if obj is None:
            kwargs["form"] = MembershipAddForm
        return super().get_form(request, obj, change=change, **kwargs)

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["user", "role", "organisation", "district", "is_unit_lead", "reason"]
        return ["user", "role", "organisation", "district", "is_active", "is_unit_lead"]

    def get_readonly_fields(self, request, obj=None):
        return ["user", "role", "organisation", "district", "is_active"] if obj is not None else []

    def save_model(self, request, obj, form, change):
        if change:
            membership_set_unit_lead(actor=request.user, membership=obj, is_unit_lead=obj.is_unit_lead)
            return
        if needs_second_administrator(request.user, obj.role):
            request._membership_request = membership_request(
                actor=request.user,
                user=obj.user,
                role=obj.role,
                organisation=obj.organisation,
                district=obj.district,
                is_unit_lead=obj.is_unit_lead,
                reason=form.cleaned_data.get("reason") or "",
            )
            return
        granted = membership_grant(
            actor=request.user,
            user=obj.user,
            role=obj.role,
            organisation=obj.organisation,
            district=obj.district,
            is_unit_lead=obj.is_unit_lead,
        )
        obj.pk, obj.is_active = granted.pk, granted.is_active
        obj._state.adding = False

    def has_delete_permission(self, request, obj=None):
        return False

    def log_addition(self, request, obj, message):
        if getattr(request, "_membership_request", None) is None:
            super().log_addition(request, obj, message)

    def response_add(self, request, obj, post_url_continue=None):
        pending = getattr(request, "_membership_request", None)
        if pending is None:
            return super().response_add(request, obj, post_url_continue)
        self.message_user(request, _("已提交角色申请，待另一名系统管理员批准后生效。"), messages.WARNING)
        return redirect("admin:filing_membershiprequest_changelist")

    @admin.action(description=_("撤销所选角色"), permissions=["change"])
    def revoke_selected(self, request, queryset):
        revoked = 0
        for membership in queryset.filter(is_active=True):
            membership_revoke(actor=request.user, membership=membership, reason=_("管理员撤销"))
            revoked += 1
        self.message_user(request, _("已撤销%(n)d个角色。") % {"n": revoked}, messages.SUCCESS)


@admin.register(CalendarYear)
class CalendarYearAdmin(AuditedAdmin):
    list_display = ["year", "source"]


@admin.register(CalendarOverride)
class CalendarOverrideAdmin(AuditedAdmin):
    list_display = ["date", "is_working_day", "name"]
    list_filter = ["is_working_day"]
    date_hierarchy = "date"


#: The keys audit payloads use, as a person reads them.
class AuditActionFilter(admin.SimpleListFilter):
    """Filter by action, each named as a person says it."""

    title = _("操作")
    parameter_name = "action"

    def lookups(self, request, model_admin):
        from filing.timeline import action_label

        actions = model_admin.get_queryset(request).order_by().values_list("action", flat=True).distinct()
        return sorted(((a, action_label(a)) for a in actions), key=lambda pair: pair[1])

    def queryset(self, request, queryset):
        return queryset.filter(action=self.value()) if self.value() else queryset


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    """The audit log as sentences (谁 在何时 做了什么), its columns and contents in Chinese; read-only."""

    list_display = ["seq", "record", "role_label", "object_label", "result"]
    list_filter = ["result", AuditActionFilter]
    search_fields = ["action", "object_type", "object_id", "actor_name"]
    date_hierarchy = "created_at"
    fields = ["seq", "record", "role_label", "object_label", "result", "contents", "action"]
    readonly_fields = fields

    @admin.display(description=_("记录"), ordering="seq")
    def record(self, obj):
        from filing.timeline import sentence

        return sentence(obj)

    @admin.display(description=_("角色"), ordering="role")
    def role_label(self, obj):
        from filing.roles import Role

        return Role(obj.role).label if obj.role in Role.values else (obj.role or "—")

    @admin.display(description=_("对象"))
    def object_label(self, obj):
        from filing.timeline import object_label

        return object_label(obj)

    @admin.display(description=_("内容（已脱敏）"))
    def contents(self, obj):
        from django.utils.html import format_html_join

        from filing.timeline import payload_rows

        rows = payload_rows(obj)
        return format_html_join("", "<div>{}：{}</div>", rows) if rows else "—"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(MembershipRequest)
class MembershipRequestAdmin(admin.ModelAdmin):
    """Roles waiting for a second administrator: approve or decline here (never by the one who asked, nor
    for oneself)."""

    list_display = ["user", "role", "organisation", "district", "requested_by", "requested_at", "state"]
    list_filter = ["state", "role"]
    readonly_fields = [f.name for f in MembershipRequest._meta.fields]
    actions = ["approve_selected", "decline_selected"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        # The list's approve/decline actions need "change"; one request's own page is read-only (a request
        # is never edited after it was made: the second administrator decides what the first one asked).
        return obj is None and super().has_change_permission(request)

    def _decide(self, request, queryset, call, done_message):
        done, refused = 0, []
        for pending in queryset.filter(state=MembershipRequest.State.PENDING):
            try:
                call(pending)
                done += 1
            except DomainError as exc:
                refused.append(f"{pending}: {exc.message}")
        if done:
            self.message_user(request, done_message % {"n": done}, messages.SUCCESS)
        for line in refused:
            self.message_user(request, line, messages.ERROR)

    @admin.action(description=_("批准所选申请"), permissions=["change"])
    def approve_selected(self, request, queryset):
        self._decide(
            request,
            queryset,
            lambda pending: membership_request_approve(actor=request.user, request=pending, reason=_("批准")),
            _("已批准%(n)d项申请。"),
        )

    @admin.action(description=_("不予批准所选申请"), permissions=["change"])
    def decline_selected(self, request, queryset):
        self._decide(
            request,
            queryset,
            lambda pending: membership_request_decline(
                actor=request.user, request=pending, reason=_("经核实不予批准")
            ),
            _("已处理%(n)d项申请（不予批准）。"),
        )


# --- users: what a non-superuser administrator may and may not touch ----------------------------------


User = get_user_model()
admin.site.site_header = _("上海市技能评价备案 · 系统管理")
admin.site.site_title = _("上海市技能评价备案")
admin.site.index_title = _("系统管理")

#: Third-party apps and models whose names have no Chinese translation, as the admin's lists show them.
THIRD_PARTY_NAMES = {
    "axes": (
        _("登录安全"),
        {
            "AccessAttempt": _("登录失败记录"),
            "AccessLog": _("登录记录"),
            "AccessFailureLog": _("登录失败日志"),
        },
    ),
    "otp_totp": (_("动态验证码"), {"TOTPDevice": _("动态验证码设备")}),
    "authtoken": (_("接口令牌"), {"Token": _("接口令牌"), "TokenProxy": _("接口令牌")}),
}
_default_app_list = admin.site.get_app_list


def _app_list_in_chinese(request, app_label=None):
    apps = _default_app_list(request, app_label)
    for app in apps:
        name, models = THIRD_PARTY_NAMES.get(app["app_label"], (None, {}))
        if name:
            app["name"] = name
        for model in app["models"]:
            if model["object_name"] in models:
                model["name"] = models[model["object_name"]]
    return apps


admin.site.get_app_list = _app_list_in_chinese

admin.site.unregister(User)


@admin.register(User)
class RestrictedUserAdmin(UserAdmin):
    """Accounts for administrators who are not superusers: no superuser flag, no groups, no permissions
    (roles come only from memberships, through their services), no editing of superusers or staff accounts,
    no deleting (deactivate instead). Every change and every password set here is audited."""

    RESTRICTED = ("is_superuser", "is_staff", "groups", "user_permissions")
    actions = ["send_password_reset", "reset_second_factor"]

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if request.user.is_superuser:
            return fieldsets
        return [
            (title, {**options, "fields": tuple(f for f in options["fields"] if f not in self.RESTRICTED)})
            for title, options in fieldsets
        ]

    def get_readonly_fields(self, request, obj=None):
        readonly = list(super().get_readonly_fields(request, obj))
        return readonly if request.user.is_superuser else [*readonly, "last_login", "date_joined"]

    def _protected(self, request, obj) -> bool:
        """A superuser's or another staff member's account is out of reach of a non-superuser."""
        return (
            obj is not None
            and not request.user.is_superuser
            and obj.pk != request.user.pk
            and (obj.is_superuser or obj.is_staff)
        )

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and not self._protected(request, obj)

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser and super().has_delete_permission(request, obj)

    def user_change_password(self, request, id, form_url=""):
        target = self.get_object(request, id)
        if self._protected(request, target):
            raise PermissionDenied
        return super().user_change_password(request, id, form_url)

    def save_model(self, request, obj, form, change):
        with transaction.atomic():
            super().save_model(request, obj, form, change)
            changed = sorted(name for name in form.changed_data if "password" not in name)
            if any("password" in name for name in form.changed_data) or not change:
                changed.append("password")
            audit_record(
                actor=request.user,
                action="user.change" if change else "user.add",
                obj=obj,
                payload={"username": obj.get_username(), "fields": changed},
            )

    @admin.action(description=_("发送重设密码邮件"), permissions=["change"])
    def send_password_reset(self, request, queryset):
        from django.contrib.auth.forms import PasswordResetForm

        sent = 0
        for user in queryset.filter(is_active=True).exclude(email=""):
            if self._protected(request, user):
                continue
            form = PasswordResetForm({"email": user.email})
            if form.is_valid():
                form.save(request=request, use_https=request.is_secure())
                with transaction.atomic():
                    audit_record(actor=request.user, action="user.password_reset_sent", obj=user)
                sent += 1
        self.message_user(request, _("已向%(n)d个账号发送重设密码邮件。") % {"n": sent}, messages.SUCCESS)

    @admin.action(description=_("重置动态验证码设备（手机丢失时）"), permissions=["change"])
    def reset_second_factor(self, request, queryset):
        from filing.services import second_factor

        for user in queryset:
            try:
                second_factor.reset(actor=request.user, user=user, reason=_("管理员在后台重置"))
            except DomainError as exc:
                self.message_user(request, f"{user}: {exc.message}", messages.ERROR)


# --- login lockouts: lifted only through the audited service ------------------------------------------

admin.site.unregister(AccessAttempt)


@admin.register(AccessAttempt)
class AuditedAccessAttemptAdmin(AccessAttemptAdmin):
    """django-axes' lockout records; an administrator lifts a lockout with the audited action (the records
    are never edited or deleted by hand)."""

    actions = ["unlock_selected"]

    def has_delete_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
        return False

    @admin.action(description=_("解除所选锁定"), permissions=["view"])
    def unlock_selected(self, request, queryset):
        from filing.services import security

        lifted = 0
        for attempt in list(queryset):
            lifted += security.lockout_reset(
                actor=request.user,
                username=attempt.username or "",
                ip=attempt.ip_address or "",
                reason=_("管理员在后台解除锁定"),
            )
        self.message_user(request, _("已解除%(n)d条锁定记录。") % {"n": lifted}, messages.SUCCESS)


# An authenticator's secret never shows in the admin: enrolment is the user's own page, a lost phone is the
# audited reset action on the user.
admin.site.unregister(TOTPDevice)
