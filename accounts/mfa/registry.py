"""The interface every second-factor method implements, and the registry of methods.

A method is one BaseAuthenticator subclass registered under its `method` name. The login
challenge, step-up re-authentication, the status endpoint and `reset_mfa` all go through this
registry, so a new method needs no change to them.
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class Outcome:
    """The result of checking one code against one method."""

    accepted: bool
    # "invalid", "reused" or "throttled" when not accepted.
    reason: str = ""
    retry_after: int | None = None
    # Extra fields for the client, such as how many backup codes remain.
    details: dict | None = None
    # The specific error to return in place of the generic `invalid_code`, such as a passkey's
    # `counter_regression`.
    error: Exception | None = None


ACCEPTED = Outcome(True)
INVALID = Outcome(False, "invalid")


class BaseAuthenticator:
    """One second-factor method.

    Subclasses set `method` (the name clients send), `amr` (the RFC 8176 value added to the
    session's amr when the method succeeds) and implement `is_enrolled`, `verify` and `remove`.
    Enrollment endpoints are the method's own; the flags below tell the login challenge how the
    method may be used.
    """

    method = ""
    amr = ""
    # False for methods that only back up another one: having them alone does not make a login
    # ask for a second factor.
    counts_as_factor = True
    # True when a user who must enroll during login (a policy requires MFA) may enroll this method
    # with the mfa_token instead of an access token.
    enrollable_at_login = False
    # True when a code must be sent (`send_challenge`) before it can be verified.
    needs_challenge = False

    def is_enrolled(self, user):
        raise NotImplementedError

    def verify(self, user, code, *, challenge=None, request=None):
        """Check `code` and return an Outcome; consume the code when it is accepted.

        `challenge` is the pending login (an MfaChallenge), or None for step-up
        re-authentication. Throttle counters must be saved even when the caller later fails.
        """
        raise NotImplementedError

    def send_challenge(self, user, challenge, *, request=None):
        """Send a code for `challenge`, or return what the client needs to respond to it.

        Only methods with needs_challenge implement it. A code method returns None, and the
        passkey method returns the WebAuthn request options.
        """
        raise NotImplementedError

    def begin_enrollment(self, user):
        """Start enrolling the user and return what the client shows; needed when enrollable_at_login."""
        raise NotImplementedError

    def remove(self, user):
        """Delete the user's devices of this method and return whether any existed."""
        raise NotImplementedError


_authenticators = {}


def register(authenticator):
    """Register an authenticator instance under its method name; the first registration wins."""
    if not authenticator.method or not authenticator.amr:
        raise ValueError(f"{type(authenticator).__name__} must set `method` and `amr`.")
    _authenticators.setdefault(authenticator.method, authenticator)


def get(method):
    """Return the authenticator registered as `method`, or None."""
    return _authenticators.get(method)


def all_authenticators():
    return list(_authenticators.values())


def enrolled_methods(user):
    """Return the names of the methods the user has a confirmed device for, in registration order."""
    return [a.method for a in _authenticators.values() if a.is_enrolled(user)]


def has_factor(user):
    """Return whether the user has a confirmed device of a method that counts as a factor."""
    return any(a.counts_as_factor and a.is_enrolled(user) for a in _authenticators.values())


def login_enrollment_methods():
    return [a.method for a in _authenticators.values() if a.enrollable_at_login]
