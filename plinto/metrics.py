"""The Prometheus endpoint, open or behind METRICS_TOKEN."""

import hmac

from django.conf import settings
from django.http import HttpResponse
from django_prometheus.exports import ExportToDjangoView


def metrics(request):
    token = settings.METRICS_TOKEN
    if token:
        presented = request.headers.get("Authorization", "")
        if not hmac.compare_digest(presented.encode(), f"Bearer {token}".encode()):
            response = HttpResponse(
                "Metrics need `Authorization: Bearer <METRICS_TOKEN>`.\n", status=401, content_type="text/plain"
            )
            response["WWW-Authenticate"] = 'Bearer realm="metrics"'
            return response
    return ExportToDjangoView(request)
