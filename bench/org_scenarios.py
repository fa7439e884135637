"""Benchmark scenarios for organizations and passkeys: audit export, members listing, API keys, passkeys.

Each scenario seeds its own rows in a separate process (`python -m bench.seed_…`, which replaces
what an earlier run left), measures against the gunicorn server that bench.run started, and
stores its figures in `results` under the keys bench/report.py renders.
"""

import asyncio
import json
import subprocess
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from bench import loadgen

ROOT = Path(__file__).resolve().parent.parent
PYTHON = str(ROOT / ".venv" / "bin" / "python")

AUDIT_EVENTS = 1_000_000
# Offered rate of GET /api/v1/me while the export runs and while it does not.
AUDIT_ME_RATE = 200
# The export process is stopped after this many seconds; the target is 15.
AUDIT_EXPORT_TIMEOUT = 300
MEMBERS = 10_000
MEMBERS_RATE = 100
API_KEY_RATE = 300
PASSKEY_USERS = 1000
PASSKEY_RATE = 200
# More assertion verifications per second than this machine can serve, which sizes the prepared set.
PASSKEY_MAX_RATE = 1000


@dataclass
class Context:
    env: dict
    workdir: str
    host: str
    port: int
    duration: float
    runs: int
    results: dict
    # bench.run.summarise: merges the loadgen summaries of several runs.
    summarise: object


def seed(ctx, module, *args):
    """Run a seed module with the bench settings and return the JSON it wrote."""
    output = Path(ctx.workdir) / f"{module.rsplit('.', 1)[1]}.json"
    subprocess.run([PYTHON, "-m", module, *map(str, args), str(output)], cwd=ROOT, env=ctx.env, check=True)
    return json.loads(output.read_text())


def median_fields(runs):
    """Merge runs of flat dicts: the median of each numeric field, the last value of any other."""
    merged = {}
    for key in runs[0]:
        values = [run[key] for run in runs if run.get(key) is not None]
        numeric = values and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values)
        if numeric:
            merged[key] = round(loadgen.median(values), 2)
        elif values:
            merged[key] = values[-1]
        else:
            merged[key] = None
    merged["runs"] = len(runs)
    return merged


def ratio(numerator, denominator):
    if numerator is None or not denominator:
        return None
    return round(numerator / denominator, 2)


def _open(ctx, flow, rate, duration=None, stop=None):
    duration = duration or ctx.duration
    return asyncio.run(loadgen.run_open_flow(ctx.host, ctx.port, flow, rate, duration, stop=stop)).summary()


def _closed(ctx, flow, concurrency):
    return asyncio.run(loadgen.run_closed(ctx.host, ctx.port, None, concurrency, ctx.duration, flow=flow)).summary()


def _round_robin(items):
    counter = iter(range(10**12))
    return lambda: items[next(counter) % len(items)]


def _request_flow(make_request):
    return loadgen.single_request_flow(make_request)


def audit_export(ctx, repeat):
    """Time a 1,000,000-event NDJSON export while GET /api/v1/me runs at a fixed rate, and idle."""
    organization_id = seed(ctx, "bench.seed_audit", AUDIT_EVENTS)["organization_id"]
    tokens = seed(ctx, "bench.seed", 200, 200)["tokens"]
    next_token = _round_robin([t["access"] for t in tokens])
    me = _request_flow(lambda: loadgen.json_request("GET", "/api/v1/me", token=next_token()))

    exports, idle, during = [], [], []
    for _ in range(ctx.runs):
        output = Path(ctx.workdir) / "audit_export.json"
        output.unlink(missing_ok=True)
        process = subprocess.Popen(
            [PYTHON, "-m", "bench.audit_export", organization_id, str(output)], cwd=ROOT, env=ctx.env
        )
        try:
            during.append(
                _open(
                    ctx,
                    me,
                    AUDIT_ME_RATE,
                    duration=AUDIT_EXPORT_TIMEOUT,
                    stop=lambda process=process: process.poll() is not None,
                )
            )
            process.wait(timeout=AUDIT_EXPORT_TIMEOUT)
        finally:
            if process.poll() is None:
                process.kill()
                process.wait()
        if process.returncode != 0:
            raise RuntimeError(f"bench.audit_export failed with exit status {process.returncode}")
        exports.append(json.loads(output.read_text()))
        # Idle is measured after the export, so neither the seeding's writes nor a cold server skew it.
        idle.append(_open(ctx, me, AUDIT_ME_RATE))

    results = ctx.results
    results["audit_export"] = median_fields(exports)
    results["audit_export_me_idle"] = ctx.summarise(idle)
    results["audit_export_me_during"] = ctx.summarise(during)
    results["audit_export"]["me_p95_during_over_idle"] = ratio(
        results["audit_export_me_during"]["p95_ms"], results["audit_export_me_idle"]["p95_ms"]
    )
    for key in ("audit_export", "audit_export_me_idle", "audit_export_me_during"):
        print(key, json.dumps(results[key]), flush=True)


