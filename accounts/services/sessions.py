"""Sessions and the token pairs they issue: creation, refresh with rotation, revocation."""

from datetime import timedelta

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone
from rest_framework import status

from audit.services import record
from plinto import raw_rows
from plinto.api_errors import ApiError
from plinto.client_ip import get_client_ip

from ..models import RefreshToken, Session
from ..tokens.access import issue_access_token
from ..tokens.refresh import hash_token, is_well_formed, new_refresh_token, successor_of


class RevokeReason:
    LOGOUT = "logout"
    LOGOUT_ALL = "logout_all"
    USER_REQUEST = "user_request"
    PASSWORD_CHANGE = "password_change"
    PASSWORD_RESET = "password_reset"
    REFRESH_REUSE = "refresh_reuse"
    DEACTIVATED = "deactivated"
    ADMIN = "admin"


def _token_response(session, refresh_token):
    access_token, expires_in = issue_access_token(session)
    return {
        "access_token": access_token,
        "refresh_token": refresh_token,
        "token_type": "Bearer",
        "expires_in": expires_in,
    }


def start_session(request, user, *, amr, organization_id=None, auth_time=None, expires_at=None):
    """Create a session for a completed login and return its first token pair.

    `auth_time` defaults to now; a session that continues an earlier login (such as a switch of
    organization) passes the original one. `expires_at` may only shorten the platform lifetime.
    """
    now = timezone.now()
    latest_expiry = now + timedelta(seconds=settings.REFRESH_TOKEN_LIFETIME)
    session = Session(
        user=user,
        created_at=now,
        last_used_at=now,
        auth_time=auth_time or now,
        expires_at=min(expires_at, latest_expiry) if expires_at else latest_expiry,
        amr=list(amr),
        organization_id=organization_id,
        ip_address=get_client_ip(request),
        user_agent=request.META.get("HTTP_USER_AGENT", "")[:512],
    )
    refresh_token = new_refresh_token()
    first_token = RefreshToken(token_hash=hash_token(refresh_token), session=session, created_at=now)
    # Both rows in one round trip: every login and organization switch runs this.
    with transaction.atomic(savepoint=False):
        raw_rows.execute_together([raw_rows.insert_statement(session), raw_rows.insert_statement(first_token)])
    return session, _token_response(session, refresh_token)


def _invalid_refresh(code="invalid_token", detail="The refresh token is invalid or expired; log in again."):
    return ApiError(status.HTTP_401_UNAUTHORIZED, code, detail)


def refresh_session(request, presented):
    """Rotate `presented` and return a new token pair.

    A token that was already rotated revokes its whole session, except the token rotated most
    recently, which may be presented again within REFRESH_TOKEN_REUSE_INTERVAL seconds and then
    returns the same successor it returned the first time.

    NOTE: the row locks below serialize concurrent refreshes of one token on PostgreSQL. SQLite
    ignores SELECT ... FOR UPDATE, so there two requests racing on one token can fail with a
    database error instead of both receiving the same successor.
    """
    if not is_well_formed(presented):
        raise _invalid_refresh()
    now = timezone.now()
    with transaction.atomic():
        relax_commit_durability()
        token = (
            RefreshToken.objects.select_for_update(of=("self", "session"))
            .select_related("session", "session__user")
            .filter(token_hash=hash_token(presented))
            .first()
        )
        if token is None:
            raise _invalid_refresh()
        session = token.session
        user = session.user
        if not session.is_active or not user.is_active:
            raise _invalid_refresh()

        successor = successor_of(presented)
        successor_hash = hash_token(successor)
        if token.rotated_at is not None:
            grace = timedelta(seconds=settings.REFRESH_TOKEN_REUSE_INTERVAL)
            successor_row = RefreshToken.objects.filter(token_hash=successor_hash, session=session).first()
            if now - token.rotated_at <= grace and successor_row is not None and successor_row.rotated_at is None:
                return _token_response(session, successor)
            # Committed before the error is raised, so the revocation is not rolled back.
            _revoke(session, RevokeReason.REFRESH_REUSE, now)
            record("token.refresh_reused", actor=user, target=session, request=request, outcome="failure")
            reused = True
        else:
            reused = False
            _rotate(token, session, successor_hash, now)
    if reused:
        raise _invalid_refresh("token_reused", "This refresh token was already used; the session is revoked.")
    return _token_response(session, successor)


def relax_commit_durability():
    """Let PostgreSQL acknowledge this transaction's commit before its WAL reaches the disk.

    Used for refresh rotations and for the transaction that completes a login. A commit lost in
    a database crash costs the client one re-login: a lost rotation leaves the old token current,
    and a lost login leaves no session, so its tokens are rejected. The login's audit event is
    lost with it, but never alone: the WAL is written in order, so anything done later with the
    session that did reach the disk carries the login and its event with it. Waiting for the
    flush made up most of a refresh's latency, and a login holds its audit chain's lock until
    its commit returns. Outside a transaction this does nothing.
    """
    if connection.vendor == "postgresql" and connection.in_atomic_block:
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL synchronous_commit TO OFF")


def _rotate(token, session, successor_hash, now):
    """Mark `token` rotated, store its successor and note the session's use, in one round trip."""
    token.rotated_at = now
    session.last_used_at = now
    successor = RefreshToken(token_hash=successor_hash, session=session, created_at=now)
    # Both columns are DateTimeFields, so one database value serves the two updates.
    when = RefreshToken._meta.get_field("rotated_at").get_db_prep_save(now, connection)
    raw_rows.execute_together(
        [
            (f"UPDATE {RefreshToken._meta.db_table} SET rotated_at = %s WHERE id = %s", [when, token.pk]),  # noqa: S608
            (
                f"UPDATE {Session._meta.db_table} SET last_used_at = %s WHERE id = %s",  # noqa: S608
                [when, raw_rows.db_uuid(session.pk)],
            ),
            raw_rows.insert_statement(successor),
        ]
    )


def _revoke(session, reason, now=None):
    Session.objects.filter(pk=session.pk, revoked_at__isnull=True).update(
        revoked_at=now or timezone.now(), revoked_reason=reason
    )


def revoke_session(session, *, reason, actor=None, request=None):
    """End one session: its refresh tokens and access tokens stop working at once."""
    _revoke(session, reason)
    record("session.revoked", actor=actor or session.user, target=session, request=request, metadata={"reason": reason})


def revoke_user_sessions(user, *, reason, except_session_id=None, actor=None, request=None):
    """End every active session of `user` (but one, when given) and return how many ended."""
    sessions = Session.objects.filter(user=user, revoked_at__isnull=True)
    if except_session_id:
        sessions = sessions.exclude(pk=except_session_id)
    count = sessions.update(revoked_at=timezone.now(), revoked_reason=reason)
    if count:
        record(
            "session.revoked_all",
            actor=actor or user,
            target=user,
            request=request,
            metadata={"reason": reason, "count": count},
        )
    return count


def find_user_session(user, session_id):
    """Return the user's active session with `session_id`, or raise 404."""
    session = Session.objects.active().filter(user=user, pk=session_id).first()
    if session is None:
        raise ApiError(status.HTTP_404_NOT_FOUND, "not_found", f"No active session with id {session_id}.")
    return session
