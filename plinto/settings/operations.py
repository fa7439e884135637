"""Operational settings: email, Celery, logging, metrics, Sentry and security headers."""

from .base import DEBUG, REDIS_URL
from .env import VAR_DIR, env

# Email: written as files to EMAIL_FILE_PATH unless another backend is configured.
EMAIL_BACKEND = env.str("EMAIL_BACKEND", default="django.core.mail.backends.filebased.EmailBackend")
EMAIL_FILE_PATH = env.str("EMAIL_FILE_PATH", default=str(VAR_DIR / "emails"))
EMAIL_HOST = env.str("EMAIL_HOST", default="localhost")
EMAIL_PORT = env.int("EMAIL_PORT", default=25)
EMAIL_HOST_USER = env.str("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env.str("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=False)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Plinto <no-reply@localhost>")

# SMS: `console` logs that a message went out, `file` writes each message to SMS_FILE_PATH, and
# `http` posts to an API shaped like Twilio's Messages resource. A dotted class path also works.
SMS_BACKEND = env.str("SMS_BACKEND", default="file")
SMS_FILE_PATH = env.str("SMS_FILE_PATH", default=str(VAR_DIR / "sms"))
SMS_FROM_NUMBER = env.str("SMS_FROM_NUMBER", default="")
SMS_HTTP_BASE_URL = env.str("SMS_HTTP_BASE_URL", default="")
SMS_HTTP_ACCOUNT_SID = env.str("SMS_HTTP_ACCOUNT_SID", default="")
SMS_HTTP_AUTH_TOKEN = env.str("SMS_HTTP_AUTH_TOKEN", default="")
# Seconds to wait for the provider's answer before the attempt counts as a transient failure.
SMS_HTTP_TIMEOUT = env.float("SMS_HTTP_TIMEOUT", default=10.0)
# Retries after a transient failure (unreachable, timeout, 429, 5xx), waiting 5, 10, 20, ... seconds.
SMS_SEND_MAX_RETRIES = env.int("SMS_SEND_MAX_RETRIES", default=4)

# Celery: eager on the embedded default, on Redis when REDIS_URL is set.
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default=REDIS_URL or "memory://")
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=not REDIS_URL)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True

# Metrics: /metrics is open unless METRICS_TOKEN is set, then it needs `Bearer <token>`.
METRICS_TOKEN = env.str("METRICS_TOKEN", default="")
PROMETHEUS_EXPORT_MIGRATIONS = False

# A request that waited longer than this for a worker thread gets 503 at once (0 turns it off).
# Only effective under gunicorn with plinto.load_shedding.SheddingThreadWorker.
LOAD_SHED_MAX_QUEUE_MS = env.int("LOAD_SHED_MAX_QUEUE_MS", default=250)

LOG_LEVEL = env.str("LOG_LEVEL", default="INFO")
LOG_FORMAT = env.str("LOG_FORMAT", default="console" if DEBUG else "json")
LOGGING_CONFIG = None  # plinto.logging configures structlog and the standard library once.

SENTRY_DSN = env.str("SENTRY_DSN", default="")
SENTRY_ENVIRONMENT = env.str("SENTRY_ENVIRONMENT", default="production")

# Security headers. HTTPS settings are on unless the public URL is plain HTTP.
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
HTTPS_ONLY = env.bool("HTTPS_ONLY", default=False)
if HTTPS_ONLY:
    SECURE_SSL_REDIRECT = True
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_REDIRECT_EXEMPT = [r"^health$", r"^ready$", r"^metrics$"]
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "object-src 'none'; base-uri 'self'; frame-ancestors 'none'; form-action 'self'"
)

from plinto.logging_setup import configure_logging, configure_sentry  # noqa: E402

configure_logging(LOG_LEVEL, LOG_FORMAT)
configure_sentry(SENTRY_DSN, SENTRY_ENVIRONMENT)
