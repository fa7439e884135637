"""Live gunicorn servers for the end-to-end tests, and their logs in the report of a failing test."""

import pytest

from .gunicorn_server import GunicornServer, running_server

# Where each server's log ended when a test's setup finished, so a failure shows only its own lines.
_LOG_OFFSETS = pytest.StashKey[dict]()


@pytest.fixture(scope="session")
def smoke_server(tmp_path_factory):
    """A server with the default rate limits on, for the walkthroughs."""
    with running_server(
        tmp_path_factory.mktemp("smoke"), name="smoke", settings={"RATE_LIMIT_ENABLED": "true"}
    ) as server:
        yield server


@pytest.fixture(scope="session")
def fuzz_server(tmp_path_factory):
    """A server without rate limits, so hundreds of generated requests get real responses, not 429."""
    with running_server(
        tmp_path_factory.mktemp("fuzz"), name="fuzz", settings={"RATE_LIMIT_ENABLED": "false"}
    ) as server:
        yield server


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """Attach what each live server logged during a failed test to that test's report."""
    servers = [value for value in getattr(item, "funcargs", {}).values() if isinstance(value, GunicornServer)]
    if call.when == "setup":
        item.stash[_LOG_OFFSETS] = {server.name: server.log_size() for server in servers}

    outcome = yield
    report = outcome.get_result()
    if report.failed and call.when == "call":
        offsets = item.stash.get(_LOG_OFFSETS, {})
        for server in servers:
            section = f"gunicorn log of the {server.name} server"
            report.sections.append((section, server.log_tail(offsets.get(server.name, 0))))
