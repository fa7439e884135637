"""Settings of the organizations app."""

from .env import env

# The resolver that checks domain verification records, as host:port (such as 127.0.0.1:53 or
# [::1]:53). Empty uses the resolvers of the system (/etc/resolv.conf).
DNS_RESOLVER = env.str("DNS_RESOLVER", default="")
# Seconds one domain verification lookup may take, retries included.
DNS_TIMEOUT = env.float("DNS_TIMEOUT", default=5.0)
