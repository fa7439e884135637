from django.contrib import admin

from .models import Passkey


@admin.register(Passkey)
class PasskeyAdmin(admin.ModelAdmin):
    """Read-only view of registered passkeys; users register and remove them through the API."""

    list_display = ("id", "user", "name", "aaguid", "backed_up", "created_at", "last_used_at")
    list_filter = ("backed_up", "attestation_format")
    search_fields = ("user__email_key", "name", "aaguid")
    readonly_fields = (
        "id",
        "user",
        "credential_id",
        "sign_count",
        "transports",
        "aaguid",
        "attestation_format",
        "backed_up",
        "name",
        "created_at",
        "last_used_at",
    )
    exclude = ("public_key",)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
