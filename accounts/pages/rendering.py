"""Rendering a page form again with the errors its input or a service produced.

The status of such a page follows one rule: 400 when the form rejects the input, and the
service's own status for an ApiError (403, 404, 409, 429, 503 and so on), with its headers such
as Retry-After. The exception is 401: HTTP requires a 401 to carry a WWW-Authenticate challenge,
which an HTML form cannot offer, so failed credentials render with 200.
"""

from http import HTTPStatus

from django.core.exceptions import ValidationError
from django.shortcuts import render


def add_service_error(form, error):
    """Attach an ApiError to `form` and return the (status, headers) the page is sent with.

    The error goes to the field it names when the form shows that field. An error on a hidden
    field, such as a link's token, or on no field becomes an error of the whole form.
    """
    field = error.field if error.field in form.fields else None
    if field is not None and form.fields[field].widget.is_hidden:
        field = None
    form.add_error(field, ValidationError(str(error.detail), code=error.code))

    page_status = error.status_code
    if page_status == HTTPStatus.UNAUTHORIZED:
        page_status = HTTPStatus.OK
    return page_status, error.headers


def render_page(request, template, context, *, status=200, headers=None):
    response = render(request, template, context, status=status)
    for name, value in (headers or {}).items():
        response[name] = value
    return response


def render_invalid(request, template, context):
    """Render a form that failed its own validation."""
    return render_page(request, template, context, status=400)


def render_service_error(request, template, context, form, error):
    """Render `form` again with the ApiError `error` attached."""
    page_status, headers = add_service_error(form, error)
    return render_page(request, template, context, status=page_status, headers=headers)
