"""Members and their roles. The membership service enforces the owner rules and the last owner."""

from http import HTTPStatus

from django.contrib import messages
from django.shortcuts import redirect
from django.views.decorators.http import require_GET, require_POST

from plinto.api_errors import ApiError

from ...models import Membership
from ...roles import Permission
from ...services import memberships
from ..access import console_page, render_console
from ..forms import RoleForm

TEMPLATE = "console/members.html"


def _render(request, scope, *, error="", status=HTTPStatus.OK):
    rows = scope.queryset(Membership).select_related("user").order_by("created_at", "id")
    members = [
        {"membership": row, "form": RoleForm(initial={"role": row.role}, auto_id=f"id_{row.pk}_%s")} for row in rows
    ]
    return render_console(request, scope, TEMPLATE, {"members": members, "error": error}, status=status)


@require_GET
@console_page(Permission.MEMBERS_MANAGE)
def member_list(request, scope):
    return _render(request, scope)


@require_POST
@console_page(Permission.MEMBERS_MANAGE)
def member_role(request, scope, membership_id):
    form = RoleForm(request.POST)
    if not form.is_valid():
        return _render(
            request, scope, error="Choose one of the roles owner, admin or member.", status=HTTPStatus.BAD_REQUEST
        )
    try:
        membership = memberships.change_role(request, scope, membership_id, form.cleaned_data["role"])
    except ApiError as error:
        if error.status_code == HTTPStatus.NOT_FOUND:
            raise
        return _render(request, scope, error=str(error.detail), status=error.status_code)
    messages.success(request, f"{membership.user.email} is now {membership.role}.")
    return redirect("console-members", organization_id=scope.organization.pk)


@require_POST
@console_page(Permission.MEMBERS_MANAGE)
def member_remove(request, scope, membership_id):
    try:
        memberships.remove_member(request, scope, membership_id)
    except ApiError as error:
        if error.status_code == HTTPStatus.NOT_FOUND:
            raise
        return _render(request, scope, error=str(error.detail), status=error.status_code)
    messages.success(request, "The member is removed, and their sessions in this organization are ended.")
    return redirect("console-members", organization_id=scope.organization.pk)
