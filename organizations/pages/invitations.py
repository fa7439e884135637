"""The page an invitation email links to: accept as the logged-in user, or register and accept.

The token stays in a hidden form field and is checked only when the form is posted, by the same
services as the API (`accept_as_existing_user`, `accept_as_new_user`).
"""

from urllib.parse import urlencode

from django import forms
from django.conf import settings
from django.contrib import messages
from django.shortcuts import redirect
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods

from accounts.pages.forms import TokenForm
from accounts.pages.rendering import render_invalid, render_page, render_service_error
from plinto.api_errors import ApiError

from ..services import invitations

TEMPLATE = "organizations/invitation_accept.html"


class InvitationRegisterForm(TokenForm):
    display_name = forms.CharField(
        label="Display name", max_length=150, required=False, widget=forms.TextInput(attrs={"autocomplete": "name"})
    )
    password = forms.CharField(
        label="Password",
        strip=False,
        max_length=settings.PASSWORD_MAX_LENGTH,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )


def _context(request, token, form):
    accept_url = f"{reverse('invitation-accept')}?{urlencode({'token': token})}"
    return {"form": form, "login_url": f"{settings.LOGIN_URL}?{urlencode({'next': accept_url})}"}


@sensitive_post_parameters("password", "token")
@never_cache
@require_http_methods(["GET", "POST"])
def invitation_accept(request):
    logged_in = request.plinto_session is not None
    form_class = TokenForm if logged_in else InvitationRegisterForm

    if request.method == "GET":
        token = request.GET.get("token", "")[:2048]
        form = form_class(initial={"token": token})
        return render_page(request, TEMPLATE, _context(request, token, form))

    form = form_class(request.POST)
    context = _context(request, request.POST.get("token", "")[:2048], form)
    if not form.is_valid():
        return render_invalid(request, TEMPLATE, context)
    try:
        if logged_in:
            membership = invitations.accept_as_existing_user(request, request.user, form.cleaned_data["token"])
        else:
            _, membership = invitations.accept_as_new_user(
                request,
                form.cleaned_data["token"],
                password=form.cleaned_data["password"],
                display_name=form.cleaned_data["display_name"],
            )
    except ApiError as error:
        return render_service_error(request, TEMPLATE, context, form, error)

    name = membership.organization.display_name or membership.organization.name
    if logged_in:
        messages.success(request, f"You joined {name} as {membership.role}.")
        return redirect(settings.LOGIN_REDIRECT_URL)
    messages.success(
        request, f"Your account is created and you joined {name} as {membership.role}. Log in to continue."
    )
    return redirect(settings.LOGIN_URL)
