"""The account security page: set up and remove second factors, and show backup codes once.

Every change needs a recent authentication. When the page session's last one is too old, the
service raises `reauthentication_required` and the view redirects to /account/reauthenticate,
which returns here.
"""

from django.contrib import messages
from django.shortcuts import redirect
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_GET, require_POST

from accounts.pages.rendering import add_service_error, render_page
from accounts.pages.session import plinto_login_required
from accounts.pages.stepup import needs_reauthentication, redirect_to_reauthentication
from accounts.passkeys.services import list_passkeys
from accounts.services.stepup import require_recent_authentication
from plinto.api_errors import ApiError

from ... import registry, services
from ...authenticators.totp import pending_setup
from ..forms import CodeForm

SECURITY_TEMPLATE = "mfa/security.html"
TOTP_SETUP_TEMPLATE = "mfa/totp_setup.html"
BACKUP_CODES_TEMPLATE = "mfa/backup_codes.html"


def _security_context(request, *, error=""):
    user = request.user
    status = services.factor_status(user)
    enrolled = {entry["method"] for entry in status["methods"] if entry["enrolled"]}
    return {
        "totp_enrolled": "totp" in enrolled,
        "totp_pending": "totp" not in enrolled and pending_setup(user) is not None,
        "email_enrolled": "email" in enrolled,
        "has_factor": registry.has_factor(user),
        "passkeys": list_passkeys(user),
        "backup_codes": status["backup_codes"],
        "error": error,
    }


def _security_error(request, error):
    """Send a step-up error to re-authentication; show any other error on the security page."""
    if needs_reauthentication(error):
        return redirect_to_reauthentication(reverse("account-security"))
    status = 200 if error.status_code == 401 else error.status_code
    response = render_page(
        request, SECURITY_TEMPLATE, _security_context(request, error=str(error.detail)), status=status
    )
    for name, value in error.headers.items():
        response[name] = value
    return response


def _show_backup_codes(request, codes):
    # Rendered in the POST response and never stored, so the codes are shown this once.
    return render_page(request, BACKUP_CODES_TEMPLATE, {"codes": codes})


@never_cache
@plinto_login_required
@require_GET
def security_page(request):
    return render_page(request, SECURITY_TEMPLATE, _security_context(request))


@never_cache
@plinto_login_required
@require_POST
def totp_start(request):
    # The API requires step-up only at confirmation. The page checks it first, so no user scans a
    # QR code and is then sent away to confirm their password.
    try:
        require_recent_authentication(request)
        services.start_totp_setup(request, request.user)
    except ApiError as error:
        return _security_error(request, error)
    return redirect("account-security-totp")


@never_cache
@plinto_login_required
@require_GET
def totp_setup_page(request):
    setup = pending_setup(request.user)
    if setup is None:
        return redirect("account-security")
    return render_page(request, TOTP_SETUP_TEMPLATE, {"setup": setup, "form": CodeForm(method="totp")})


@sensitive_post_parameters("code")
@never_cache
@plinto_login_required
@require_POST
def totp_confirm(request):
    form = CodeForm(request.POST, method="totp")
    setup = pending_setup(request.user)
    if setup is None:
        messages.error(request, "No authenticator app is being set up. Start again.")
        return redirect("account-security")
    if not form.is_valid():
        return render_page(request, TOTP_SETUP_TEMPLATE, {"setup": setup, "form": form}, status=400)

    try:
        result = services.confirm_totp(request, request.user, form.cleaned_data["code"])
    except ApiError as error:
        if needs_reauthentication(error):
            return redirect_to_reauthentication(reverse("account-security-totp"))
        page_status, headers = add_service_error(form, error)
        return render_page(
            request, TOTP_SETUP_TEMPLATE, {"setup": setup, "form": form}, status=page_status, headers=headers
        )

    messages.success(request, "Your authenticator app is set up. Your other sessions are logged out.")
    if result["backup_codes"]:
        return _show_backup_codes(request, result["backup_codes"])
    return redirect("account-security")


@never_cache
@plinto_login_required
@require_POST
def totp_remove(request):
    try:
        services.remove_method(request, request.user, "totp")
    except ApiError as error:
        return _security_error(request, error)
    messages.success(request, "The authenticator app is removed. Your other sessions are logged out.")
    return redirect("account-security")


@never_cache
@plinto_login_required
@require_POST
def backup_codes_regenerate(request):
    try:
        result = services.regenerate_backup_codes(request, request.user)
    except ApiError as error:
        return _security_error(request, error)
    messages.success(request, "New backup codes are ready. The old ones no longer work.")
    return _show_backup_codes(request, result["codes"])


@never_cache
@plinto_login_required
@require_POST
def email_codes_enable(request):
    try:
        services.enable_email_codes(request, request.user)
    except ApiError as error:
        return _security_error(request, error)
    messages.success(request, "Login codes by email are on.")
    return redirect("account-security")


@never_cache
@plinto_login_required
@require_POST
def email_codes_disable(request):
    try:
        services.remove_method(request, request.user, "email")
    except ApiError as error:
        return _security_error(request, error)
    messages.success(request, "Login codes by email are off.")
    return redirect("account-security")
