"""DRF authentication by access token: the JWT must verify and its session must still be live."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions

from .models import Session
from .tokens.access import InvalidAccessToken, decode_access_token


class AccessTokenAuthentication(authentication.BaseAuthentication):
    keyword = "Bearer"

    def authenticate(self, request):
        token = self._bearer_token(request)
        if token is None:
            return None

        try:
            claims = decode_access_token(token)
        except InvalidAccessToken as exc:
            raise exceptions.AuthenticationFailed(
                "The access token is invalid or expired.", code="invalid_token"
            ) from exc

        # Revocation and deactivation take effect at once, not when the access token expires.
        session = Session.objects.select_related("user").filter(pk=claims["sid"]).first()
        if session is None or not session.is_active or str(session.user_id) != claims["sub"]:
            raise exceptions.AuthenticationFailed("The session of this token has ended.", code="session_revoked")
        if not session.user.is_active:
            raise exceptions.AuthenticationFailed("The account is deactivated.", code="user_inactive")

        request.auth_session = session
        return session.user, claims

    def _bearer_token(self, request):
        """Return the token of a `Bearer <token>` header, None for another scheme, or raise 401."""
        try:
            header = authentication.get_authorization_header(request).split()
        except UnicodeEncodeError as exc:
            # Servers pass headers as Latin-1 text, so only code calling the WSGI app directly gets here.
            raise exceptions.AuthenticationFailed(
                "The Authorization header must be `Bearer <token>` in ASCII.", code="invalid_token"
            ) from exc
        if not header or header[0].lower() != self.keyword.lower().encode():
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed(
                "The Authorization header must be `Bearer <token>`.", code="invalid_token"
            )
        try:
            return header[1].decode("ascii")
        except UnicodeDecodeError as exc:
            raise exceptions.AuthenticationFailed("The bearer token is not ASCII.", code="invalid_token") from exc

    def authenticate_header(self, request):
        return 'Bearer realm="api"'


class AccessTokenScheme(OpenApiAuthenticationExtension):
    target_class = "accounts.authentication.AccessTokenAuthentication"
    name = "bearerAuth"

    def get_security_definition(self, auto_schema):
        return {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}
