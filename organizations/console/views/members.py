"""Members and their roles. The membership service enforces the owner rules and the last owner."""

from http import HTTPStatus

from django.contrib import messages
from django.shortcuts import redirect
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from plinto.api_errors import ApiError

from ...models import Membership
from ...roles import Permission, Role
from ...services import member_factors, memberships
from ..access import console_page, render_console
from ..forms import RoleForm

TEMPLATE = "console/members.html"
RESET_MFA_TEMPLATE = "console/member_reset_mfa.html"


def _render(request, scope, *, error="", status=HTTPStatus.OK):
    rows = scope.queryset(Membership).select_related("user").order_by("created_at", "id")
    members = [
        {
            "membership": row,
            "form": RoleForm(initial={"role": row.role}, auto_id=f"id_{row.pk}_%s"),
            "can_reset_mfa": _can_reset_mfa(scope, row),
        }
        for row in rows
    ]
    return render_console(request, scope, TEMPLATE, {"members": members, "error": error}, status=status)


def _can_reset_mfa(scope, membership):
    """Mirror the service's rules, only to hide a link that would lead to a 403."""
    if Permission.MEMBERS_RESET_MFA not in scope.permissions or membership.user_id == scope.membership.user_id:
        return False
    return membership.role != Role.OWNER or Permission.OWNERS_MANAGE in scope.permissions


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


@require_http_methods(["GET", "POST"])
@console_page(Permission.MEMBERS_RESET_MFA)
def member_reset_mfa(request, scope, membership_id):
    """Show what removing the member's two-factor methods does, and do it on POST."""
    if request.method == "GET":
        membership = member_factors.find_resettable_member(scope, membership_id)
        return render_console(request, scope, RESET_MFA_TEMPLATE, {"membership": membership})

    removed = member_factors.reset_member_factors(request, scope, membership_id)
    if removed:
        messages.success(request, "The member's two-factor methods are removed, and all of their sessions are ended.")
    else:
        messages.success(request, "The member had no two-factor method; all of their sessions are ended.")
    return redirect("console-members", organization_id=scope.organization.pk)
