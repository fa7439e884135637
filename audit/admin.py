from django.contrib import admin

from .models import AuditEvent


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    """Read-only: audit events are looked at, never changed or removed."""

    list_display = ("created_at", "action", "outcome", "actor_display", "target_display", "ip_address")
    list_filter = ("action", "outcome")
    search_fields = ("actor_id", "target_id", "request_id", "action")
    date_hierarchy = "created_at"

    def get_readonly_fields(self, request, obj=None):
        return [field.name for field in self.model._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
