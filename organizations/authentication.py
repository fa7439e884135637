"""DRF authentication by org-scoped API key, sent as `X-API-Key` or `Authorization: Bearer plk_…`."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions

from .services.api_keys import KEY_PREFIX, find_usable_key, note_use


class ApiKeyPrincipal:
    """Stands in for request.user when an API key authenticates: a service, not a person."""

    is_authenticated = True
    is_active = True
    is_staff = False

    def __init__(self, key):
        self.key = key
        self.pk = key.pk

    def __str__(self):
        return f"api key {self.pk}"


def _presented_key(request):
    header = request.META.get("HTTP_X_API_KEY")
    if header:
        return header.strip()
    parts = authentication.get_authorization_header(request).split()
    if len(parts) == 2 and parts[0].lower() == b"bearer" and parts[1].startswith(KEY_PREFIX.encode()):
        return parts[1].decode("ascii", "replace")
    return None


class ApiKeyAuthentication(authentication.BaseAuthentication):
    def authenticate(self, request):
        presented = _presented_key(request)
        if presented is None:
            return None
        key = find_usable_key(presented)
        if key is None:
            raise exceptions.AuthenticationFailed(
                "The API key is invalid, revoked or expired, or its organization is deactivated.",
                code="invalid_api_key",
            )
        request._request.api_key = key
        note_use(request, key)
        return ApiKeyPrincipal(key), key

    def authenticate_header(self, request):
        return 'Bearer realm="api"'


class ApiKeyScheme(OpenApiAuthenticationExtension):
    target_class = "organizations.authentication.ApiKeyAuthentication"
    name = "apiKeyAuth"

    def get_security_definition(self, auto_schema):
        return {"type": "apiKey", "in": "header", "name": "X-API-Key"}
