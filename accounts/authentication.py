"""DRF authentication by access token: the JWT must verify and its session must still be live."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions

from .hooks import run_access_checks
from .models import Session
from .tokens.access import InvalidAccessToken, decode_access_token


class AccessTokenAuthentication(authentication.BaseAuthentication):
    keyword = "Bearer"

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].lower() != self.keyword.lower().encode():
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed("The Authorization header must be `Bearer <token>`.")
        try:
            token = header[1].decode("ascii")
        except UnicodeDecodeError as exc:
            raise exceptions.AuthenticationFailed("The bearer token is not ASCII.", code="invalid_token") from exc

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
        run_access_checks(session, claims)

        request.auth_session = session
        return session.user, claims

    def authenticate_header(self, request):
        return 'Bearer realm="api"'


class AccessTokenScheme(OpenApiAuthenticationExtension):
    target_class = "accounts.authentication.AccessTokenAuthentication"
    name = "bearerAuth"

    def get_security_definition(self, auto_schema):
        return {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}
