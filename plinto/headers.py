"""Security headers that Django's SecurityMiddleware does not set."""

from django.conf import settings

# Swagger UI runs an inline bootstrap script, so its page gets a policy that allows it.
_DOCS_PATH = "/api/v1/docs"


class SecurityHeadersMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        self.policy = settings.CONTENT_SECURITY_POLICY

    def __call__(self, request):
        response = self.get_response(request)
        if request.path.startswith(_DOCS_PATH):
            response.setdefault(
                "Content-Security-Policy",
                self.policy.replace("script-src 'self'", "script-src 'self' 'unsafe-inline'").replace(
                    "style-src 'self'", "style-src 'self' 'unsafe-inline'"
                ),
            )
        else:
            response.setdefault("Content-Security-Policy", self.policy)
        response.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
        return response
