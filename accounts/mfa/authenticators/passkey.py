"""A registered passkey as the second factor of a password login."""

from plinto.api_errors import ApiError

from ...passkeys.models import Passkey
from ...passkeys.services import begin_second_factor, verify_assertion_for_user
from ..registry import ACCEPTED, BaseAuthenticator, Outcome


class PasskeyAuthenticator(BaseAuthenticator):
    """WebAuthn assertions bound to one login attempt.

    A registered passkey counts as a factor, as Auth0 and Okta treat one, so registering a passkey
    turns on the second step for password logins. A passwordless passkey login with user
    verification is multi-factor by itself and skips that step.
    """

    method = "passkey"
    # RFC 8176: proof of possession of a hardware-secured key.
    amr = "hwk"
    # The client must fetch request options bound to the login attempt before it can sign.
    needs_challenge = True

    def is_enrolled(self, user):
        return Passkey.objects.filter(user=user).exists()

    def send_challenge(self, user, challenge, *, request=None):
        """Return the WebAuthn request options for this login attempt, limited to the user's passkeys."""
        return begin_second_factor(user, challenge.pk)

    def verify(self, user, code, *, challenge=None, request=None):
        # Step-up re-authentication has no login attempt to bind the WebAuthn challenge to.
        if challenge is None:
            return Outcome(False, "invalid")
        try:
            verify_assertion_for_user(user, code, challenge.pk, request=request)
        except ApiError as error:
            # Returned, not raised, so the caller counts the attempt against the mfa_token and
            # commits the audit events the failure wrote (such as a counter regression).
            return Outcome(False, "invalid", error=error)
        return ACCEPTED

    def remove(self, user):
        deleted, _ = Passkey.objects.filter(user=user).delete()
        return deleted > 0
