"""The account page: profile, password, email address and sessions of the logged-in user.

Each form posts to its own URL and, on success, redirects back to /account with a message. A
rejected form renders the account page again with that form's errors.
"""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.shortcuts import redirect
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_GET, require_POST

from plinto.api_errors import ApiError

from ...services import passwords, profile, sessions
from ...services.sessions import RevokeReason
from ..forms import EmailChangeForm, PasswordChangeForm, ProfileForm
from ..rendering import render_invalid, render_page, render_service_error
from ..session import end_page_session, plinto_login_required
from ..stepup import needs_reauthentication, redirect_to_reauthentication

ACCOUNT_TEMPLATE = "accounts/account.html"


def _account_context(request, **overrides):
    user = request.user
    context = {
        "profile_form": ProfileForm(initial={"display_name": user.display_name}),
        "password_form": PasswordChangeForm(),
        "email_form": EmailChangeForm(),
        "sessions": user.auth_sessions.active(),
        "current_session_id": request.plinto_session.pk,
        "session_error": "",
    }
    context.update(overrides)
    return context


@never_cache
@plinto_login_required
@require_GET
def account_page(request):
    return render_page(request, ACCOUNT_TEMPLATE, _account_context(request))


@never_cache
@plinto_login_required
@require_POST
def profile_update(request):
    form = ProfileForm(request.POST)
    if not form.is_valid():
        return render_invalid(request, ACCOUNT_TEMPLATE, _account_context(request, profile_form=form))

    profile.update_profile(request, request.user, display_name=form.cleaned_data["display_name"])
    messages.success(request, "Your display name is saved.")
    return redirect("account")


@sensitive_post_parameters("current_password", "new_password")
@never_cache
@plinto_login_required
@require_POST
def password_change(request):
    form = PasswordChangeForm(request.POST)
    context = _account_context(request, password_form=form)
    if not form.is_valid():
        return render_invalid(request, ACCOUNT_TEMPLATE, context)

    try:
        passwords.change_password(
            request,
            request.user,
            current_password=form.cleaned_data["current_password"],
            new_password=form.cleaned_data["new_password"],
            session_id=request.plinto_session.pk,
        )
    except ApiError as error:
        if needs_reauthentication(error):
            return redirect_to_reauthentication(reverse("account"))
        return render_service_error(request, ACCOUNT_TEMPLATE, context, form, error)

    # The service keeps this Plinto session. Django binds its login to the password hash, so
    # without this update the next request would log this browser out.
    update_session_auth_hash(request, request.user)
    messages.success(request, "Your password is changed, and your other sessions are logged out.")
    return redirect("account")


@sensitive_post_parameters("current_password")
@never_cache
@plinto_login_required
@require_POST
def email_change(request):
    form = EmailChangeForm(request.POST)
    context = _account_context(request, email_form=form)
    if not form.is_valid():
        return render_invalid(request, ACCOUNT_TEMPLATE, context)

    new_email = form.cleaned_data["email"]
    try:
        profile.request_email_change(
            request, request.user, new_email=new_email, current_password=form.cleaned_data["current_password"]
        )
    except ApiError as error:
        if needs_reauthentication(error):
            return redirect_to_reauthentication(reverse("account"))
        return render_service_error(request, ACCOUNT_TEMPLATE, context, form, error)

    messages.success(
        request, f"A confirmation link is on its way to {new_email}. Your address changes once you open it."
    )
    return redirect("account")


@never_cache
@plinto_login_required
@require_POST
def session_end(request, session_id):
    try:
        session = sessions.find_user_session(request.user, session_id)
    except ApiError as error:
        context = _account_context(request, session_error=str(error.detail))
        return render_page(request, ACCOUNT_TEMPLATE, context, status=error.status_code)

    if session.pk == request.plinto_session.pk:
        end_page_session(request, reason=RevokeReason.USER_REQUEST)
        messages.success(request, "You ended this session and are logged out.")
        return redirect(settings.LOGIN_URL)

    sessions.revoke_session(session, reason=RevokeReason.USER_REQUEST, request=request)
    messages.success(request, "The session is ended.")
    return redirect("account")
