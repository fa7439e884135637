"""Domains: add one, show the TXT record to publish, and verify it."""

from http import HTTPStatus

from django.contrib import messages
from django.shortcuts import redirect
from django.views.decorators.http import require_GET, require_POST

from accounts.pages.rendering import add_service_error
from plinto.api_errors import ApiError

from ...models import Domain
from ...roles import Permission
from ...services import domains
from ..access import console_page, render_console
from ..forms import DomainForm

TEMPLATE = "console/domains.html"


def _render(request, scope, *, form=None, error="", status=HTTPStatus.OK, headers=None):
    context = {"form": form or DomainForm(), "domains": scope.queryset(Domain), "error": error}
    return render_console(request, scope, TEMPLATE, context, status=status, headers=headers)


@require_GET
@console_page(Permission.DOMAINS_MANAGE)
def domain_list(request, scope):
    return _render(request, scope)


@require_POST
@console_page(Permission.DOMAINS_MANAGE)
def domain_add(request, scope):
    form = DomainForm(request.POST)
    if not form.is_valid():
        return _render(request, scope, form=form, status=HTTPStatus.BAD_REQUEST)
    try:
        domain = domains.add_domain(request, scope, form.cleaned_data["domain"])
    except ApiError as error:
        status, headers = add_service_error(form, error)
        return _render(request, scope, form=form, status=status, headers=headers)
    messages.success(request, f"{domain.domain} is added. Publish its TXT record, then verify it.")
    return redirect("console-domains", organization_id=scope.organization.pk)


@require_POST
@console_page(Permission.DOMAINS_MANAGE)
def domain_verify(request, scope, domain_id):
    try:
        domain = domains.verify_domain(request, scope, domain_id)
    except ApiError as error:
        if error.status_code == HTTPStatus.NOT_FOUND:
            raise
        return _render(request, scope, error=str(error.detail), status=error.status_code, headers=error.headers)
    messages.success(request, f"{domain.domain} is verified.")
    return redirect("console-domains", organization_id=scope.organization.pk)
