from django.http import JsonResponse
from django.urls import include, path


def bare(request):
    """A JSON view doing no work: what Django and gunicorn cost on their own."""
    return JsonResponse({"status": "ok"})


urlpatterns = [path("bench/bare", bare), path("", include("plinto.urls"))]
