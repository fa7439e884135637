"""System check that the breached-password corpus can be read."""

import os

from django.conf import settings
from django.core.checks import Error, Tags, register


@register(Tags.security)
def check_breached_passwords_file(app_configs, **kwargs):
    # The look-up treats an unreadable file as "not breached", so a wrong path would silently turn
    # the offline check off; this check stops start-up instead.
    path = settings.BREACHED_PASSWORDS_FILE
    if os.access(path, os.R_OK) and os.path.isfile(path):
        return []
    return [
        Error(
            f"BREACHED_PASSWORDS_FILE={path} is missing or not readable.",
            hint=(
                "Point it at a sorted SHA1:count file such as Have I Been Pwned's download, or unset it "
                "to use the corpus bundled in accounts/data/."
            ),
            id="plinto.E020",
        )
    ]
