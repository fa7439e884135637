"""A WSGI application that sleeps for the seconds in its query string and returns its process id.

tests/test_worker_balance.py serves it with Plinto's gunicorn worker class to see which worker
served each request.
"""

import os
import time


def application(environ, start_response):
    time.sleep(float(environ.get("QUERY_STRING") or 0))
    body = str(os.getpid()).encode()
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", str(len(body)))])
    return [body]
