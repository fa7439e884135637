"""The load generator's flows and early stop, against a tiny HTTP server on loopback."""

import asyncio

import pytest

from bench import loadgen
from bench.run import SCENARIOS, parse_args


async def _serve(counter):
    async def handle(reader, writer):
        while True:
            head = await reader.readuntil(b"\r\n\r\n")
            if not head:
                break
            counter.append(head.split(b" ", 2)[1])
            writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
            await writer.drain()

    async def guarded(reader, writer):
        try:
            await handle(reader, writer)
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()

    return await asyncio.start_server(guarded, "127.0.0.1", 0)


async def _run(**options):
    seen = []
    server = await _serve(seen)
    port = server.sockets[0].getsockname()[1]

    async def flow(send):
        await send("GET", "/first", {}, b"")
        status, _ = await send("GET", "/second", {}, b"")
        return status

    result = await loadgen.run_open_flow("127.0.0.1", port, flow, **options)
    server.close()
    await server.wait_closed()
    return result, seen


def test_flow_counts_as_one_unit():
    result, seen = asyncio.run(_run(rate=50, duration=0.2))

    assert result.statuses == {200: 10}
    assert len(result.latencies) == 10
    assert seen.count(b"/first") == 10
    assert seen.count(b"/second") == 10


def test_stop_ends_open_run_early():
    result, seen = asyncio.run(_run(rate=50, duration=10, stop=lambda: True))

    assert result.statuses == {}
    assert seen == []
    assert result.duration < 10


def test_only_accepts_known_scenarios():
    assert parse_args(["--only", "members", "passkey"]).only == ["members", "passkey"]
    assert parse_args([]).only is None
    assert "audit-export" in SCENARIOS
    with pytest.raises(SystemExit):
        parse_args(["--only", "unknown"])
