"""Org-scoped API keys: `plk_` and 43 random characters, shown once, stored as a SHA-256 digest."""

import hashlib
import secrets

from django.core.cache import cache
from django.db import transaction
from django.utils import timezone
from rest_framework import status

from audit.services import record
from plinto.api_errors import ApiError

from .. import rls
from ..models import ApiKey
from ..roles import API_KEY_SCOPES, Permission
from ..status import is_active

KEY_PREFIX = "plk_"
# last_used_at is written and an `api_key.used` event recorded at most once per key per this
# many seconds, so a busy key costs one write a minute rather than one per request.
USE_RECORD_INTERVAL = 60
# Seconds a key row stays cached for authentication, and a changed key's marker with it.
KEY_CACHE_SECONDS = 60
_CHANGED = "changed"


def digest(key):
    return hashlib.sha256(key.encode()).hexdigest()


def create_api_key(request, scope, *, name, scopes, expires_at=None):
    """Create a key and return (row, plaintext key); the plaintext is never stored or shown again."""
    scope.require(Permission.API_KEYS_MANAGE)
    unknown = sorted(set(scopes) - API_KEY_SCOPES)
    if unknown:
        raise ApiError(
            status.HTTP_400_BAD_REQUEST,
            "invalid_scope",
            f"Unknown or not allowed for API keys: {unknown}; allowed: {sorted(API_KEY_SCOPES)}.",
            field="scopes",
        )
    beyond_caller = sorted(set(scopes) - scope.permissions)
    if beyond_caller:
        raise ApiError(
            status.HTTP_403_FORBIDDEN,
            "permission_denied",
            f"A key cannot carry scopes its creator lacks: {beyond_caller}.",
            field="scopes",
        )
    if expires_at is not None and expires_at <= timezone.now():
        raise ApiError(
            status.HTTP_400_BAD_REQUEST, "invalid_expiry", "expires_at must be in the future.", field="expires_at"
        )

    plaintext = KEY_PREFIX + secrets.token_urlsafe(32)
    with transaction.atomic():
        key = ApiKey.objects.create(
            organization=scope.organization,
            name=name,
            prefix=plaintext[: len(KEY_PREFIX) + 6],
            key_hash=digest(plaintext),
            scopes=sorted(set(scopes)),
            created_by=request.user if scope.membership else None,
            expires_at=expires_at,
        )
        record(
            "api_key.created",
            actor=scope.actor,
            target=key,
            organization=scope.organization,
            request=request,
            metadata={"scopes": key.scopes},
        )
    return key, plaintext


def revoke_api_key(request, scope, key_id):
    scope.require(Permission.API_KEYS_MANAGE)
    with transaction.atomic():
        key = scope.get(ApiKey, key_id, revoked_at__isnull=True)
        key.revoked_at = timezone.now()
        key.save(update_fields=["revoked_at"])
        record("api_key.revoked", actor=scope.actor, target=key, organization=scope.organization, request=request)


def find_usable_key(plaintext):
    """Return the usable key for `plaintext` whose organization is active, or None."""
    if not plaintext.startswith(KEY_PREFIX) or len(plaintext) > 100:
        return None
    key = _key_by_digest(digest(plaintext))
    if key is None or not key.is_usable or not is_active(key.organization_id):
        return None
    return key


def _cache_key(key_hash):
    return f"api-key:{key_hash}"


def _key_by_digest(key_hash):
    """Return the ApiKey row with `key_hash`, from the cache when it has a current copy.

    A cached copy saves the four database round trips of a lookup that crosses tenants. Any save
    or delete of the row replaces the copy with a marker (see `forget_changed_key`). A copy is only
    added where no marker is, so a request that read the row just before a revocation cannot put
    the old row back.
    """
    cache_key = _cache_key(key_hash)
    cached = cache.get(cache_key)
    if isinstance(cached, ApiKey):
        return cached
    # The digest lookup finds the tenant, so it has to cross tenants.
    with rls.bypass():
        key = ApiKey.objects.filter(key_hash=key_hash).first()
    if key is not None and cached is None:
        cache.add(cache_key, key, KEY_CACHE_SECONDS)
    return key


def forget_changed_key(sender, instance, **kwargs):
    """Stop serving a cached copy of a saved or deleted key once the transaction commits.

    Connected to ApiKey's post_save and post_delete. QuerySet.update() sends no signal, so it is
    used only for last_used_at, which authentication does not read.
    """
    if kwargs.get("created"):
        return  # No copy of a new key can exist yet.
    cache_key = _cache_key(instance.key_hash)
    transaction.on_commit(lambda: cache.set(cache_key, _CHANGED, KEY_CACHE_SECONDS))


def note_use(request, key):
    """Record that `key` was used, at most once per USE_RECORD_INTERVAL.

    NOTE: requests inside the interval are not recorded one by one; every change a key makes
    is still recorded by its service with the key as the actor.
    """
    if not cache.add(f"api-key-used:{key.pk}", 1, USE_RECORD_INTERVAL):
        return
    now = timezone.now()
    with rls.tenant(key.organization_id), transaction.atomic():
        ApiKey.objects.filter(pk=key.pk).update(last_used_at=now)
        record(
            "api_key.used",
            actor=key,
            target=key,
            organization=key.organization,
            request=request,
            metadata={"method": request.method, "path": request.path},
        )
