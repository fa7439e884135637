from django.contrib import admin

from .models import AuditEvent
from .services import record


def _changed_fields(change_message):
    """Return the field names listed in a Django admin change message, which is a list of dicts."""
    fields = []
    for entry in change_message if isinstance(change_message, list) else []:
        fields.extend(entry.get("changed", {}).get("fields", []))
    return fields


class AuditedAdminMixin:
    """Record every add, change and delete made through a ModelAdmin as an audit event.

    Django keeps its own LogEntry for these. The audit event adds the IP, the user agent and the
    request id, and outlives the objects. Only field names are stored, never their values.
    """

    def _record(self, request, obj, verb, metadata=None):
        kind = getattr(obj, "audit_type", obj._meta.model_name)
        record(
            f"{kind}.{verb}",
            actor=request.user,
            target=obj,
            request=request,
            metadata={"via": "admin", **(metadata or {})},
        )

    def log_addition(self, request, obj, message):
        entry = super().log_addition(request, obj, message)
        self._record(request, obj, "created")
        return entry

    def log_change(self, request, obj, message):
        entry = super().log_change(request, obj, message)
        self._record(request, obj, "updated", {"fields": _changed_fields(message)})
        return entry

    def log_deletions(self, request, queryset):
        # Called before the rows are deleted, so each object can still be described.
        entries = super().log_deletions(request, queryset)
        for obj in queryset:
            self._record(request, obj, "deleted")
        return entries


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
