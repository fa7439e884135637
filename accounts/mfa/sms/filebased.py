"""A backend that writes each message as a JSON file in SMS_FILE_PATH, for development and tests."""

import json
import uuid
from pathlib import Path

from django.conf import settings
from django.utils import timezone

from .base import BaseSMSBackend


class FileBackend(BaseSMSBackend):
    def send(self, message):
        folder = Path(settings.SMS_FILE_PATH)
        folder.mkdir(parents=True, exist_ok=True)
        message_id = uuid.uuid4().hex
        sent_at = timezone.now()
        # The timestamp first, so a directory listing sorts messages by the time they were sent.
        path = folder / f"{sent_at:%Y%m%dT%H%M%S%f}-{message_id}.json"
        record = {"id": message_id, "to": message.to, "body": message.body, "sent_at": sent_at.isoformat()}
        with path.open("x", encoding="utf-8") as handle:
            json.dump(record, handle, indent=2)
        return message_id
