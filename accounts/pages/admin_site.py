"""The /admin/ site, logged in through the hosted login so that it requires the same factors.

Django's own admin login form checks only a password. Here it redirects to /login, which runs
the login pipeline (and so the second-factor challenge), and the admin accepts only a browser
whose hosted login created a live Plinto session.
"""

from django.contrib.admin import AdminSite
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.contrib.auth.views import redirect_to_login
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.views.decorators.cache import never_cache

from .rendering import render_page
from .views.login import safe_next_url


class PlintoAdminSite(AdminSite):
    def has_permission(self, request):
        # A Django login made any other way, such as by an older admin form, carries no Plinto
        # session and is turned away.
        return getattr(request, "plinto_session", None) is not None and super().has_permission(request)

    @method_decorator(never_cache)
    def login(self, request, extra_context=None):
        """Redirect to the hosted login, or explain that a logged-in account is not staff.

        Without the second branch a non-staff account would loop between /login and the admin.
        """
        next_url = request.GET.get(REDIRECT_FIELD_NAME) or reverse("admin:index", current_app=self.name)
        if getattr(request, "plinto_session", None) is not None:
            if self.has_permission(request):
                return redirect(safe_next_url(request, next_url))
            return render_page(request, "accounts/admin_denied.html", {}, status=403)
        return redirect_to_login(next_url)

    def logout(self, request, extra_context=None):
        # The hosted logout also revokes the Plinto session, which Django's logout leaves live.
        return redirect("logout")

    def password_change(self, request, extra_context=None):
        # The account page changes the password through the service that checks the password
        # policy and ends the other sessions. Django's admin form would skip both.
        return redirect("account")
