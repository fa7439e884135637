"""Forgotten-password and password-reset pages."""

from django.contrib.auth import logout as django_logout
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods

from plinto.api_errors import ApiError

from ...services import passwords
from ..forms import EmailForm, PasswordResetForm
from ..rendering import render_invalid, render_page, render_service_error
from .links import link_page

FORGOT_TEMPLATE = "accounts/password_forgot.html"
RESET_TEMPLATE = "accounts/password_reset.html"


@never_cache
@require_http_methods(["GET", "POST"])
def password_forgot_page(request):
    if request.method == "GET":
        return render_page(request, FORGOT_TEMPLATE, {"form": EmailForm()})

    form = EmailForm(request.POST)
    context = {"form": form}
    if not form.is_valid():
        return render_invalid(request, FORGOT_TEMPLATE, context)

    try:
        # The page that follows is the same whether or not an account matched.
        passwords.request_password_reset(request, form.cleaned_data["email"])
    except ApiError as error:
        return render_service_error(request, FORGOT_TEMPLATE, context, form, error)
    return render_page(request, "accounts/password_forgot_done.html", {"email": form.cleaned_data["email"]})


@sensitive_post_parameters("new_password")
@never_cache
@require_http_methods(["GET", "POST"])
def password_reset_page(request):
    """Show the new-password form for the link's token on GET; reset only on POST."""
    if request.method == "GET":
        return link_page(request, RESET_TEMPLATE, PasswordResetForm, new_link_url=reverse("password-forgot"))

    form = PasswordResetForm(request.POST)
    context = {"form": form}
    if not form.is_valid():
        return render_invalid(request, RESET_TEMPLATE, context)

    try:
        user = passwords.reset_password(request, form.cleaned_data["token"], form.cleaned_data["new_password"])
    except ApiError as error:
        return render_service_error(request, RESET_TEMPLATE, context, form, error)

    # The reset revoked every session of the account, this browser's included.
    if request.user.is_authenticated and request.user.pk == user.pk:
        django_logout(request)
    return render_page(request, "accounts/password_reset_done.html", {})
