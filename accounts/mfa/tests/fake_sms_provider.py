"""A Twilio-compatible Messages endpoint on 127.0.0.1 that records requests and responds as a test plans."""

import json
import threading
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

ERROR_BODIES = {
    400: {"code": 21211, "message": "The 'To' number is not a valid phone number.", "status": 400},
    429: {"code": 20429, "message": "Too Many Requests", "status": 429},
    500: {"code": 20500, "message": "Internal Server Error", "status": 500},
}


class FakeSMSProvider:
    """Records every request and responds with the planned statuses in order, then with 201.

    A planned "hang" keeps the request open until the provider stops, so the client times out.
    """

    def __init__(self):
        self.requests = []
        self._planned = []
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self.server.daemon_threads = True
        self.server.block_on_close = False
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def base_url(self):
        return f"http://127.0.0.1:{self.server.server_port}"

    def plan(self, *answers):
        """Queue responses for the next requests: 201, 400, 429, 500 or "hang"."""
        with self._lock:
            self._planned.extend(answers)

    def bodies(self):
        return [request["form"]["Body"] for request in self.requests]

    def start(self):
        self._thread.start()
        return self

    def stop(self):
        self._stopping.set()
        self.server.shutdown()
        self.server.server_close()
        self._thread.join(timeout=5)

    def _next_answer(self):
        with self._lock:
            return self._planned.pop(0) if self._planned else 201

    def _handler_class(self):
        provider = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers.get("Content-Length", 0))
                form = {key: values[0] for key, values in parse_qs(self.rfile.read(length).decode()).items()}
                provider.requests.append({"path": self.path, "headers": dict(self.headers), "form": form})

                answer = provider._next_answer()
                if answer == "hang":
                    provider._stopping.wait(timeout=30)
                    return
                body = ERROR_BODIES.get(answer, {"sid": "SM" + uuid.uuid4().hex, "status": "queued"})
                payload = json.dumps(body).encode()
                self.send_response(answer)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                if answer == 429:
                    self.send_header("Retry-After", "1")
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, format, *args):
                pass

        return Handler
