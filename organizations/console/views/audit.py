"""The audit log with filters and keyset pages, and audit exports with their signed links."""

from http import HTTPStatus
from urllib.parse import urlencode

from django.contrib import messages
from django.shortcuts import redirect
from django.views.decorators.http import require_GET, require_POST

from accounts.pages.rendering import add_service_error
from plinto.api_errors import ApiError

from ...models import AuditExport
from ...roles import Permission
from ...services import audit_log
from ..access import console_page, render_console
from ..forms import AuditFilterForm, ExportForm

PAGE_SIZE = 50


@require_GET
@console_page(Permission.AUDIT_READ)
def audit_events(request, scope):
    """List events newest first, PAGE_SIZE at a time.

    The cursor is the `before` query parameter: the id of the last event shown. Event ids grow
    with insertion, so a page stays stable while new events arrive.
    """
    form = AuditFilterForm(request.GET)
    if not form.is_valid():
        context = {"form": form, "events": [], "next_url": ""}
        return render_console(request, scope, "console/audit.html", context, status=HTTPStatus.BAD_REQUEST)

    events = audit_log.filter_events(scope.organization.pk, form.filters()).order_by("-id")
    if form.cleaned_data.get("before"):
        events = events.filter(id__lt=form.cleaned_data["before"])
    page = list(events[: PAGE_SIZE + 1])
    next_url = ""
    if len(page) > PAGE_SIZE:
        page = page[:PAGE_SIZE]
        query = {name: value for name, value in request.GET.items() if name != "before" and value}
        next_url = "?" + urlencode({**query, "before": page[-1].pk})
    first_url = "?" + urlencode({name: value for name, value in request.GET.items() if name != "before" and value})
    context = {"form": form, "events": page, "next_url": next_url, "first_url": first_url}
    return render_console(request, scope, "console/audit.html", context)


def _render_exports(request, scope, *, form=None, status=HTTPStatus.OK, headers=None):
    exports = list(scope.queryset(AuditExport).order_by("-created_at", "id")[:100])
    rows = [{"export": export, "link": audit_log.download_link(export)} for export in exports]
    context = {"form": form or ExportForm(), "filter_form": AuditFilterForm(), "rows": rows}
    return render_console(request, scope, "console/exports.html", context, status=status, headers=headers)


@require_GET
@console_page(Permission.AUDIT_EXPORT)
def export_list(request, scope):
    return _render_exports(request, scope)


@require_POST
@console_page(Permission.AUDIT_EXPORT)
def export_create(request, scope):
    form = ExportForm(request.POST)
    filters = AuditFilterForm(request.POST)
    if not form.is_valid() or not filters.is_valid():
        for name, errors in filters.errors.items():
            for error in errors:
                form.add_error(None, f"{filters.fields[name].label if name in filters.fields else name}: {error}")
        return _render_exports(request, scope, form=form, status=HTTPStatus.BAD_REQUEST)
    try:
        audit_log.request_export(request, scope, fmt=form.cleaned_data["format"], filters=filters.filters())
    except ApiError as error:
        status, headers = add_service_error(form, error)
        return _render_exports(request, scope, form=form, status=status, headers=headers)
    messages.success(request, "The export is started. Reload this page to see when it is done.")
    return redirect("console-exports", organization_id=scope.organization.pk)
