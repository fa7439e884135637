"""Extension points for higher apps (organizations, sso), which register from AppConfig.ready().

accounts never imports those apps: it calls whatever registered here, in registration order.
"""

_email_verified_hooks = []
_access_checks = []


def register_email_verified_hook(hook):
    """Register `hook(request, user)`, called inside the transaction that first verifies an address.

    The address is proven at this point, which makes it the moment to act on its domain (such as
    joining an organization that verified that domain).
    """
    if hook not in _email_verified_hooks:
        _email_verified_hooks.append(hook)


def run_email_verified_hooks(request, user):
    for hook in _email_verified_hooks:
        hook(request, user)


def register_access_check(check):
    """Register `check(session, claims)`, called for every request authenticated by an access token.

    A check raises rest_framework.exceptions.AuthenticationFailed to reject the token. It runs on
    every API request, so it must be cheap (a cache read, not a query per call).
    """
    if check not in _access_checks:
        _access_checks.append(check)


def run_access_checks(session, claims):
    for check in _access_checks:
        check(session, claims)
