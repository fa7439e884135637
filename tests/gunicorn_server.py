"""A gunicorn process serving Plinto for end-to-end tests, with its own database, cache and folder.

The server shares no state with the pytest process. On SQLite it uses a fresh file in its own
folder. With DATABASE_URL set, it gets its own PostgreSQL database next to the one pytest-django
creates, and its own cache key prefix on the same Redis database.
"""

import os
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import requests

REPO_DIR = Path(__file__).resolve().parent.parent
WORKERS = 2
# Seconds for two workers to import Django on a machine shared with other test runs.
STARTUP_TIMEOUT = 60
# gunicorn.conf.py gives workers 20 seconds to finish their requests after SIGTERM.
STOP_TIMEOUT = 30
# Lines of the server log attached to a failing test's report.
LOG_TAIL_LINES = 200


class ServerStartError(RuntimeError):
    """gunicorn or the migration before it failed. The message ends with their output."""


@dataclass
class GunicornServer:
    name: str
    base_url: str
    var_dir: Path
    log_path: Path
    process: subprocess.Popen

    @property
    def email_dir(self):
        return self.var_dir / "emails"

    def url(self, path):
        return self.base_url + path

    def log_size(self):
        return self.log_path.stat().st_size if self.log_path.exists() else 0

    def log_tail(self, start=0):
        """Return the last LOG_TAIL_LINES lines the server wrote after byte offset `start`."""
        with self.log_path.open("rb") as log:
            log.seek(start)
            text = log.read().decode("utf-8", errors="replace")
        return "\n".join(text.splitlines()[-LOG_TAIL_LINES:])

    def wait_until_healthy(self):
        deadline = time.monotonic() + STARTUP_TIMEOUT
        while True:
            if self.process.poll() is not None:
                raise ServerStartError(
                    f"gunicorn exited with status {self.process.returncode} before /health answered.\n"
                    + self.log_tail()
                )
            try:
                if requests.get(self.url("/health"), timeout=5).status_code == 200:
                    return
            except (requests.ConnectionError, requests.Timeout):
                pass  # Not listening yet, or the workers are still importing Django.
            if time.monotonic() > deadline:
                raise ServerStartError(f"/health did not answer 200 within {STARTUP_TIMEOUT} s.\n" + self.log_tail())
            time.sleep(0.2)

    def stop(self):
        """Send SIGTERM to the gunicorn master, then SIGKILL if it is still running after STOP_TIMEOUT."""
        if self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            # Workers notice that their master is gone and exit on their own.
            self.process.kill()
            self.process.wait()


def _free_port():
    # NOTE: another process may take the port between this probe and gunicorn's bind. gunicorn then
    # exits, and the start fails with its log, which names the address in use.
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _database_url_with_name(database_url, name):
    parts = urlsplit(database_url)
    return urlunsplit(parts._replace(path="/" + name))


def _recreate_database(database_url, name):
    import psycopg
    from psycopg import sql

    with psycopg.connect(database_url, dbname="postgres", autocommit=True) as connection:
        # FORCE ends connections a server from an interrupted run may still hold (PostgreSQL 13+).
        connection.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def _drop_database(database_url, name):
    import psycopg
    from psycopg import sql

    with psycopg.connect(database_url, dbname="postgres", autocommit=True) as connection:
        connection.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def _delete_cache_keys(redis_url, prefix):
    import redis

    client = redis.Redis.from_url(redis_url)
    try:
        keys = list(client.scan_iter(match=f"{prefix}:*", count=500))
        if keys:
            client.delete(*keys)
    finally:
        client.close()


def _server_environment(*, var_dir, base_url, cache_prefix, database_url, settings):
    env = dict(os.environ)
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "plinto.settings",
            "PLINTO_VAR_DIR": str(var_dir),
            "PUBLIC_BASE_URL": base_url,
            "ALLOWED_HOSTS": "127.0.0.1",
            "DEBUG": "false",
            "HTTPS_ONLY": "false",
            "METRICS_TOKEN": "",
            "CELERY_TASK_ALWAYS_EAGER": "true",
            "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
            "EMAIL_FILE_PATH": str(var_dir / "emails"),
            "CACHE_KEY_PREFIX": cache_prefix,
            "LOG_FORMAT": "console",
        }
    )
    if database_url:
        env["DATABASE_URL"] = database_url
    env.update(settings)
    return env


def _migrate(env):
    result = subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput"],
        cwd=REPO_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=STARTUP_TIMEOUT,
    )
    if result.returncode != 0:
        raise ServerStartError(
            f"manage.py migrate failed with status {result.returncode}.\n{result.stdout}{result.stderr}"
        )


@contextmanager
def running_server(folder, *, name, settings):
    """Migrate a fresh database, serve it with gunicorn on a free loopback port, and clean up after.

    `name` distinguishes the servers of one run. It is the suffix of the PostgreSQL database name
    and part of the cache key prefix. `settings` are environment variables that override the defaults.
    """
    worker = os.environ.get("PYTEST_XDIST_WORKER", "")
    suffix = f"_{name}" + (f"_{worker}" if worker else "")
    var_dir = folder / "var"
    var_dir.mkdir(parents=True)
    port = _free_port()
    base_url = f"http://127.0.0.1:{port}"
    cache_prefix = f"plinto-e2e-{name}-{os.getpid()}"

    source_database_url = os.environ.get("DATABASE_URL", "")
    database_url = database_name = ""
    if source_database_url:
        database_name = urlsplit(source_database_url).path.lstrip("/") + suffix
        database_url = _database_url_with_name(source_database_url, database_name)
        _recreate_database(source_database_url, database_name)
    redis_url = os.environ.get("REDIS_URL", "")

    env = _server_environment(
        var_dir=var_dir, base_url=base_url, cache_prefix=cache_prefix, database_url=database_url, settings=settings
    )
    log_path = folder / "gunicorn.log"
    server = None
    try:
        _migrate(env)
        with log_path.open("wb") as log:
            process = subprocess.Popen(
                [
                    str(Path(sys.executable).with_name("gunicorn")),
                    "plinto.wsgi:application",
                    "-c",
                    "gunicorn.conf.py",
                    "--bind",
                    f"127.0.0.1:{port}",
                    "--workers",
                    str(WORKERS),
                    # gunicorn 27 otherwise puts its control socket at ~/.gunicorn/gunicorn.ctl, one
                    # path for every server of the user, so parallel test runs would take it over.
                    "--no-control-socket",
                ],
                cwd=REPO_DIR,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        server = GunicornServer(name=name, base_url=base_url, var_dir=var_dir, log_path=log_path, process=process)
        server.wait_until_healthy()
        yield server
    finally:
        if server is not None:
            server.stop()
        if database_name:
            _drop_database(source_database_url, database_name)
        if redis_url:
            _delete_cache_keys(redis_url, cache_prefix)
