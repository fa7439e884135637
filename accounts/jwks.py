"""The public JSON Web Key Set (RFC 7517) that clients verify access and ID tokens against."""

import json

from django.http import HttpResponse
from django.views.decorators.http import require_safe

from .tokens.keys import get_key_set

# The rendered JSON of the last published set, keyed by its kids: every request otherwise
# serialised the same keys again.
_rendered = {"kids": None, "body": b""}


@require_safe
def jwks(request):
    document = get_key_set().jwks()
    kids = tuple(key["kid"] for key in document["keys"])
    if _rendered["kids"] != kids:
        _rendered["body"] = json.dumps(document).encode()
        _rendered["kids"] = kids
    response = HttpResponse(_rendered["body"], content_type="application/json")
    # Clients may cache the set for five minutes; JWKS clients fetch it again when a token names a
    # `kid` they do not have, which is what happens right after a rotation.
    response["Cache-Control"] = "public, max-age=300"
    return response
