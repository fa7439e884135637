"""The Prometheus endpoint, open or behind METRICS_TOKEN.

Each gunicorn process counts its own requests. To see the sum over processes, start them with
PROMETHEUS_MULTIPROC_DIR set to an empty folder they share: django-prometheus then merges the counts
that every process wrote there.
"""

import hmac

from django.conf import settings
from django.http import HttpResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe
from django_prometheus.exports import ExportToDjangoView


def _bearer_token(request):
    """Return the token of an `Authorization: Bearer <token>` header, or an empty string."""
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer":
        return ""
    return token.strip()


@never_cache
@require_safe
def metrics(request):
    expected = settings.METRICS_TOKEN
    if expected and not hmac.compare_digest(_bearer_token(request).encode(), expected.encode()):
        response = HttpResponse(
            "Missing or invalid token: send `Authorization: Bearer <METRICS_TOKEN>`.\n",
            status=401,
            content_type="text/plain",
        )
        response["WWW-Authenticate"] = 'Bearer realm="metrics"'
        return response
    return ExportToDjangoView(request)
