"""Login and logout pages."""

from django.conf import settings
from django.contrib import messages
from django.db import transaction
from django.shortcuts import redirect
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods

from plinto.api_errors import ApiError

from ...login_pipeline import complete_login
from ...services.login import authenticate_password
from ..forms import LoginForm
from ..rendering import render_invalid, render_page, render_service_error
from ..session import end_page_session, start_page_session, store_pending_login

LOGIN_TEMPLATE = "accounts/login.html"


def safe_next_url(request, candidate):
    """Return `candidate` when it stays on this host and scheme, else the default page."""
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return settings.LOGIN_REDIRECT_URL


@sensitive_post_parameters("password")
@never_cache
@require_http_methods(["GET", "POST"])
def login_page(request):
    requested_next = request.POST.get("next") if request.method == "POST" else request.GET.get("next")
    next_url = safe_next_url(request, requested_next)
    # The form carries `next` on only when it is safe.
    next_field = requested_next if requested_next and next_url == requested_next else ""

    if request.method == "GET":
        if request.plinto_session is not None:
            return redirect(next_url)
        return render_page(request, LOGIN_TEMPLATE, {"form": LoginForm(), "next": next_field})

    form = LoginForm(request.POST)
    context = {"form": form, "next": next_field}
    if not form.is_valid():
        return render_invalid(request, LOGIN_TEMPLATE, context)

    try:
        user = authenticate_password(request, form.cleaned_data["email"], form.cleaned_data["password"])
        with transaction.atomic():
            session, body = complete_login(request, user, amr=["pwd"])
    except ApiError as error:
        return render_service_error(request, LOGIN_TEMPLATE, context, form, error)

    if session is None:
        if body.get("mfa_required"):
            # The second-factor pages of accounts.mfa take over; the token stays on the server.
            store_pending_login(request, body["mfa_token"], next_url)
            return redirect("login-mfa")
        # A completion check that is not a second factor has no page to finish it on.
        return render_page(request, "accounts/login_pending.html", {})

    start_page_session(request, user, session)
    return redirect(next_url)


@never_cache
@require_http_methods(["GET", "POST"])
def logout_page(request):
    """Show a confirm button on GET and end the session on POST, so a link alone never logs out."""
    if request.method == "POST":
        end_page_session(request)
        messages.success(request, "You are logged out.")
        return redirect(settings.LOGIN_URL)

    if not request.user.is_authenticated:
        return redirect(settings.LOGIN_URL)
    return render_page(request, "accounts/logout.html", {})
