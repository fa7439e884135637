"""Sending a page whose change needs a recent authentication to the re-authentication page."""

from urllib.parse import urlencode

from django.shortcuts import redirect
from django.urls import reverse

REAUTHENTICATION_REQUIRED = "reauthentication_required"


def needs_reauthentication(error):
    """Return whether the ApiError `error` requires a recent authentication (step-up)."""
    return error.code == REAUTHENTICATION_REQUIRED


def redirect_to_reauthentication(next_url):
    """Redirect to the re-authentication page, which returns to `next_url` once it succeeds.

    `next_url` is the page that shows the form, not the URL the form posted to, because the
    person repeats the change there.
    """
    return redirect(f"{reverse('account-reauthenticate')}?{urlencode({'next': next_url})}")
