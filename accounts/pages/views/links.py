"""The GET side of pages opened from a link in an email."""

from ..forms import TokenForm
from ..rendering import render_page


def link_page(request, template, form_class, *, new_link_url):
    """Render the page a link opens, with the link's token in a hidden field.

    Nothing is consumed here: mail scanners fetch links, so a token is spent only by the POST
    that the page's button sends. A link without a usable token gets a page that explains how to
    request a new one.
    """
    token = request.GET.get("token", "")
    if not TokenForm(data={"token": token}).is_valid():
        response = render_page(request, "accounts/link_invalid.html", {"new_link_url": new_link_url}, status=400)
    else:
        response = render_page(request, template, {"form": form_class(initial={"token": token})})
    # The token is in this page's URL, so no link followed from it may carry it on as a Referer.
    response["Referrer-Policy"] = "no-referrer"
    return response
