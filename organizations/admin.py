"""Platform admin pages. Staff see every tenant: organizations.rls lets /admin/ bypass row-level security."""

from django.contrib import admin
from django.core.exceptions import ValidationError

from audit.services import record
from plinto.api_errors import ApiError

from .models import ApiKey, Domain, Invitation, Membership, Organization
from .services.organizations import normalize_aaguids, set_status


def _validate_aaguids(value):
    try:
        normalize_aaguids(value)
    except ApiError as error:
        raise ValidationError(str(error.detail), code=error.code) from error


class MembershipInline(admin.TabularInline):
    """Shown, not edited: role changes go through the services, which keep one owner and audit."""

    model = Membership
    extra = 0
    fields = readonly_fields = ("user", "role", "created_at")

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Organization)
class OrganizationAdmin(admin.ModelAdmin):
    list_display = ("slug", "name", "status", "created_at")
    list_filter = ("status",)
    search_fields = ("slug", "name")
    # Status changes go through the action below, which revokes sessions and records the change.
    readonly_fields = ("status",)
    inlines = [MembershipInline]
    actions = ["deactivate", "reactivate"]

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if db_field.name == "logo_url":
            kwargs["assume_scheme"] = "https"  # Logos load only over HTTPS under the page's CSP.
        if db_field.name == "passkey_allowed_aaguids":
            # The passkey policy reads this list on every registration, so it gets the API's checks.
            kwargs["validators"] = [_validate_aaguids]
        return super().formfield_for_dbfield(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change):
        obj.passkey_allowed_aaguids = normalize_aaguids(obj.passkey_allowed_aaguids)
        super().save_model(request, obj, form, change)
        if change and form.changed_data:
            record(
                "organization.updated",
                actor=request.user,
                target=obj,
                organization=obj,
                request=request,
                metadata={"fields": sorted(form.changed_data), "via": "admin"},
            )

    @admin.action(description="Deactivate the selected organizations")
    def deactivate(self, request, queryset):
        for organization in queryset:
            set_status(organization, Organization.Status.DEACTIVATED, actor=request.user, request=request)

    @admin.action(description="Reactivate the selected organizations")
    def reactivate(self, request, queryset):
        for organization in queryset:
            set_status(organization, Organization.Status.ACTIVE, actor=request.user, request=request)


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    list_display = ("id", "organization", "role", "created_at", "expires_at", "accepted_at", "revoked_at")
    exclude = ("token_hash",)
    raw_id_fields = ("inviter", "accepted_by")


@admin.register(Domain)
class DomainAdmin(admin.ModelAdmin):
    list_display = ("domain", "organization", "verified_at")


@admin.register(ApiKey)
class ApiKeyAdmin(admin.ModelAdmin):
    list_display = ("prefix", "name", "organization", "created_at", "expires_at", "last_used_at", "revoked_at")
    exclude = ("key_hash",)
    raw_id_fields = ("created_by",)