def _get(ctx, path, token):
    request = urllib.request.Request(
        f"http://{ctx.host}:{ctx.port}{path}",
        headers={"Authorization": f"Bearer {token}", "Accept": "application/json"},
    )
    started = time.perf_counter()
    with urllib.request.urlopen(request, timeout=30) as response:
        body = json.loads(response.read())
    return body, time.perf_counter() - started


def walk_pages(ctx, first_path, token):
    """Follow the `next` cursor from `first_path` to the end; return the page paths and latencies."""
    paths, latencies, rows = [], [], 0
    path = first_path
    while path:
        body, seconds = _get(ctx, path, token)
        paths.append(path)
        latencies.append(seconds)
        rows += len(body["results"])
        path = _path_of(body["next"]) if body["next"] else None
    return paths, latencies, rows


def _path_of(url):
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}" if parts.query else parts.path


def members(ctx, repeat):
    """Walk a 10,000-member list page by page, then request its pages at a fixed rate."""
    org = seed(ctx, "bench.seed_org", MEMBERS)
    first = f"/api/v1/organizations/{org['organization_id']}/members"
    paths, latencies, rows = walk_pages(ctx, first, org["access"])
    if rows != MEMBERS:
        raise RuntimeError(f"the members walk returned {rows} rows, expected {MEMBERS}")
    ordered = sorted(latencies)
    ctx.results["members_walk"] = {
        "members": rows,
        "pages": len(paths),
        "p95_ms": round(ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))] * 1000, 2),
        "max_ms": round(ordered[-1] * 1000, 2),
    }
    print("members_walk", json.dumps(ctx.results["members_walk"]), flush=True)

    next_path = _round_robin(paths)
    flow = _request_flow(lambda: ("GET", next_path(), {"Authorization": f"Bearer {org['access']}"}, b""))
    repeat(f"members_pages_at_{MEMBERS_RATE}", lambda: _open(ctx, flow, MEMBERS_RATE))


def api_key_vs_jwt(ctx, repeat):
    """Compare GET /organizations/{id} with an API key and with a JWT access token."""
    org = seed(ctx, "bench.seed_org", 100)
    path = f"/api/v1/organizations/{org['organization_id']}"
    by_key = _request_flow(lambda: loadgen.json_request("GET", path, api_key=org["api_key"]))
    by_jwt = _request_flow(lambda: loadgen.json_request("GET", path, token=org["access"]))

    # The two credentials take turns run by run, so a slow stretch of the machine (autovacuum,
    # another process) falls on both rather than on whichever ran then.
    runs = {name: [] for name in ("key_closed", "jwt_closed", "key_open", "jwt_open")}
    for _ in range(ctx.runs):
        runs["key_closed"].append(_closed(ctx, by_key, 32))
        runs["jwt_closed"].append(_closed(ctx, by_jwt, 32))
        runs["key_open"].append(_open(ctx, by_key, API_KEY_RATE))
        runs["jwt_open"].append(_open(ctx, by_jwt, API_KEY_RATE))

    results = ctx.results
    for name, key in (
        ("org_api_key_throughput", "key_closed"),
        ("org_jwt_throughput", "jwt_closed"),
        (f"org_api_key_at_{API_KEY_RATE}", "key_open"),
        (f"org_jwt_at_{API_KEY_RATE}", "jwt_open"),
    ):
        results[name] = ctx.summarise(runs[key])
        print(name, json.dumps(results[name]), flush=True)
    results["api_key_vs_jwt"] = {
        "throughput_ratio": ratio(
            results["org_api_key_throughput"]["ok_per_s"], results["org_jwt_throughput"]["ok_per_s"]
        ),
        "p95_ratio": ratio(
            results[f"org_api_key_at_{API_KEY_RATE}"]["p95_ms"], results[f"org_jwt_at_{API_KEY_RATE}"]["p95_ms"]
        ),
    }
    print("api_key_vs_jwt", json.dumps(results["api_key_vs_jwt"]), flush=True)


