"""The re-authentication page: confirm the password or a code before a sensitive change."""

from django.contrib import messages
from django.shortcuts import redirect
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods

from accounts.pages.rendering import add_service_error, render_page
from accounts.pages.session import plinto_login_required
from accounts.pages.views.login import safe_next_url
from plinto.api_errors import ApiError

from ... import services
from ..forms import CodeForm, PasswordConfirmForm

TEMPLATE = "mfa/reauthenticate.html"


def _context(request, next_url, *, password_form=None, code_form=None):
    code_forms = []
    for method in services.reauthentication_methods(request.user):
        if code_form is not None and code_form.method_name == method:
            code_forms.append(code_form)
        else:
            code_forms.append(CodeForm(method=method))
    return {
        "next": next_url,
        "password_form": password_form or PasswordConfirmForm(),
        "code_forms": code_forms,
        "error_form": password_form if password_form is not None else code_form,
    }


@sensitive_post_parameters("password", "code")
@never_cache
@plinto_login_required
@require_http_methods(["GET", "POST"])
def reauthenticate_page(request):
    """Refresh the page session's auth_time with the password, an authenticator app or a backup code.

    Works through the same service as POST /api/v1/auth/reauthenticate, then returns to `next`.
    """
    requested_next = request.POST.get("next") if request.method == "POST" else request.GET.get("next")
    next_url = safe_next_url(request, requested_next)
    if request.method == "GET":
        return render_page(request, TEMPLATE, _context(request, next_url))

    # A code form names its method in a hidden field, and the password form names none.
    method = request.POST.get("method", "")
    if method:
        form = CodeForm(request.POST, method=method)
        context_forms = {"code_form": form}
    else:
        form = PasswordConfirmForm(request.POST)
        context_forms = {"password_form": form}
    if not form.is_valid():
        return render_page(request, TEMPLATE, _context(request, next_url, **context_forms), status=400)

    if method:
        credentials = {"method": method, "code": form.cleaned_data["code"]}
    else:
        credentials = {"password": form.cleaned_data["password"]}

    try:
        services.refresh_authentication(request, request.user, request.plinto_session, **credentials)
    except ApiError as error:
        page_status, headers = add_service_error(form, error)
        return render_page(
            request, TEMPLATE, _context(request, next_url, **context_forms), status=page_status, headers=headers
        )

    messages.success(request, "Thank you. You can make the change now.")
    return redirect(next_url)
