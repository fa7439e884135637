"""Side effects of every change to a user's factors: an audit event, an email notice, ended sessions."""

from audit.services import record

from ..services.sessions import revoke_user_sessions
from .emails import queue_mfa_email

FACTOR_CHANGE = "mfa_change"

# Method names shown in the notice. A method missing here is shown by its API name.
METHOD_LABELS = {
    "totp": "the authenticator app",
    "backup_code": "the set of backup codes",
    "email": "login codes by email",
    "sms": "login codes by SMS",
}


def factor_changed(request, user, *, action, method, actor=None):
    """Audit a factor change, mail the user and revoke every session but the current one.

    `action` is enrolled, removed or regenerated, recorded as `mfa.<action>`. A thief who kept an
    older session must log in again, now with the changed factors.
    """
    # The API authenticates with `auth_session` and the hosted pages with `plinto_session`.
    current = getattr(request, "auth_session", None) or getattr(request, "plinto_session", None)
    revoke_user_sessions(
        user,
        reason=FACTOR_CHANGE,
        except_session_id=current.pk if current is not None else None,
        actor=actor,
        request=request,
    )
    record(f"mfa.{action}", actor=actor or user, target=user, request=request, metadata={"method": method})
    queue_mfa_email(user, "factor_changed", action=action, method=METHOD_LABELS.get(method, method))
