"""System checks for relying party settings that browsers would reject at the first ceremony."""

import ipaddress
from urllib.parse import urlsplit

from django.conf import settings
from django.core.checks import Error, Warning, register


def _is_ip_address(host):
    try:
        ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return False
    return True


@register()
def check_passkey_settings(app_configs, **kwargs):
    problems = []
    rp_id = settings.PASSKEY_RP_ID
    if _is_ip_address(rp_id):
        problems.append(
            Warning(
                f"PASSKEY_RP_ID={rp_id} is an IP address, which browsers reject as a relying party id.",
                hint="Serve Plinto under a host name (http://localhost:8000 locally) and set PUBLIC_BASE_URL "
                "or PASSKEY_RP_ID to it.",
                id="passkeys.W001",
            )
        )
    for origin in settings.PASSKEY_ORIGINS:
        parts = urlsplit(origin)
        host = parts.hostname or ""
        if parts.path or host != rp_id and not host.endswith("." + rp_id):
            problems.append(
                Error(
                    f"PASSKEY_ORIGINS names {origin!r}, which is not an origin on the relying party id {rp_id}.",
                    hint="List origins as scheme://host[:port] on PASSKEY_RP_ID or one of its subdomains.",
                    id="passkeys.E001",
                )
            )
    return problems
