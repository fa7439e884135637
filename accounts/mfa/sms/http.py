"""A backend for HTTP APIs shaped like Twilio's Messages resource (2010-04-01).

It sends `POST {SMS_HTTP_BASE_URL}/2010-04-01/Accounts/{SID}/Messages.json` with the form fields
To, From and Body, authenticated with HTTP basic auth as SID:TOKEN. Twilio returns 201 with a
JSON body whose `sid` names the message, and 4xx with a JSON body that contains a numeric `code`.
"""

from urllib.parse import quote

import requests
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from .base import BaseSMSBackend, SMSRejectedError, TransientSMSError

_REQUIRED_SETTINGS = ("SMS_HTTP_BASE_URL", "SMS_HTTP_ACCOUNT_SID", "SMS_HTTP_AUTH_TOKEN", "SMS_FROM_NUMBER")


def _retry_after(response):
    value = response.headers.get("Retry-After", "")
    return int(value) if value.isdigit() else None


def _provider_error_code(response):
    # Only the numeric code is kept: provider messages may quote the recipient's number.
    try:
        return response.json().get("code")
    except (ValueError, AttributeError):
        return None


class HTTPBackend(BaseSMSBackend):
    def __init__(self):
        missing = [name for name in _REQUIRED_SETTINGS if not getattr(settings, name)]
        if missing:
            raise ImproperlyConfigured(f"SMS_BACKEND=http needs these settings: {', '.join(missing)}.")
        self.account_sid = settings.SMS_HTTP_ACCOUNT_SID
        self.auth_token = settings.SMS_HTTP_AUTH_TOKEN
        self.url = (
            f"{settings.SMS_HTTP_BASE_URL.rstrip('/')}/2010-04-01/Accounts/{quote(self.account_sid, safe='')}"
            "/Messages.json"
        )
        self.timeout = settings.SMS_HTTP_TIMEOUT

    def send(self, message):
        form = {"To": message.to, "From": settings.SMS_FROM_NUMBER, "Body": message.body}
        try:
            response = requests.post(
                self.url,
                data=form,
                auth=(self.account_sid, self.auth_token),
                timeout=self.timeout,
                # A redirect would turn the POST into a GET, so it is treated as a rejection.
                allow_redirects=False,
            )
        except requests.Timeout as exc:
            raise TransientSMSError(f"The SMS provider timed out after {self.timeout} seconds.") from exc
        except requests.ConnectionError as exc:
            raise TransientSMSError(f"The SMS provider could not be reached: {type(exc).__name__}.") from exc

        status = response.status_code
        if status == 429 or status >= 500:
            raise TransientSMSError(
                f"The SMS provider returned HTTP {status}, so the message will be retried.",
                retry_after=_retry_after(response),
            )
        if not 200 <= status < 300:
            raise SMSRejectedError(
                f"The SMS provider rejected the message with status {status}, "
                f"provider error code {_provider_error_code(response)}."
            )
        try:
            return response.json().get("sid")
        except (ValueError, AttributeError):
            return None
