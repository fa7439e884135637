"""DRF authentication by access token: the JWT must verify and its session must still be live."""

import functools
import uuid

from django.db import connection
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions

from .hooks import run_access_checks
from .models import Session, User
from .tokens.access import InvalidAccessToken, decode_access_token

_SESSION_FIELDS = ("id", "user_id", "expires_at", "revoked_at", "organization_id", "amr", "auth_time")


@functools.cache
def _session_query():
    """Build the query once: only model metadata goes into it, the session id is a parameter."""
    user_fields = list(User._meta.concrete_fields)
    # Model.from_db() takes values in the model's field order.
    session_fields = [field for field in Session._meta.concrete_fields if field.attname in _SESSION_FIELDS]
    session_columns = ", ".join(f's."{field.column}"' for field in session_fields)
    user_columns = ", ".join(f'u."{field.column}"' for field in user_fields)
    sql = f"SELECT {session_columns}, {user_columns} FROM {Session._meta.db_table} s "  # noqa: S608
    sql += f"JOIN {User._meta.db_table} u ON u.id = s.user_id WHERE s.id = %s"
    return sql, session_fields, user_fields


def load_session_with_user(session_id):
    """Fetch a session and its user in one query, built with raw SQL.

    This runs on every authenticated request, and compiling the equivalent ORM query cost more
    than the query itself. The session comes back with only the fields authentication needs; any
    other field loads on first access.
    """
    sql, session_fields, user_fields = _session_query()
    with connection.cursor() as cursor:
        cursor.execute(sql, [_db_uuid(session_id)])
        row = cursor.fetchone()
    if row is None:
        return None

    split = len(session_fields)
    session = Session.from_db(
        "default", [field.attname for field in session_fields], _convert(session_fields, row[:split])
    )
    session.user = User.from_db("default", [field.attname for field in user_fields], _convert(user_fields, row[split:]))
    return session


def _db_uuid(value):
    try:
        parsed = uuid.UUID(str(value))
    except ValueError:
        return None
    return parsed if connection.vendor == "postgresql" else parsed.hex


def _convert(fields, values):
    """Apply the backend's and the fields' from-database conversions to raw column values."""
    converted = []
    for field, value in zip(fields, values, strict=True):
        # A foreign key's column has its target's type (a UUID stored as text on SQLite).
        source = field.target_field if field.is_relation else field
        expression = source.get_col(source.model._meta.db_table)
        for converter in connection.ops.get_db_converters(expression) + expression.get_db_converters(connection):
            value = converter(value, expression, connection)
        converted.append(value)
    return converted


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
