"""DRF authentication by access token: the JWT must verify and its session must still be live."""

import functools

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions

from plinto import raw_rows

from .hooks import run_access_checks
from .models import Session, User
from .tokens.access import InvalidAccessToken, decode_access_token

_SESSION_FIELDS = ("id", "user_id", "expires_at", "revoked_at", "organization_id", "amr", "auth_time")


@functools.cache
def _session_query():
    """Build the query once: only model metadata goes into it, the session id is a parameter."""
    return raw_rows.joined_query(Session, User, "user", "a.id = %s", first_attnames=_SESSION_FIELDS)


def load_session_with_user(session_id):
    """Fetch a session and its user in one query, built with raw SQL.

    This runs on every authenticated request, and compiling the equivalent ORM query cost more
    than the query itself. The session comes back with only the fields authentication needs; any
    other field loads on first access.
    """
    sql, session, user = _session_query()
    pair = raw_rows.fetch_pair(sql, [raw_rows.db_uuid(session_id)], session, user)
    if pair is None:
        return None
    session, session.user = pair
    return session


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
        session = load_session_with_user(claims["sid"])
        if session is None or not session.is_active or str(session.user_id) != claims["sub"]:
            raise exceptions.AuthenticationFailed("The session of this token has ended.", code="session_revoked")
        if not session.user.is_active:
            raise exceptions.AuthenticationFailed("The account is deactivated.", code="user_inactive")
        run_access_checks(session, claims)

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
