"""structlog and standard-library logging, configured once at start-up.

Every line carries the request id bound by RequestIdMiddleware. Values under keys that look like
secrets are replaced before a line is written, as a second guard behind code that never passes
them.
"""

import logging
import logging.config

import structlog

_SECRET_MARKERS = ("password", "secret", "token", "authorization", "cookie", "otp", "api_key")


def _redact_secrets(logger, method_name, event_dict):
    for key in list(event_dict):
        if any(marker in key.lower() for marker in _SECRET_MARKERS):
            event_dict[key] = "[redacted]"
    return event_dict


def configure_logging(level="INFO", fmt="json"):
    shared = [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        _redact_secrets,
    ]
    renderer = structlog.processors.JSONRenderer() if fmt == "json" else structlog.dev.ConsoleRenderer(colors=False)

    logging.config.dictConfig(
        {
            "version": 1,
            "disable_existing_loggers": False,
            "formatters": {
                "structured": {
                    "()": structlog.stdlib.ProcessorFormatter,
                    "processors": [
                        structlog.stdlib.ProcessorFormatter.remove_processors_meta,
                        structlog.processors.format_exc_info,
                        renderer,
                    ],
                    "foreign_pre_chain": shared,
                }
            },
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
        processors=[*shared, structlog.stdlib.ProcessorFormatter.wrap_for_formatter],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )


def configure_sentry(dsn, environment):
    if not dsn:
        return
    import sentry_sdk
    from sentry_sdk.integrations.celery import CeleryIntegration
    from sentry_sdk.integrations.django import DjangoIntegration

    sentry_sdk.init(
        dsn=dsn,
        environment=environment,
        integrations=[DjangoIntegration(), CeleryIntegration()],
        send_default_pii=False,  # No emails, cookies or request bodies leave for Sentry.
        traces_sample_rate=0.0,
    )
