"""The authenticator models allowed to register, platform-wide or per organization.

accounts sits below organizations, so an organization's rule comes in through a hook: the
organizations app registers a function from its AppConfig.ready() that returns the allowed
AAGUIDs for a user, or None when it places no restriction on that user.
"""

from django.conf import settings
from webauthn.helpers.structs import AttestationFormat

_CHAINED_FORMATS = (
    AttestationFormat.PACKED,
    AttestationFormat.TPM,
    AttestationFormat.ANDROID_KEY,
    AttestationFormat.FIDO_U2F,
)

_aaguid_policies = []


def register_aaguid_policy(policy):
    """Register `policy(user) -> iterable of AAGUID strings, or None for no restriction`."""
    if policy not in _aaguid_policies:
        _aaguid_policies.append(policy)


def allowed_aaguids(user):
    """Return the lower-case AAGUIDs `user` may register, or None when any model is allowed.

    Every restriction applies at once, so the result is the intersection of the platform setting
    and each registered policy. An empty set means that no model satisfies them all.
    """
    allowed = None
    restrictions = [settings.PASSKEY_ALLOWED_AAGUIDS or None] + [policy(user) for policy in _aaguid_policies]
    for restriction in restrictions:
        if restriction is None:
            continue
        models = {aaguid.lower() for aaguid in restriction}
        allowed = models if allowed is None else allowed & models
    return allowed


def attestation_roots():
    """Return the configured attestation root certificates for every format that chains to one.

    py_webauthn 3.0.1 accepts any certificate chain when it is given no roots for a format, so
    with an empty PASSKEY_ATTESTATION_ROOT_CERTS an allowed AAGUID is only the authenticator's claim.
    """
    path = settings.PASSKEY_ATTESTATION_ROOT_CERTS
    if not path:
        return None
    with open(path, "rb") as bundle:
        pem = bundle.read()
    roots = [b"-----BEGIN CERTIFICATE-----" + part for part in pem.split(b"-----BEGIN CERTIFICATE-----")[1:]]
    return {fmt: roots for fmt in _CHAINED_FORMATS}
