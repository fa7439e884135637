"""The organization's login policy and branding, saved through update_organization."""

from django.contrib import messages
from django.shortcuts import redirect
from django.views.decorators.http import require_http_methods

from accounts.pages.rendering import render_invalid, render_service_error
from plinto.api_errors import ApiError

from ...roles import Permission
from ...services import organizations
from ..access import console_page, render_console
from ..forms import SettingsForm

TEMPLATE = "console/settings.html"


def _initial(organization):
    initial = {name: getattr(organization, name) for name in SettingsForm.base_fields}
    initial["passkey_allowed_aaguids"] = "\n".join(organization.passkey_allowed_aaguids)
    return initial


@require_http_methods(["GET", "POST"])
@console_page(Permission.ORGANIZATION_MANAGE)
def organization_settings(request, scope):
    if request.method == "GET":
        form = SettingsForm(initial=_initial(scope.organization))
        return render_console(request, scope, TEMPLATE, {"form": form})

    form = SettingsForm(request.POST)
    context = {"scope": scope, "organization": scope.organization, "role": scope.membership.role, "form": form}
    if not form.is_valid():
        return render_invalid(request, TEMPLATE, context)
    try:
        organizations.update_organization(request, scope, form.cleaned_data)
    except ApiError as error:
        return render_service_error(request, TEMPLATE, context, form, error)
    messages.success(request, "The settings are saved.")
    return redirect("console-settings", organization_id=scope.organization.pk)
