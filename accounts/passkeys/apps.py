from django.apps import AppConfig


class PasskeysConfig(AppConfig):
    name = "accounts.passkeys"
    label = "passkeys"
    verbose_name = "Passkeys"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from . import checks  # noqa: F401  (registers the system checks)
