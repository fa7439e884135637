"""The SMS backend interface, the message it sends and the errors that tell a retry from a failure."""

from dataclasses import dataclass


@dataclass(frozen=True)
class SMSMessage:
    # The recipient in E.164 form, such as +14155550123.
    to: str
    body: str


class SMSError(Exception):
    """Sending failed. Messages of these errors never contain the body or the full number."""


class TransientSMSError(SMSError):
    """The provider was unreachable, timed out, rate-limited us or failed on its side; a retry may work."""

    def __init__(self, message, *, retry_after=None):
        super().__init__(message)
        # Seconds the provider asked us to wait (its Retry-After header), when it said.
        self.retry_after = retry_after


class SMSRejectedError(SMSError):
    """The provider rejected the message (an invalid number, bad credentials); a retry would fail again."""


class BaseSMSBackend:
    """Sends one text message. Subclasses implement `send` and raise the errors above."""

    def send(self, message):
        """Send `message`; return the provider's message id, or None when there is none."""
        raise NotImplementedError


def masked_number(number):
    """Return the number with all but its last two digits hidden, safe for logs."""
    digits = "".join(ch for ch in number or "" if ch.isdigit())
    return "*" * max(0, len(digits) - 2) + digits[-2:]
