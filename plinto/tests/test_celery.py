"""Account emails are queued after commit, re-fetch their user, and run on a real worker."""

import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection, transaction

from accounts.emails import queue_account_email
from accounts.models import User
from accounts.tasks import send_account_email_task
from plinto.celery import app

BASE_DIR = Path(__file__).resolve().parents[2]
WORKER_START_TIMEOUT = 60


class Rollback(Exception):
    pass


# Tests marked `committed` run outside a wrapping transaction, so their commits and rollbacks are
# real, and the tables are emptied afterwards. The audit app is left out: on PostgreSQL its table
# rejects the TRUNCATE that empties them, and these tests write no audit events.
committed = pytest.mark.django_db(
    transaction=True, available_apps=["django.contrib.contenttypes", "django.contrib.auth", "accounts"]
)


@pytest.fixture
def committed_user():
    return User.objects.create_user(email=f"celery-{uuid.uuid4().hex[:8]}@example.org", email_verified=True)


@committed
def test_email_is_sent_when_transaction_commits(committed_user, mailbox):
    with transaction.atomic():
        queue_account_email(committed_user, "password_changed")
        assert mailbox == []

    assert len(mailbox) == 1
    assert mailbox[0].to == [committed_user.email]
    assert mailbox[0].subject == "Your password was changed"


@committed
def test_no_email_when_transaction_rolls_back(committed_user, mailbox):
    with pytest.raises(Rollback), transaction.atomic():
        queue_account_email(committed_user, "password_changed")
        raise Rollback

    assert mailbox == []


@committed
def test_task_sends_nothing_for_deleted_user(committed_user, mailbox):
    with transaction.atomic():
        queue_account_email(committed_user, "password_changed")
        User.objects.filter(pk=committed_user.pk).delete()

    assert mailbox == []


@committed
def test_task_reads_user_again(committed_user, mailbox):
    # The task takes an id, so an address changed after queueing is the one that gets the mail.
    with transaction.atomic():
        queue_account_email(committed_user, "password_changed")
        User.objects.filter(pk=committed_user.pk).update(email="moved@example.org")

    assert [message.to for message in mailbox] == [["moved@example.org"]]


def test_task_for_unknown_id_returns_false(db, mailbox):
    result = send_account_email_task.apply(args=[str(uuid.uuid4()), "password_changed"])

    assert result.get() is False
    assert mailbox == []


def _worker_environment(tmp_path, email_dir):
    database = connection.settings_dict
    credentials = database["USER"] + (f":{database['PASSWORD']}" if database["PASSWORD"] else "")
    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(tmp_path),
        "DJANGO_SETTINGS_MODULE": "plinto.settings",
        "PLINTO_VAR_DIR": str(tmp_path / "var"),
        "SECRET_KEY": settings.SECRET_KEY,
        # The worker must read the users of the test database, not the one DATABASE_URL names.
        "DATABASE_URL": f"postgres://{credentials}@{database['HOST']}:{database['PORT']}/{database['NAME']}",
        "REDIS_URL": settings.REDIS_URL,
        "CELERY_TASK_ALWAYS_EAGER": "false",
        "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
        "EMAIL_FILE_PATH": str(email_dir),
    }


@pytest.mark.slow
@committed
def test_worker_sends_queued_email(committed_user, tmp_path):
    if not settings.REDIS_URL:
        pytest.skip("REDIS_URL is not set, so there is no broker for a real worker")
    if connection.vendor != "postgresql":
        pytest.skip("the worker needs DATABASE_URL (PostgreSQL) to read the test database from another process")

    email_dir = tmp_path / "emails"
    queue = f"plinto-test-{uuid.uuid4().hex[:12]}"  # Only this test's worker consumes it.
    log_path = tmp_path / "worker.log"
    command = [sys.executable, "-m", "celery", "-A", "plinto", "worker", "--pool=solo", "--queues", queue]
    command += ["--hostname", f"{queue}@%h", "--without-gossip", "--without-mingle", "--loglevel=INFO"]

    with open(log_path, "w") as log:
        worker = subprocess.Popen(
            command, cwd=BASE_DIR, env=_worker_environment(tmp_path, email_dir), stdout=log, stderr=subprocess.STDOUT
        )
    was_eager = app.conf.task_always_eager
    try:
        app.conf.task_always_eager = False
        send_account_email_task.apply_async(args=[str(committed_user.pk), "password_changed"], queue=queue)

        deadline = time.monotonic() + WORKER_START_TIMEOUT
        while not (email_dir.is_dir() and any(email_dir.iterdir())) and time.monotonic() < deadline:
            assert worker.poll() is None, log_path.read_text()
            time.sleep(0.2)
    finally:
        app.conf.task_always_eager = was_eager
        worker.send_signal(signal.SIGTERM)
        try:
            worker.wait(timeout=30)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait(timeout=10)
        _delete_queue(queue)

    files = list(email_dir.iterdir()) if email_dir.is_dir() else []
    assert len(files) == 1, log_path.read_text()
    content = files[0].read_text()
    assert f"To: {committed_user.email}" in content
    assert "Subject: Your password was changed" in content


def _delete_queue(queue):
    """Remove the test queue and the exchange bindings kombu keeps for it in Redis."""
    with app.connection_for_write(settings.REDIS_URL) as conn:
        channel = conn.default_channel
        channel.queue_delete(queue)
        channel.client.delete(f"_kombu.binding.{queue}", f"_kombu.binding_permanent.{queue}")
