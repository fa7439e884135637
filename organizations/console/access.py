"""Who may open a console page, and how the organization of its URL is resolved.

Every page needs a live Plinto session (a hosted login, second factor included), exactly like
/admin/. The organization comes only from the scoping helper and the user's membership, so an
organization the user does not belong to, and any object id of another organization, returns
the same 404 as a missing one.
"""

from functools import wraps
from http import HTTPStatus

from django.http import Http404
from django.views.decorators.cache import never_cache

from accounts.pages.rendering import render_page
from accounts.pages.session import plinto_login_required
from plinto.api_errors import ApiError

from ..roles import Permission
from ..scoping import resolve_membership_scope

# The permission that opens the console at all. Owners and admins hold it and members do not.
CONSOLE_PERMISSION = Permission.ORGANIZATION_MANAGE


def render_console(request, scope, template, context, *, status=HTTPStatus.OK, headers=None):
    """Render a page of the scope's organization, with the organization and role in its context."""
    context = {"scope": scope, "organization": scope.organization, "role": scope.membership.role, **context}
    return render_page(request, template, context, status=status, headers=headers)


def render_not_found(request):
    return render_page(request, "console/not_found.html", {}, status=HTTPStatus.NOT_FOUND)


def render_denied(request, scope=None):
    return render_page(request, "console/denied.html", {"scope": scope}, status=HTTPStatus.FORBIDDEN)


def console_page(permission):
    """Decorate a view of `/console/<organization_id>/...` that needs `permission`.

    The view is called as `view(request, scope, **kwargs)`. A 404 raised inside it, by the
    scoping helper or by a service looking up another organization's object, becomes the
    console's 404 page.
    """

    def decorate(view):
        @wraps(view)
        def wrapper(request, organization_id, **kwargs):
            try:
                scope = resolve_membership_scope(request, organization_id)
                if CONSOLE_PERMISSION not in scope.permissions or permission not in scope.permissions:
                    return render_denied(request, scope)
                return view(request, scope, **kwargs)
            except Http404:
                return render_not_found(request)
            except ApiError as error:
                if error.status_code == HTTPStatus.NOT_FOUND:
                    return render_not_found(request)
                # A service rejection the view does not show next to a form of its own.
                return render_page(
                    request,
                    "console/error.html",
                    {"message": str(error.detail)},
                    status=error.status_code,
                    headers=error.headers,
                )

        return never_cache(plinto_login_required(wrapper))

    return decorate
