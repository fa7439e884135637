"""The authenticator models an organization lets its members register as passkeys."""

from .. import rls
from ..models import Membership, Organization


def organization_aaguid_policy(user):
    """AAGUID policy hook: return the models every restricting organization of `user` allows.

    A user who belongs to several organizations signs in once and uses the same passkeys in
    each, so a passkey must satisfy every active organization that restricts models. The result
    is therefore the intersection of their lists, which may be empty when they share no model.
    A union would let one organization's allowlist bring a model into another that excludes it.
    Returns None when no active organization of the user restricts models.
    """
    # A user's own memberships cross tenants by nature; the filter on `user` is the scope.
    with rls.bypass():
        lists = list(
            Membership.objects.filter(user=user, organization__status=Organization.Status.ACTIVE).values_list(
                "organization__passkey_allowed_aaguids", flat=True
            )
        )
    allowed = None
    for aaguids in lists:
        if not aaguids:
            continue
        models = {aaguid.lower() for aaguid in aaguids}
        allowed = models if allowed is None else allowed & models
    return allowed
