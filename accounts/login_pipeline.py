"""The one code path that decides whether a login is complete.

Every door (API, hosted pages, the admin login, and later SSO) calls `complete_login` after the
first factor has succeeded. Higher layers (organizations, MFA) register checks here from their
AppConfig.ready(), so accounts never imports them. A check returns None to let the login finish,
or a dict the door returns to the client instead of tokens, such as a second-factor challenge.
"""

from audit.services import record

from .services.sessions import relax_commit_durability, start_session

_completion_checks = []


def register_completion_check(check):
    """Register `check(request, user, amr, context)`, called in order before tokens are issued.

    `context` is a dict the door fills (for example `organization` as the client named it); a
    check may add to it. `organization_id` names the organization the session acts in, and
    `session_expires_at` ends the session earlier than the platform's refresh token lifetime.
    """
    if check not in _completion_checks:
        _completion_checks.append(check)


def complete_login(request, user, *, amr, context=None):
    """Finish a login whose first factor succeeded; return (session or None, response body)."""
    context = context or {}
    for check in _completion_checks:
        pending = check(request, user, amr, context)
        if pending is not None:
            return None, pending

    relax_commit_durability()
    session, tokens = start_session(
        request,
        user,
        amr=amr,
        organization_id=context.get("organization_id"),
        expires_at=context.get("session_expires_at"),
    )
    organization = ("organization", session.organization_id, "") if session.organization_id else None
    record(
        "login.succeeded",
        actor=user,
        target=session,
        organization=organization,
        request=request,
        metadata={"amr": list(amr)},
    )
    return session, tokens
