from django.contrib import admin, messages

from .models import Session, User
from .services.profile import deactivate_user, reactivate_user
from .services.sessions import RevokeReason, revoke_session


class SessionInline(admin.TabularInline):
    model = Session
    fields = ("id", "created_at", "last_used_at", "expires_at", "ip_address", "revoked_at", "revoked_reason")
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(User)
class UserAdmin(admin.ModelAdmin):
    list_display = ("email", "display_name", "email_verified", "is_active", "is_staff", "date_joined")
    list_filter = ("is_active", "email_verified", "is_staff")
    search_fields = ("email_key", "display_name")
    ordering = ("-date_joined",)
    readonly_fields = ("id", "email_key", "password", "date_joined", "last_login", "is_active")
    fields = (
        "id",
        "email",
        "email_key",
        "display_name",
        "email_verified",
        "pending_email",
        "is_active",
        "is_staff",
        "is_superuser",
        "groups",
        "custom_attributes",
        "password",
        "date_joined",
        "last_login",
    )
    inlines = [SessionInline]
    actions = ["deactivate", "reactivate"]

    def lookup_allowed(self, lookup, value, request=None):
        # Filtering by password hash through the URL would let staff probe hashes.
        if lookup.startswith("password"):
            return False
        return super().lookup_allowed(lookup, value, request)

    @admin.action(description="Deactivate and end all sessions")
    def deactivate(self, request, queryset):
        for user in queryset:
            deactivate_user(user, actor=request.user, request=request)
        messages.success(request, f"Deactivated {queryset.count()} user(s).")

    @admin.action(description="Reactivate")
    def reactivate(self, request, queryset):
        for user in queryset:
            reactivate_user(user, actor=request.user, request=request)
        messages.success(request, f"Reactivated {queryset.count()} user(s).")


@admin.register(Session)
class SessionAdmin(admin.ModelAdmin):
    list_display = ("id", "user", "created_at", "last_used_at", "expires_at", "revoked_at", "revoked_reason")
    list_filter = ("revoked_reason",)
    readonly_fields = [field.name for field in Session._meta.fields]
    actions = ["revoke"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description="Revoke selected sessions")
    def revoke(self, request, queryset):
        for session in queryset.filter(revoked_at__isnull=True):
            revoke_session(session, reason=RevokeReason.ADMIN, actor=request.user, request=request)
        messages.success(request, "Sessions revoked.")
