"""The audit actor for changes made by management commands."""


def command_actor(command_name):
    """Return the (type, id, display) tuple audit.services.record takes for a manage.py command."""
    return ("system", command_name, f"manage.py {command_name}")
