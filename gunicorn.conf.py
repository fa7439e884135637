"""gunicorn settings: one process per core with a few threads each.

Threads let a process keep serving cheap requests (refresh, /me, JWKS) while another thread
waits on the database; password hashing is capped per process by PASSWORD_HASH_CONCURRENCY.
"""

import multiprocessing
import os

workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count()))
# gthread, plus a stamp of when each request was queued so overload is shed (plinto/load_shedding.py).
worker_class = "plinto.load_shedding.SheddingThreadWorker"
threads = int(os.environ.get("GUNICORN_THREADS", 4))
# Connections queued beyond this are refused by the kernel instead of waiting without bound.
backlog = int(os.environ.get("GUNICORN_BACKLOG", 256))
timeout = 30
graceful_timeout = 20
keepalive = 5
accesslog = None
errorlog = "-"


# Prometheus counters live in each worker process. In multi-process mode every worker writes them
# to files in one folder, so /metrics, served by whichever worker, reports the sum of all.
def on_starting(server):
    import tempfile

    if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="plinto-metrics-")


def child_exit(server, worker):
    from prometheus_client import multiprocess

    # Drop the live gauges of a worker that ended, so they do not linger in the sum.
    multiprocess.mark_process_dead(worker.pid)
