"""An open-model HTTP load generator for loopback benchmarks.

Requests are started on a fixed schedule (`rate` per second) whatever the server's speed, and each
latency is measured from the moment the request was due, so a slow server cannot hide its queue
(no coordinated omission). `rate=None` runs a closed loop of `concurrency` clients instead, for
maximum throughput. Only plain HTTP/1.1 with keep-alive on loopback is supported.

A scenario gives either `make_request`, returning one (method, path, headers, body) request, or a
flow: an async function `flow(send)` that sends several requests in order over one connection
(`status, payload = await send(method, path, headers, body)`) and returns the final status. A flow
counts as one unit, so its latency runs from its due time to the end of its last request.
"""

import asyncio
import json
import statistics
import time
from dataclasses import dataclass, field


@dataclass
class Result:
    offered_rate: float | None
    duration: float
    latencies: list = field(default_factory=list)
    statuses: dict = field(default_factory=dict)
    errors: int = 0
    missed: int = 0

    def summary(self):
        ok = self.statuses.get(200, 0) + self.statuses.get(204, 0)
        lat = sorted(self.latencies)

        def pct(p):
            return round(lat[min(len(lat) - 1, int(p * len(lat)))] * 1000, 2) if lat else None

        return {
            "offered_rate": self.offered_rate,
            "completed_per_s": round(len(lat) / self.duration, 1),
            "ok_per_s": round(ok / self.duration, 1),
            "p50_ms": pct(0.50),
            "p95_ms": pct(0.95),
            "p99_ms": pct(0.99),
            "max_ms": round(lat[-1] * 1000, 2) if lat else None,
            "statuses": {str(k): v for k, v in sorted(self.statuses.items())},
            "connection_errors": self.errors,
            "not_sent": self.missed,
        }


class Connection:
    def __init__(self, host, port):
        self.host, self.port = host, port
        self.reader = self.writer = None

    async def open(self):
        self.reader, self.writer = await asyncio.open_connection(self.host, self.port)

    async def request(self, method, path, headers, body):
        if self.writer is None:
            await self.open()
        head = f"{method} {path} HTTP/1.1\r\nHost: {self.host}:{self.port}\r\n"
        for name, value in headers.items():
            head += f"{name}: {value}\r\n"
        head += f"Content-Length: {len(body)}\r\n\r\n"
        self.writer.write(head.encode() + body)
        status_line = await self.reader.readline()
        if not status_line:
            raise ConnectionError("connection closed")
        status = int(status_line.split()[1])
        length, close = 0, False
        while True:
            line = await self.reader.readline()
            if line in (b"\r\n", b""):
                break
            name, _, value = line.decode("latin-1").partition(":")
            name = name.strip().lower()
            if name == "content-length":
                length = int(value)
            elif name == "connection" and "close" in value.lower():
                close = True
        payload = await self.reader.readexactly(length) if length else b""
        if close:
            self.close()
        return status, payload

    def close(self):
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None


class Pool:
    def __init__(self, host, port, limit):
        self.host, self.port = host, port
        self.idle = []
        self.open_count = 0
        self.limit = limit

    def get(self):
        if self.idle:
            return self.idle.pop()
        if self.open_count >= self.limit:
            return None
        self.open_count += 1
        return Connection(self.host, self.port)

    def put(self, conn, healthy):
        if healthy and conn.writer is not None:
            self.idle.append(conn)
        else:
            conn.close()
            self.open_count -= 1


_FAILURES = (OSError, ConnectionError, asyncio.IncompleteReadError, ValueError, IndexError, KeyError)


def single_request_flow(make_request, on_response=None):
    """Wrap a `make_request` scenario as a flow of one request."""

    async def flow(send):
        status, payload = await send(*make_request())
        if on_response:
            on_response(status, payload)
        return status

    return flow


async def _one(pool, flow, due, result):
    conn = pool.get()
    if conn is None:
        result.missed += 1  # Every connection is busy: the server is far behind.
        return
    healthy = True
    try:
        status = await flow(conn.request)
        result.latencies.append(time.perf_counter() - due)
        result.statuses[status] = result.statuses.get(status, 0) + 1
    except _FAILURES:
        healthy = False
        result.errors += 1
    finally:
        pool.put(conn, healthy)


async def run_open(host, port, make_request, rate, duration, on_response=None, max_connections=512, flow=None):
    """Start `rate` requests (or flows) per second for `duration` seconds."""
    return await run_open_flow(
        host, port, flow or single_request_flow(make_request, on_response), rate, duration, max_connections
    )


async def run_open_flow(host, port, flow, rate, duration, max_connections=512, stop=None):
    """Start `rate` flows per second for `duration` seconds, or until `stop()` returns true.

    When `stop` ends the run early, the result's duration is the time actually spent sending.
    """
    pool = Pool(host, port, max_connections)
    result = Result(offered_rate=rate, duration=duration)
    tasks = set()
    start = time.perf_counter()
    total = int(rate * duration)
    for index in range(total):
        if stop is not None and stop():
            result.duration = max(time.perf_counter() - start, 1 / rate)
            break
        due = start + index / rate
        delay = due - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        task = asyncio.create_task(_one(pool, flow, due, result))
        tasks.add(task)
        task.add_done_callback(tasks.discard)
    if tasks:
        await asyncio.wait(tasks, timeout=30)
    return result


async def run_closed(host, port, make_request, concurrency, duration, on_response=None, flow=None):
    """Run `concurrency` clients back to back for `duration` seconds."""
    flow = flow or single_request_flow(make_request, on_response)
    result = Result(offered_rate=None, duration=duration)
    stop = time.perf_counter() + duration

    async def client():
        conn = Connection(host, port)
        while time.perf_counter() < stop:
            started = time.perf_counter()
            try:
                status = await flow(conn.request)
            except _FAILURES:
                result.errors += 1
                conn.close()
                continue
            result.latencies.append(time.perf_counter() - started)
            result.statuses[status] = result.statuses.get(status, 0) + 1
        conn.close()

    await asyncio.gather(*(client() for _ in range(concurrency)))
    return result


def json_request(method, path, data=None, token=None, api_key=None):
    headers = {"Content-Type": "application/json", "Accept": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    if api_key:
        headers["X-API-Key"] = api_key
    body = json.dumps(data).encode() if data is not None else b""
    return method, path, headers, body


def median(values):
    return statistics.median(values) if values else None
