"""The public JSON Web Key Set (RFC 7517) that clients verify access and ID tokens against."""

from django.http import JsonResponse
from django.views.decorators.http import require_safe

from .tokens.keys import get_key_set


@require_safe
def jwks(request):
    response = JsonResponse(get_key_set().jwks())
    # Clients may cache the set for five minutes; JWKS clients fetch it again when a token names a
    # `kid` they do not have, which is what happens right after a rotation.
    response["Cache-Control"] = "public, max-age=300"
    return response