def passkey_sign_in_flow(seed_data, credentials):
    """Return a flow that fetches fresh options and signs them with the next of `credentials`."""
    from accounts.passkeys.tests.authenticator import SoftAuthenticator

    authenticator = SoftAuthenticator()
    # Round robin over many credentials, so no two sign-ins in flight share a signature counter.
    next_credential = _round_robin(credentials)
    origin = seed_data["origin"]

    async def flow(send):
        status, payload = await send(*loadgen.json_request("POST", "/api/v1/passkeys/authenticate/options"))
        if status != 200:
            return status
        options = json.loads(payload)["public_key"]
        assertion = authenticator.get(options, origin=origin, credential=next_credential())
        status, _ = await send(
            *loadgen.json_request("POST", "/api/v1/passkeys/authenticate", {"credential": assertion})
        )
        return status

    return flow


async def _fetch_options(ctx, count, concurrency=8):
    """Return the options of `count` passwordless sign-ins, fetched over `concurrency` connections."""
    request = loadgen.json_request("POST", "/api/v1/passkeys/authenticate/options")
    options = []

    async def fetch(share):
        connection = loadgen.Connection(ctx.host, ctx.port)
        for _ in range(share):
            status, payload = await connection.request(*request)
            if status != 200:
                raise RuntimeError(f"passkey options returned {status}: {payload[:200]!r}")
            options.append(json.loads(payload)["public_key"])
        connection.close()

    await asyncio.gather(*(fetch(count // concurrency + 1) for _ in range(concurrency)))
    return options[:count]


def signed_assertions_flow(ctx, seed_data, credentials, count):
    """Return a flow that posts one of `count` assertions signed before the flow runs.

    Each assertion is for a challenge fetched beforehand, so the timed requests are the assertion
    verifications alone.
    """
    from accounts.passkeys.tests.authenticator import SoftAuthenticator

    authenticator = SoftAuthenticator()
    next_credential = _round_robin(credentials)
    bodies = [
        loadgen.json_request(
            "POST",
            "/api/v1/passkeys/authenticate",
            {"credential": authenticator.get(options, origin=seed_data["origin"], credential=next_credential())},
        )
        for options in asyncio.run(_fetch_options(ctx, count))
    ]
    # Each assertion is sent once: a second use of its challenge would be rejected.
    remaining = iter(bodies)

    async def flow(send):
        body = next(remaining, None)
        if body is None:
            raise RuntimeError("the prepared assertions ran out; raise PASSKEY_MAX_RATE")
        status, _ = await send(*body)
        return status

    return flow


def passkey(ctx, repeat):
    """Passwordless passkey sign-ins, closed loop and at a fixed rate.

    Measured two ways: the whole sign-in (options, then the assertion), and the assertion
    verification alone, with the options fetched and the assertions signed before the timed run.
    """
    from bench.seed_passkeys import load_credentials

    seed_data = seed(ctx, "bench.seed_passkeys", PASSKEY_USERS)
    # One set of credentials for every run: each keeps counting up its signature counter, which
    # the server requires to grow from one use to the next.
    credentials = load_credentials(seed_data)
    flow = passkey_sign_in_flow(seed_data, credentials)
    repeat("passkey_throughput", lambda: _closed(ctx, flow, 16))
    repeat(f"passkey_at_{PASSKEY_RATE}", lambda: _open(ctx, flow, PASSKEY_RATE))

    # Enough assertions for a closed loop far above the target rate, and for the fixed rate.
    closed_count = int(ctx.duration * PASSKEY_MAX_RATE)
    open_count = int(ctx.duration * PASSKEY_RATE) + 10
    repeat(
        "passkey_assertion_throughput",
        lambda: _closed(ctx, signed_assertions_flow(ctx, seed_data, credentials, closed_count), 16),
    )
    repeat(
        f"passkey_assertion_at_{PASSKEY_RATE}",
        lambda: _open(ctx, signed_assertions_flow(ctx, seed_data, credentials, open_count), PASSKEY_RATE),
    )
