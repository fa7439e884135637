from django.apps import AppConfig


class MfaConfig(AppConfig):
    name = "accounts.mfa"
    label = "mfa"
    verbose_name = "Multi-factor authentication"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from accounts.login_pipeline import register_completion_check

        from . import authenticators, challenges

        authenticators.register_builtin()
        register_completion_check(challenges.require_second_factor)
