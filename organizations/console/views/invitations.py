"""Invitations: invite an address with a role, and revoke a pending invitation."""

from http import HTTPStatus

from django.contrib import messages
from django.shortcuts import redirect
from django.views.decorators.http import require_GET, require_POST

from accounts.pages.rendering import add_service_error
from plinto.api_errors import ApiError

from ...models import Invitation
from ...roles import Permission
from ...services import invitations
from ..access import console_page, render_console
from ..forms import InvitationForm

TEMPLATE = "console/invitations.html"


def _render(request, scope, *, form=None, error="", status=HTTPStatus.OK, headers=None):
    context = {
        "form": form or InvitationForm(),
        "invitations": scope.queryset(Invitation).order_by("-created_at", "id"),
        "error": error,
    }
    return render_console(request, scope, TEMPLATE, context, status=status, headers=headers)


@require_GET
@console_page(Permission.INVITATIONS_MANAGE)
def invitation_list(request, scope):
    return _render(request, scope)


@require_POST
@console_page(Permission.INVITATIONS_MANAGE)
def invitation_create(request, scope):
    form = InvitationForm(request.POST)
    if not form.is_valid():
        return _render(request, scope, form=form, status=HTTPStatus.BAD_REQUEST)
    try:
        invitation = invitations.create_invitation(
            request, scope, email=form.cleaned_data["email"], role=form.cleaned_data["role"]
        )
    except ApiError as error:
        status, headers = add_service_error(form, error)
        return _render(request, scope, form=form, status=status, headers=headers)
    messages.success(request, f"An invitation is on its way to {invitation.email}.")
    return redirect("console-invitations", organization_id=scope.organization.pk)


@require_POST
@console_page(Permission.INVITATIONS_MANAGE)
def invitation_revoke(request, scope, invitation_id):
    try:
        invitations.revoke_invitation(request, scope, invitation_id)
    except ApiError as error:
        if error.status_code == HTTPStatus.NOT_FOUND:
            raise
        return _render(request, scope, error=str(error.detail), status=error.status_code)
    messages.success(request, "The invitation is revoked; its link no longer works.")
    return redirect("console-invitations", organization_id=scope.organization.pk)
