"""The hosted login page of an organization, with its branding.

The page logs in through the same path as the API (password check, then the login pipeline
with the organization named), so the organization's policy and MFA checks apply here too.
"""

from urllib.parse import urlsplit

from django.conf import settings
from django.db import transaction
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_GET, require_http_methods

from accounts.login_pipeline import complete_login
from accounts.pages.session import start_page_session, store_pending_login
from accounts.pages.views.login import safe_next_url
from accounts.services.login import authenticate_password, record_refused_login
from plinto.api_errors import ApiError

from ..models import Organization


def _active_organization(slug):
    organization = Organization.objects.filter(slug=slug, status=Organization.Status.ACTIVE).first()
    if organization is None:
        raise Http404("No such organization.")
    return organization


def _content_security_policy(organization):
    """Return the site policy, widened to load this organization's logo from its own origin."""
    policy = settings.CONTENT_SECURITY_POLICY
    if organization.logo_url:
        parts = urlsplit(organization.logo_url)
        policy = policy.replace("img-src 'self' data:", f"img-src 'self' data: https://{parts.netloc}")
    return policy


@sensitive_post_parameters("password")
@never_cache
@csrf_protect
@require_http_methods(["GET", "POST"])
def organization_login(request, slug):
    organization = _active_organization(slug)
    requested_next = request.POST.get("next") if request.method == "POST" else request.GET.get("next")
    next_url = safe_next_url(request, requested_next)
    context = {
        "organization": organization,
        "email": "",
        "error": None,
        "pending": None,
        # The form carries `next` on only when it is safe.
        "next": requested_next if requested_next and next_url == requested_next else "",
    }
    status = 200

    if request.method == "POST":
        email = request.POST.get("email", "")[:254]
        password = request.POST.get("password", "")[:1024]
        context["email"] = email
        user = None
        try:
            user = authenticate_password(request, email, password)
            with transaction.atomic():
                session, pending = complete_login(
                    request, user, amr=["pwd"], context={"organization": organization.slug}
                )
        except ApiError as exc:
            if user is not None:
                record_refused_login(request, user, exc)
            context["error"] = str(exc.detail)
            status = exc.status_code
        else:
            if session is None:
                if pending.get("mfa_required"):
                    # The second-factor pages of accounts.mfa finish this login, as for /login.
                    store_pending_login(request, pending["mfa_token"], next_url)
                    return redirect("login-mfa")
                # A completion check that is not a second factor has no page to finish it on.
                context["pending"] = pending
                status = 401
            else:
                start_page_session(request, user, session)
                return redirect(next_url)

    response = render(request, "organizations/login.html", context, status=status)
    response["Content-Security-Policy"] = _content_security_policy(organization)
    return response


@require_GET
def organization_brand_css(request, slug):
    """Serve the organization's primary colour as a stylesheet, so the page needs no inline style."""
    organization = _active_organization(slug)
    # The model validates the colour as #rrggbb, so it cannot break out of the declaration.
    colour = organization.primary_colour or "#1f2937"
    response = HttpResponse(f":root {{ --brand-colour: {colour}; }}\n", content_type="text/css")
    response["Cache-Control"] = "public, max-age=300"
    return response
