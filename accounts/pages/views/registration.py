"""Sign-up and email verification pages."""

from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods

from plinto.api_errors import ApiError

from ...services import registration
from ..forms import EmailForm, SignupForm, TokenForm
from ..rendering import render_invalid, render_page, render_service_error
from .links import link_page

SIGNUP_TEMPLATE = "accounts/signup.html"
VERIFY_TEMPLATE = "accounts/verify_email.html"
RESEND_TEMPLATE = "accounts/verify_email_resend.html"


@sensitive_post_parameters("password")
@never_cache
@require_http_methods(["GET", "POST"])
def signup_page(request):
    if request.method == "GET":
        return render_page(request, SIGNUP_TEMPLATE, {"form": SignupForm()})

    form = SignupForm(request.POST)
    context = {"form": form}
    if not form.is_valid():
        return render_invalid(request, SIGNUP_TEMPLATE, context)

    try:
        # The page that follows is the same whether or not the address already has an account.
        registration.register(request, **form.cleaned_data)
    except ApiError as error:
        return render_service_error(request, SIGNUP_TEMPLATE, context, form, error)
    return render_page(request, "accounts/signup_done.html", {"email": form.cleaned_data["email"]})


@never_cache
@require_http_methods(["GET", "POST"])
def verify_email_page(request):
    """Show a confirm button for the link's token on GET; verify only on the POST it sends."""
    if request.method == "GET":
        return link_page(request, VERIFY_TEMPLATE, TokenForm, new_link_url=reverse("verify-email-resend"))

    form = TokenForm(request.POST)
    context = {"form": form}
    if not form.is_valid():
        return render_invalid(request, VERIFY_TEMPLATE, context)

    try:
        user = registration.verify_email(request, form.cleaned_data["token"])
    except ApiError as error:
        return render_service_error(request, VERIFY_TEMPLATE, context, form, error)
    return render_page(request, "accounts/verify_email_done.html", {"verified_email": user.email})


@never_cache
@require_http_methods(["GET", "POST"])
def verify_email_resend_page(request):
    if request.method == "GET":
        return render_page(request, RESEND_TEMPLATE, {"form": EmailForm()})

    form = EmailForm(request.POST)
    context = {"form": form}
    if not form.is_valid():
        return render_invalid(request, RESEND_TEMPLATE, context)

    try:
        registration.resend_verification(request, form.cleaned_data["email"])
    except ApiError as error:
        return render_service_error(request, RESEND_TEMPLATE, context, form, error)
    return render_page(request, "accounts/verify_email_resend_done.html", {"email": form.cleaned_data["email"]})
