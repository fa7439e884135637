"""A gunicorn worker with every thread busy leaves new connections to an idle worker."""

import http.client
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.slow


def _free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _get(port, seconds):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.request("GET", f"/?{seconds}")
        return connection.getresponse().read().decode()
    finally:
        connection.close()


@pytest.fixture
def two_single_thread_workers():
    port = _free_port()
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "tests.pid_app:application",
        "--worker-class",
        "plinto.load_shedding.SheddingThreadWorker",
        "--workers",
        "2",
        "--threads",
        "1",
        "--bind",
        f"127.0.0.1:{port}",
    ]
    process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                _get(port, 0)
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)
        # Both workers must be up before a request can pick between them.
        seen = {_get(port, 0) for _ in range(50)}
        while len(seen) < 2 and time.monotonic() < deadline:
            seen.add(_get(port, 0))
        yield port
    finally:
        process.terminate()
        process.wait(timeout=30)


def test_new_connection_goes_to_idle_worker(two_single_thread_workers):
    port = two_single_thread_workers
    for _ in range(5):
        slow = {}
        busy = threading.Thread(target=lambda: slow.setdefault("pid", _get(port, 0.5)))
        busy.start()
        # Let the slow request occupy its worker's only thread.
        time.sleep(0.15)

        quick_pid = _get(port, 0)
        busy.join()

        # Without the pause, the busy worker takes the connection half of the time, and the
        # quick request then waits for the slow one to finish.
        assert quick_pid != slow["pid"]
