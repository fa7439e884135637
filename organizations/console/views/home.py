"""The console's start page: the organizations the user runs as owner or admin."""

from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from accounts.pages.rendering import render_page
from accounts.pages.session import plinto_login_required

from ...roles import permissions_of
from ...services.organizations import organizations_of
from ..access import CONSOLE_PERMISSION, render_denied


@never_cache
@plinto_login_required
@require_GET
def console_home(request):
    memberships = [
        membership
        for membership in organizations_of(request.user)
        if membership.organization.is_active and CONSOLE_PERMISSION in permissions_of(membership.role)
    ]
    if not memberships:
        # Members only, or no organization at all: nothing here is theirs to run.
        return render_denied(request)
    return render_page(request, "console/home.html", {"memberships": memberships})
