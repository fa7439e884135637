"""Platform administration of users and sessions.

Changes go through the same services as the API, and every add, change, delete and action is
recorded in the audit log with the staff member as the actor.

NOTE: the /admin/ login form authenticates with Django's ModelBackend, not through
accounts.login_pipeline, so it has no rate limit or failure delay and does not request a second factor.
"""

import uuid

from django import forms
from django.contrib import admin, messages
from django.contrib.auth.hashers import identify_hasher
from django.db.models import Q

from audit.admin import AuditedAdminMixin

from .models import Session, User
from .normalization import email_key
from .services.profile import deactivate_user, reactivate_user
from .services.sessions import RevokeReason, revoke_session


class UserAdminForm(forms.ModelForm):
    class Meta:
        model = User
        fields = (
            "email",
            "display_name",
            "email_verified",
            "pending_email",
            "is_staff",
            "is_superuser",
            "groups",
            "custom_attributes",
        )

    def clean_email(self):
        email = self.cleaned_data["email"]
        # Uniqueness lives on email_key, which the form does not show, so check it here for a
        # clear form error instead of a failed insert.
        if User.objects.filter(email_key=email_key(email)).exclude(pk=self.instance.pk).exists():
            raise forms.ValidationError("Another account uses this email address.", code="email_taken")
        return email


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
class UserAdmin(AuditedAdminMixin, admin.ModelAdmin):
    form = UserAdminForm
    list_display = ("email", "display_name", "email_verified", "is_active", "is_staff", "date_joined")
    list_filter = ("is_active", "email_verified", "is_staff")
    search_fields = ("email_key", "display_name")
    search_help_text = "Search by email address (any case), display name or user id."
    ordering = ("-date_joined",)
    # is_active changes only through the actions, which also end the user's sessions.
    readonly_fields = ("id", "email_key", "password_status", "date_joined", "last_login", "is_active")
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
        "password_status",
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

    def get_search_results(self, request, queryset, search_term):
        term = search_term.strip()
        if not term:
            return queryset, False
        # email_key contains the NFKC, case-folded address, so the term is folded the same way.
        condition = Q(email_key__icontains=email_key(term)) | Q(display_name__icontains=term)
        try:
            condition |= Q(pk=uuid.UUID(term))
        except ValueError:
            pass
        return queryset.filter(condition), False

    @admin.display(description="Password")
    def password_status(self, user):
        """Describe the password without showing its hash."""
        if not user.has_usable_password():
            return "Not set: the user can set one with a password reset."
        try:
            algorithm = identify_hasher(user.password).algorithm
        except ValueError:
            return "Not set: the user can set one with a password reset."
        return f"Set ({algorithm} hash)"

    def get_deleted_objects(self, objs, request):
        deleted, counts, perms_needed, protected = super().get_deleted_objects(objs, request)
        # Sessions cannot be deleted on their own. Deleting a user deletes them too, and so ends
        # them, as deleting a user must.
        perms_needed.discard(Session._meta.verbose_name)
        return deleted, counts, perms_needed, protected

    def save_model(self, request, obj, form, change):
        if not change:
            # A user added here has no password until they set one through a password reset.
            obj.set_unusable_password()
        super().save_model(request, obj, form, change)

    @admin.action(description="Deactivate and end all sessions", permissions=["change"])
    def deactivate(self, request, queryset):
        if queryset.filter(pk=request.user.pk).exists():
            messages.warning(request, "Your own account was left active: deactivating it would lock you out.")
        users = list(queryset.filter(is_active=True).exclude(pk=request.user.pk))
        for user in users:
            deactivate_user(user, actor=request.user, request=request)
        messages.success(request, f"Deactivated {len(users)} user(s) and ended their sessions.")

    @admin.action(description="Reactivate", permissions=["change"])
    def reactivate(self, request, queryset):
        users = list(queryset.filter(is_active=False))
        for user in users:
            reactivate_user(user, actor=request.user, request=request)
        messages.success(request, f"Reactivated {len(users)} user(s).")


@admin.register(Session)
class SessionAdmin(admin.ModelAdmin):
    list_display = ("id", "user", "created_at", "last_used_at", "expires_at", "revoked_at", "revoked_reason")
    list_filter = ("revoked_reason",)
    list_select_related = ("user",)
    search_fields = ("=id", "user__email_key")
    search_help_text = "Search by session id or the user's email address."
    readonly_fields = [field.name for field in Session._meta.fields]
    actions = ["revoke"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        # Sessions are only viewed and revoked, never edited.
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_revoke_permission(self, request):
        return request.user.has_perm("accounts.change_session")

    def get_search_results(self, request, queryset, search_term):
        return super().get_search_results(request, queryset, email_key(search_term))

    @admin.action(description="Revoke selected sessions", permissions=["revoke"])
    def revoke(self, request, queryset):
        sessions = list(queryset.filter(revoked_at__isnull=True))
        for session in sessions:
            revoke_session(session, reason=RevokeReason.ADMIN, actor=request.user, request=request)
        messages.success(request, f"Revoked {len(sessions)} session(s).")
