"""Hooks through which higher apps require MFA for a login, such as an organization's policy.

accounts sits below organizations, so organizations registers a requirement function here from
its AppConfig.ready() instead of accounts importing it.
"""

_requirements = []


def register_requirement(requirement):
    """Register `requirement(user, context) -> bool`; any True makes the login need a second factor.

    `context` is the login context the door passed to complete_login (for example the
    organization the client named).
    """
    if requirement not in _requirements:
        _requirements.append(requirement)


def unregister_requirement(requirement):
    if requirement in _requirements:
        _requirements.remove(requirement)


def is_required(user, context):
    """Return whether any registered requirement demands a second factor for this login."""
    return any(requirement(user, context) for requirement in _requirements)
