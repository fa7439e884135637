"""Hosted passkey endpoints for the main pages: passwordless login and the account's passkeys.

static/passkeys/passkeys.js calls the JSON endpoints here with the browser's session cookie and
its CSRF token, so no API token ever reaches the page. Renaming and removing are plain forms.
"""

import json

from django.contrib import messages
from django.http import JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST
from rest_framework import status

from plinto.api_errors import ApiError

from ..pages.session import plinto_login_required, start_page_session, store_pending_login
from ..pages.stepup import needs_reauthentication, redirect_to_reauthentication
from ..pages.views.login import safe_next_url
from . import services
from .api.serializers import MAX_CREDENTIAL_CHARS

SECURITY_PAGE = "account-security"


def error_response(error, **extra):
    body = {"code": error.code, "detail": str(error.detail), **extra}
    response = JsonResponse(body, status=error.status_code)
    for name, value in error.headers.items():
        response[name] = value
    return response


def json_body(request):
    """Return the request's JSON object, or raise 400 naming what to send."""
    if len(request.body) > MAX_CREDENTIAL_CHARS:
        raise ApiError(status.HTTP_400_BAD_REQUEST, "invalid_request", "The request body is too large.")
    try:
        body = json.loads(request.body or b"{}")
    except ValueError as exc:
        raise ApiError(status.HTTP_400_BAD_REQUEST, "invalid_request", "Send the request body as JSON.") from exc
    if not isinstance(body, dict) or not isinstance(body.get("credential"), dict):
        raise ApiError(
            status.HTTP_400_BAD_REQUEST,
            "invalid_credential",
            "Send `credential` as a JSON object, the output of the credential's toJSON().",
            field="credential",
        )
    return body


@never_cache
@require_POST
def login_finish(request):
    """Finish a passwordless login from the main login page and start the page session."""
    try:
        body = json_body(request)
        session, result = services.sign_in_passwordless(request, body["credential"])
    except ApiError as error:
        return error_response(error)

    next_url = safe_next_url(request, body.get("next") if isinstance(body.get("next"), str) else None)
    if session is None:
        if result.get("mfa_required"):
            store_pending_login(request, result["mfa_token"], next_url)
            return JsonResponse({"redirect": reverse("login-mfa")})
        return error_response(
            ApiError(status.HTTP_403_FORBIDDEN, "login_pending", "This login needs another step; use the API client.")
        )
    start_page_session(request, session.user, session)
    return JsonResponse({"redirect": next_url})


def _step_up_error(error):
    # The script sends the browser to re-authenticate, which returns to the security page.
    reauthenticate = f"{reverse('account-reauthenticate')}?next={reverse(SECURITY_PAGE)}"
    return error_response(error, redirect=reauthenticate)


@never_cache
@plinto_login_required
@require_POST
def register_options(request):
    try:
        public_key = services.begin_registration(request, request.user, request.plinto_session)
    except ApiError as error:
        return _step_up_error(error) if needs_reauthentication(error) else error_response(error)
    return JsonResponse({"public_key": public_key})


@never_cache
@plinto_login_required
@require_POST
def register_finish(request):
    try:
        body = json_body(request)
        name = body.get("name") if isinstance(body.get("name"), str) else ""
        services.finish_registration(request, request.user, request.plinto_session, body["credential"], name[:64])
    except ApiError as error:
        return _step_up_error(error) if needs_reauthentication(error) else error_response(error)
    messages.success(request, "The passkey was added.")
    return JsonResponse({"redirect": reverse(SECURITY_PAGE)})


@never_cache
@plinto_login_required
@require_POST
def rename(request, passkey_id):
    name = request.POST.get("name", "").strip()
    if not name or len(name) > 64:
        messages.error(request, "A passkey name needs 1 to 64 characters.")
        return redirect(SECURITY_PAGE)
    try:
        services.rename_passkey(request, services.find_passkey(request.user, passkey_id), name)
    except ApiError as error:
        messages.error(request, str(error.detail))
        return redirect(SECURITY_PAGE)
    messages.success(request, "The passkey was renamed.")
    return redirect(SECURITY_PAGE)


@never_cache
@plinto_login_required
@require_POST
def remove(request, passkey_id):
    try:
        services.remove_passkey(request, services.find_passkey(request.user, passkey_id))
    except ApiError as error:
        if needs_reauthentication(error):
            return redirect_to_reauthentication(reverse(SECURITY_PAGE))
        messages.error(request, str(error.detail))
        return redirect(SECURITY_PAGE)
    messages.success(request, "The passkey was removed.")
    return redirect(SECURITY_PAGE)


# The earlier stand-alone pages kept API tokens in sessionStorage; their work moved to the main
# login page and the security page, which use the page session.
@require_GET
def old_login_page(request):
    return redirect("login")


@require_GET
def old_manage_page(request):
    return redirect(SECURITY_PAGE)
