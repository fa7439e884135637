"""API keys: create one (its key is shown on the response page only) and revoke one."""

from http import HTTPStatus

from django.contrib import messages
from django.shortcuts import redirect
from django.views.decorators.http import require_GET, require_POST

from accounts.pages.rendering import add_service_error
from plinto.api_errors import ApiError

from ...models import ApiKey
from ...roles import Permission
from ...services import api_keys
from ..access import console_page, render_console
from ..forms import ApiKeyForm

TEMPLATE = "console/api_keys.html"


def _render(request, scope, *, form=None, created=None, error="", status=HTTPStatus.OK, headers=None):
    context = {
        "form": form or ApiKeyForm(),
        "keys": scope.queryset(ApiKey).order_by("-created_at", "id"),
        "created": created,
        "error": error,
    }
    return render_console(request, scope, TEMPLATE, context, status=status, headers=headers)


@require_GET
@console_page(Permission.API_KEYS_MANAGE)
def api_key_list(request, scope):
    return _render(request, scope)


@require_POST
@console_page(Permission.API_KEYS_MANAGE)
def api_key_create(request, scope):
    form = ApiKeyForm(request.POST)
    if not form.is_valid():
        return _render(request, scope, form=form, status=HTTPStatus.BAD_REQUEST)
    try:
        key, plaintext = api_keys.create_api_key(request, scope, **form.cleaned_data)
    except ApiError as error:
        status, headers = add_service_error(form, error)
        return _render(request, scope, form=form, status=status, headers=headers)
    # Rendered, not redirected: the plaintext exists only in this response, which is not cached.
    return _render(request, scope, created={"key": key, "plaintext": plaintext}, status=HTTPStatus.CREATED)


@require_POST
@console_page(Permission.API_KEYS_MANAGE)
def api_key_revoke(request, scope, key_id):
    try:
        api_keys.revoke_api_key(request, scope, key_id)
    except ApiError as error:
        if error.status_code == HTTPStatus.NOT_FOUND:
            raise
        return _render(request, scope, error=str(error.detail), status=error.status_code)
    messages.success(request, "The API key is revoked; requests with it now fail.")
    return redirect("console-api-keys", organization_id=scope.organization.pk)
