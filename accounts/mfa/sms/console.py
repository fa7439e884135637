"""A backend that only logs that a message went out; for local runs without a provider."""

import structlog

from .base import BaseSMSBackend, masked_number

logger = structlog.get_logger(__name__)


class ConsoleBackend(BaseSMSBackend):
    def send(self, message):
        # The body carries the code, so only its length and the number's last digits are logged.
        logger.info("sms_sent_to_console", to=masked_number(message.to), length=len(message.body))
        return None
