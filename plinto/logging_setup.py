"""structlog and standard-library logging, configured once at start-up.

Every line carries the request id bound by RequestIdMiddleware. Values under keys that look like
secrets are replaced before a line is written, as a second guard behind code that never passes
them.
"""

import logging
import logging.config

import structlog

_SECRET_MARKERS = ("password", "secret", "token", "authorization", "cookie", "otp", "api_key")

# Request fields and variable names that carry credentials in Plinto. Sentry's default scrubber
# matches whole keys only, so `new_password` or `refresh_token` would pass it.
SENTRY_DENYLIST_EXTRA = [
    "access_token",
    "refresh_token",
    "id_token",
    "mfa_token",
    "new_password",
    "current_password",
    "client_secret",
    "code",
    "code_verifier",
]


def _redact_secrets(logger, method_name, event_dict):
    for key in list(event_dict):
        if any(marker in key.lower() for marker in _SECRET_MARKERS):
            event_dict[key] = "[redacted]"
    return event_dict


def shared_processors():
    """Return the processors every line passes through, from structlog and the standard library."""
    return [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        _redact_secrets,
    ]


def build_formatter(fmt="json"):
    """Return the logging.Formatter that renders lines as JSON, or as text when `fmt` is "console"."""
    renderer = structlog.processors.JSONRenderer() if fmt == "json" else structlog.dev.ConsoleRenderer(colors=False)
    return structlog.stdlib.ProcessorFormatter(
        processors=[
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            structlog.processors.format_exc_info,
            renderer,
        ],
        foreign_pre_chain=shared_processors(),
    )


def configure_logging(level="INFO", fmt="json"):
    logging.config.dictConfig(
        {
            "version": 1,
            "disable_existing_loggers": False,
            "formatters": {"structured": {"()": build_formatter, "fmt": fmt}},
            "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "structured"}},
            "root": {"handlers": ["console"], "level": level},
            "loggers": {
                # Django logs every 4xx as a warning with the request line; the API already
                # returns the reason to the client, so keep those out unless debugging.
                "django.request": {"level": "ERROR"},
                "django.db.backends": {"level": "INFO"},
            },
        }
    )
    structlog.configure(
        processors=[*shared_processors(), structlog.stdlib.ProcessorFormatter.wrap_for_formatter],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )


def sentry_options(dsn, environment):
    """Return the keyword arguments for sentry_sdk.init.

    No personal data, request bodies or local variables leave for Sentry: the login, refresh and
    reset views hold passwords and tokens in both. The scrubber is a second guard on whatever else
    an event carries, such as headers and extra data.
    """
    from sentry_sdk.integrations.celery import CeleryIntegration
    from sentry_sdk.integrations.django import DjangoIntegration
    from sentry_sdk.scrubber import DEFAULT_DENYLIST, EventScrubber

    return {
        "dsn": dsn,
        "environment": environment,
        "integrations": [DjangoIntegration(), CeleryIntegration()],
        "send_default_pii": False,
        "max_request_body_size": "never",
        "include_local_variables": False,
        "event_scrubber": EventScrubber(denylist=DEFAULT_DENYLIST + SENTRY_DENYLIST_EXTRA, recursive=True),
        "traces_sample_rate": 0.0,
    }


def configure_sentry(dsn, environment):
    """Start reporting errors to Sentry when a DSN is configured, and return whether it started."""
    if not dsn:
        return False
    import sentry_sdk

    sentry_sdk.init(**sentry_options(dsn, environment))
    return True
