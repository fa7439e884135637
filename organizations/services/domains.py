"""Email domains an organization proves it controls through a DNS TXT record.

The record is `_plinto-verification.<domain>` with the value `plinto-verification=<token>`.
Lookups go to the resolver the operator sets in DNS_RESOLVER (host:port), or to the system's
resolvers when it is empty.
"""

import secrets

import dns.exception
import dns.name
import dns.resolver
import structlog
from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from rest_framework import status

from audit.services import record
from plinto.api_errors import ApiError

from .. import rls
from ..models import Domain
from ..roles import Permission, Role
from .memberships import add_member

logger = structlog.get_logger(__name__)


def normalize_domain(value):
    """Return the lowercase IDNA form of `value`, or raise 400 naming the field."""
    text = (value or "").strip().rstrip(".").lower()
    try:
        name = dns.name.from_unicode(text)
        ascii_form = name.to_text(omit_final_dot=True)
    except (dns.exception.DNSException, UnicodeError, ValueError) as exc:
        raise _invalid_domain(value) from exc
    labels = ascii_form.split(".")
    if len(labels) < 2 or any(not label or label.startswith("-") or label.endswith("-") for label in labels):
        raise _invalid_domain(value)
    if not all(ch.isalnum() or ch in "-." for ch in ascii_form) or ascii_form.startswith("_"):
        raise _invalid_domain(value)
    return ascii_form


def _invalid_domain(value):
    return ApiError(
        status.HTTP_400_BAD_REQUEST,
        "invalid_domain",
        f"{value!r} is not a domain name; send one such as example.com, without scheme or path.",
        field="domain",
    )


def add_domain(request, scope, domain):
    scope.require(Permission.DOMAINS_MANAGE)
    name = normalize_domain(domain)
    try:
        with transaction.atomic():
            row = Domain.objects.create(
                organization=scope.organization, domain=name, verification_token=secrets.token_urlsafe(24)
            )
            record("domain.added", actor=scope.actor, target=row, organization=scope.organization, request=request)
    except IntegrityError as exc:
        raise ApiError(
            status.HTTP_409_CONFLICT, "domain_exists", f"{name} is already added to this organization.", field="domain"
        ) from exc
    return row


def remove_domain(request, scope, domain_id):
    scope.require(Permission.DOMAINS_MANAGE)
    with transaction.atomic():
        row = scope.get(Domain, domain_id)
        record("domain.removed", actor=scope.actor, target=row, organization=scope.organization, request=request)
        row.delete()


def _resolver():
    configured = settings.DNS_RESOLVER
    if not configured:
        return dns.resolver.Resolver()
    host, _, port = configured.rpartition(":")
    resolver = dns.resolver.Resolver(configure=False)
    resolver.nameservers = [host.strip("[]")]
    resolver.port = int(port)
    return resolver


def txt_values(name):
    """Return the TXT strings published at `name`; an empty list when there are none."""
    resolver = _resolver()
    resolver.lifetime = settings.DNS_TIMEOUT
    try:
        answer = resolver.resolve(name, "TXT")
    except (dns.resolver.NXDOMAIN, dns.resolver.NoAnswer):
        return []
    return [b"".join(rdata.strings).decode("utf-8", "replace") for rdata in answer]


def verify_domain(request, scope, domain_id):
    """Look for the TXT record now; mark the domain verified when it is there."""
    scope.require(Permission.DOMAINS_MANAGE)
    row = scope.get(Domain, domain_id)
    if row.verified_at:
        return row

    try:
        values = txt_values(row.record_name)
    except dns.exception.DNSException as exc:
        logger.warning("domain_lookup_failed", domain_id=str(row.pk), error=str(exc))
        raise ApiError(
            status.HTTP_503_SERVICE_UNAVAILABLE,
            "dns_lookup_failed",
            f"Looking up {row.record_name} failed ({type(exc).__name__}); try again later.",
        ) from exc

    now = timezone.now()
    found = row.record_value in values
    try:
        with transaction.atomic():
            row.last_checked_at = now
            fields = ["last_checked_at"]
            if found:
                row.verified_at = now
                fields.append("verified_at")
            row.save(update_fields=fields)
            record(
                "domain.verified" if found else "domain.verification_failed",
                actor=scope.actor,
                target=row,
                organization=scope.organization,
                request=request,
                outcome="success" if found else "failure",
            )
    except IntegrityError as exc:
        raise ApiError(
            status.HTTP_409_CONFLICT,
            "domain_verified_elsewhere",
            f"Another organization has already verified {row.domain}.",
        ) from exc
    if not found:
        raise ApiError(
            status.HTTP_400_BAD_REQUEST,
            "verification_record_missing",
            f"No TXT record {row.record_name} with the value {row.record_value!r} was found; "
            "publish it and try again (DNS changes can take a while to appear).",
        )
    return row


def join_by_verified_domain(request, user):
    """Add a user who just verified their address to the organization that verified its domain.

    Registered with accounts.hooks.register_email_verified_hook. Only organizations that allow
    auto-join take part, and the user joins as a member.
    """
    domain = user.email_key.rpartition("@")[2]
    with rls.bypass():
        row = (
            Domain.objects.select_related("organization")
            .filter(domain=domain, verified_at__isnull=False, organization__auto_join_verified_domains=True)
            .first()
        )
    if row is None or not row.organization.is_active:
        return None
    with rls.tenant(row.organization_id):
        membership = add_member(row.organization, user, Role.MEMBER, actor=user, request=request)
    return membership
