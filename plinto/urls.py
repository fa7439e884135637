from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from accounts.jwks import jwks

from . import health, metrics

handler400 = "plinto.api_errors.json_bad_request"
handler404 = "plinto.api_errors.json_not_found"
handler500 = "plinto.api_errors.json_server_error"

urlpatterns = [
    path("health", health.health, name="health"),
    path("ready", health.ready, name="ready"),
    path("metrics", metrics.metrics, name="metrics"),
    path(".well-known/jwks.json", jwks, name="jwks"),
    path("api/v1/schema", SpectacularAPIView.as_view(), name="schema"),
    path("api/v1/docs", SpectacularSwaggerView.as_view(url_name="schema"), name="swagger-ui"),
    path("api/v1/", include("accounts.api.urls")),
    path("api/v1/", include("organizations.api.urls")),
    path("admin/", admin.site.urls),
    path("console/", include("organizations.console.urls")),
    path("", include("accounts.passkeys.urls_pages")),
    path("", include("accounts.pages.urls")),
    path("", include("accounts.mfa.pages.urls")),
    path("", include("organizations.pages.urls")),
]
