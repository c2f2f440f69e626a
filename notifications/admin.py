from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from .models import Delivery, DeliveryState, OutboxEvent
from .outbox import retry_dead


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin):
    """Dead letters are visible here; administrators may send them again."""

    list_display = ["event", "recipient", "channel", "state", "attempts", "next_attempt_at", "last_error"]
    list_filter = ["state", "channel", "event__kind"]
    readonly_fields = [f.name for f in Delivery._meta.fields]
    actions = ["retry"]

    @admin.action(description=_("重新发送选中的失败通知"))
    def retry(self, request, queryset):
        count = retry_dead(list(queryset.filter(state=DeliveryState.DEAD).values_list("pk", flat=True)))
        self.message_user(request, _("已重新排队 %(n)d 条通知。") % {"n": count})

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(OutboxEvent)
class OutboxEventAdmin(admin.ModelAdmin):
    list_display = ["kind", "created_at", "dedupe_key"]
    list_filter = ["kind"]
    readonly_fields = ["id", "kind", "payload", "dedupe_key", "created_at"]

    def has_add_permission(self, request):
        return False
