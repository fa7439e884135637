"""The second step of a hosted login: the challenge page and, when a policy needs it, enrollment.

The password step (accounts.pages) keeps the mfa_token in the server-side session and redirects
here. These views finish the login through the same service as POST /api/v1/auth/mfa/verify,
then log the browser in as a password-only login does.
"""

import functools

from django.contrib import messages
from django.http import JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_GET, require_POST

from accounts.pages.rendering import add_service_error, render_page
from accounts.pages.session import clear_pending_login, pending_login, start_page_session
from accounts.passkeys import pages as passkey_pages
from plinto.api_errors import ApiError

from ... import challenges, registry
from ...authenticators.totp import pending_setup
from ..forms import CodeForm

CHALLENGE_TEMPLATE = "mfa/login_challenge.html"
ENROLL_TEMPLATE = "mfa/login_enroll.html"
EXPIRED_MESSAGE = "Your login expired or had too many wrong codes. Log in again."


def _restart_login(request):
    clear_pending_login(request)
    messages.error(request, EXPIRED_MESSAGE)
    return redirect("login")


def _open_challenge(request):
    """Return (pending, challenge) for this browser's pending login, or (None, None)."""
    pending = pending_login(request)
    if pending is None:
        return None, None
    try:
        return pending, challenges.find_open_challenge(pending["mfa_token"])
    except ApiError:
        return pending, None


def _with_open_challenge(view):
    """Call `view(request, pending, challenge)` for a browser whose login waits for a second factor.

    A browser with no pending login goes to /login, and one whose challenge expired or was used
    up starts the login again.
    """

    @functools.wraps(view)
    def wrapper(request):
        pending, challenge = _open_challenge(request)
        if pending is None:
            return redirect("login")
        if challenge is None:
            return _restart_login(request)
        return view(request, pending, challenge)

    return wrapper


def _page_context(challenge, *, form=None):
    """Build the page for `challenge`, with `form` in place of the blank form of its method."""
    user = challenge.user
    if challenge.enrollment_required:
        # The authenticator app is the one method that can be set up during a login.
        return {
            "setup": pending_setup(user),
            "form": form if form is not None else CodeForm(method="totp"),
        }

    forms = []
    for method in registry.enrolled_methods(user):
        if method == "passkey":
            # The passkey section has no code field; passkeys.js signs the options instead.
            continue
        if form is not None and form.method_name == method:
            forms.append(form)
        else:
            forms.append(CodeForm(method=method))
    return {"forms": forms, "error_form": form, "passkey": registry.get("passkey").is_enrolled(user)}


def _render(request, challenge, *, form=None, status=200, headers=None):
    template = ENROLL_TEMPLATE if challenge.enrollment_required else CHALLENGE_TEMPLATE
    return render_page(request, template, _page_context(challenge, form=form), status=status, headers=headers)


def _render_blank_form_error(request, challenge, method, error):
    """Render the page with the ApiError `error` on an empty form of `method`."""
    form = CodeForm(method=method)
    # add_error expects the cleaned data of a validated form, and an empty form has none yet.
    form.cleaned_data = {}
    page_status, headers = add_service_error(form, error)
    return _render(request, challenge, form=form, status=page_status, headers=headers)


@never_cache
@require_GET
@_with_open_challenge
def challenge_page(request, pending, challenge):
    return _render(request, challenge)


@sensitive_post_parameters("code")
@never_cache
@require_POST
@_with_open_challenge
def challenge_verify(request, pending, challenge):

    method = request.POST.get("method", "")
    form = CodeForm(request.POST, method=method)
    if not form.is_valid():
        return _render(request, challenge, form=form, status=400)

    try:
        session, _ = challenges.finish_challenge(request, pending["mfa_token"], method, form.cleaned_data["code"])
    except ApiError as error:
        if error.code == "mfa_token_invalid":
            return _restart_login(request)
        page_status, headers = add_service_error(form, error)
        return _render(request, challenge, form=form, status=page_status, headers=headers)

    clear_pending_login(request)
    start_page_session(request, session.user, session)
    if challenge.enrollment_required:
        messages.success(
            request, "Your authenticator app is set up. Create backup codes on the security page in case you lose it."
        )
    return redirect(pending["next"])


@never_cache
@require_POST
@_with_open_challenge
def challenge_send_code(request, pending, challenge):
    """Send a code for a method that needs one, such as email, and return to the challenge page."""

    method = request.POST.get("method", "")
    try:
        challenges.send_challenge(request, pending["mfa_token"], method)
    except ApiError as error:
        if error.code == "mfa_token_invalid":
            return _restart_login(request)
        return _render_blank_form_error(request, challenge, method, error)

    destination = "mobile number" if method == "sms" else "email address"
    messages.success(request, f"A code is on its way to your {destination}. It expires in a few minutes.")
    return redirect("login-mfa")


@never_cache
@require_POST
@_with_open_challenge
def enrollment_start(request, pending, challenge):
    """Start setting up an authenticator app for a login that must enroll one first."""

    try:
        challenges.start_login_enrollment(request, pending["mfa_token"], "totp")
    except ApiError as error:
        if error.code == "mfa_token_invalid":
            return _restart_login(request)
        return _render_blank_form_error(request, challenge, "totp", error)
    return redirect("login-mfa")


def _passkey_json_error(request, error):
    """Return a JSON error for the passkey script; a spent login sends the browser to log in again."""
    if error.code == "mfa_token_invalid":
        clear_pending_login(request)
        messages.error(request, EXPIRED_MESSAGE)
        return JsonResponse({"code": error.code, "detail": EXPIRED_MESSAGE, "redirect": reverse("login")}, status=401)
    return passkey_pages.error_response(error)


@never_cache
@require_POST
def passkey_options(request):
    """Return WebAuthn request options bound to this browser's pending login, as JSON."""
    pending = pending_login(request)
    if pending is None:
        return JsonResponse({"code": "mfa_token_invalid", "redirect": reverse("login")}, status=401)
    try:
        public_key = challenges.send_challenge(request, pending["mfa_token"], "passkey")
    except ApiError as error:
        return _passkey_json_error(request, error)
    return JsonResponse({"public_key": public_key})


@never_cache
@require_POST
def passkey_verify(request):
    """Check the passkey assertion for the pending login, then log the browser in."""
    pending = pending_login(request)
    if pending is None:
        return JsonResponse({"code": "mfa_token_invalid", "redirect": reverse("login")}, status=401)
    try:
        credential = passkey_pages.json_body(request)["credential"]
        session, _ = challenges.finish_challenge(request, pending["mfa_token"], "passkey", credential)
    except ApiError as error:
        return _passkey_json_error(request, error)

    clear_pending_login(request)
    start_page_session(request, session.user, session)
    return JsonResponse({"redirect": pending["next"]})
