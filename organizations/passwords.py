"""A password validator for organizations that demand longer passwords than the platform."""

from django.core.exceptions import ValidationError

from . import rls
from .models import Organization


class OrganizationMinimumLengthValidator:
    """Apply the largest `password_min_length` among the active organizations the user belongs to.

    Accounts that do not exist yet belong to no organization; invitation acceptance checks the
    inviting organization's minimum itself.
    """

    def validate(self, password, user=None):
        minimum = self._minimum_for(user)
        if minimum and len(password) < minimum:
            raise ValidationError(
                f"An organization you belong to requires passwords of at least {minimum} characters.",
                code="password_too_short",
            )

    def _minimum_for(self, user):
        if user is None or user.pk is None or user._state.adding:
            return None
        with rls.bypass():
            lengths = Organization.objects.filter(
                memberships__user_id=user.pk, status=Organization.Status.ACTIVE, password_min_length__isnull=False
            ).values_list("password_min_length", flat=True)
            return max(lengths, default=None)

    def get_help_text(self):
        return "Your organizations may require a longer password than the platform minimum."
