from django.apps import AppConfig


class OrganizationsConfig(AppConfig):
    name = "organizations"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from accounts.hooks import register_access_check, register_email_verified_hook
        from accounts.login_pipeline import register_completion_check
        from accounts.mfa.policy import register_requirement
        from accounts.passkeys.policy import register_aaguid_policy
        from accounts.tokens.access import register_claim_provider

        from . import checks  # noqa: F401  (registers the system checks)
        from .services.domains import join_by_verified_domain
        from .services.passkeys import organization_aaguid_policy
        from .services.sessions import (
            organization_access_check,
            organization_claims,
            organization_login_check,
            organization_requires_mfa,
        )

        register_completion_check(organization_login_check)
        register_claim_provider(organization_claims)
        register_access_check(organization_access_check)
        register_email_verified_hook(join_by_verified_domain)
        # accounts.mfa is installed before this app, so its second-factor check runs before the
        # organization check and requires enrollment when the organization requires MFA.
        register_requirement(organization_requires_mfa)
        # accounts.passkeys intersects this with the platform's PASSKEY_ALLOWED_AAGUIDS, so an
        # organization can narrow the models its members register but never widen them.
        register_aaguid_policy(organization_aaguid_policy)

        # Every save or delete of a key, including those from /admin/ and cascades, drops the copy
        # that API-key authentication caches.
        from django.db.models.signals import post_delete, post_save

        from .models import ApiKey
        from .services.api_keys import forget_changed_key

        post_save.connect(forget_changed_key, sender=ApiKey, dispatch_uid="api-key-cache")
        post_delete.connect(forget_changed_key, sender=ApiKey, dispatch_uid="api-key-cache-delete")
