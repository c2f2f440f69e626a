"""Admin for reference data and organisations (administrators), and a read-only view of the audit log.
Every change made here is written to the audit log."""

from django.contrib import admin
from django.db import transaction

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


@admin.register(Membership)
class MembershipAdmin(AuditedAdmin):
    list_display = ["user", "role", "organisation", "district", "is_unit_lead", "is_active"]
    list_filter = ["role", "is_active"]
    search_fields = ["user__username", "organisation__name"]
    list_select_related = ["user", "organisation", "district"]


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
