"""Admin for reference data and organisations (administrators), and a read-only view of the audit log.
Every change made here is written to the audit log."""

from django import forms
from django.contrib import admin, messages
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from filing.audit import audit_record
from filing.models import (
    AuditEvent,
    CalendarOverride,
    CalendarYear,
    District,
    Major,
    MajorOccupation,
    Membership,
    Occupation,
    OccupationLevel,
    Organisation,
    WorkType,
)
from filing.services.memberships import membership_grant, membership_revoke, membership_set_unit_lead


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

    class Meta:
        model = Membership
        fields = ["user", "role", "organisation", "district", "is_unit_lead"]

    def validate_unique(self):
        """A revoked membership of the same role and place is re-activated by the service, not refused."""

    def clean(self):
        data = super().clean()
        user, role = data.get("user"), data.get("role")
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
            return ["user", "role", "organisation", "district", "is_unit_lead"]
        return ["user", "role", "organisation", "district", "is_active", "is_unit_lead"]

    def get_readonly_fields(self, request, obj=None):
        return ["user", "role", "organisation", "district", "is_active"] if obj is not None else []

    def save_model(self, request, obj, form, change):
        if change:
            membership_set_unit_lead(actor=request.user, membership=obj, is_unit_lead=obj.is_unit_lead)
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


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    list_display = ["seq", "created_at", "actor_name", "role", "action", "object_type", "object_id", "result"]
    list_filter = ["result", "action"]
    search_fields = ["action", "object_type", "object_id", "actor_name"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
