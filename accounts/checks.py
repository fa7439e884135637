"""System checks that refuse dangerous production combinations at start-up."""

from django.conf import settings
from django.core.checks import Error, Tags, Warning, register

_LOCAL_HOSTS = {"127.0.0.1", "localhost", "[::1]", "::1", "testserver"}
MIN_HS256_SECRET_BYTES = 32
MIN_SECRET_KEY_LENGTH = 50


@register(Tags.security, deploy=False)
def check_security_settings(app_configs, **kwargs):
    errors = []
    public_hosts = [host for host in settings.ALLOWED_HOSTS if host not in _LOCAL_HOSTS]

    if settings.DEBUG and public_hosts:
        errors.append(
            Error(
                "DEBUG is on while ALLOWED_HOSTS names public hosts: " + ", ".join(public_hosts),
                hint="Set DEBUG=false for any deployment reachable beyond this machine.",
                id="plinto.E001",
            )
        )
    if (
        public_hosts
        and settings.SECRET_KEY_FROM_ENV
        and (
            len(settings.SECRET_KEY) < MIN_SECRET_KEY_LENGTH
            or len(set(settings.SECRET_KEY)) < 5
            or settings.SECRET_KEY.startswith("django-insecure")
        )
    ):
        errors.append(
            Error(
                f"SECRET_KEY is weak: use at least {MIN_SECRET_KEY_LENGTH} random characters.",
                hint='Generate one with: python -c "import secrets; print(secrets.token_urlsafe(50))"',
                id="plinto.E002",
            )
        )
    if settings.JWT_ALGORITHM not in ("RS256", "HS256"):
        errors.append(
            Error(
                f"JWT_ALGORITHM={settings.JWT_ALGORITHM!r} is not supported.",
                hint="Use RS256 (the default) or HS256.",
                id="plinto.E003",
            )
        )
    if settings.JWT_ALGORITHM == "HS256" and len(settings.JWT_SECRET_KEY.encode()) < MIN_HS256_SECRET_BYTES:
        errors.append(
            Error(
                f"JWT_ALGORITHM=HS256 needs JWT_SECRET_KEY of at least {MIN_HS256_SECRET_BYTES} bytes.",
                hint='Generate one with: python -c "import secrets; print(secrets.token_urlsafe(48))"',
                id="plinto.E004",
            )
        )
    if settings.JWT_PUBLIC_KEY and not settings.JWT_PRIVATE_KEY:
        errors.append(
            Error(
                "JWT_PUBLIC_KEY is set without JWT_PRIVATE_KEY.",
                hint="Set both, or neither to use the generated key set.",
                id="plinto.E005",
            )
        )
    if public_hosts and not settings.PUBLIC_BASE_URL.startswith("https://"):
        errors.append(
            Warning(
                f"PUBLIC_BASE_URL={settings.PUBLIC_BASE_URL} is not HTTPS although public hosts are allowed.",
                hint="Links in emails carry tokens; serve them over HTTPS and set HTTPS_ONLY=true.",
                id="plinto.W001",
            )
        )
    return errors
