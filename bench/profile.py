"""Profile one benchmark path in process, through Django's middleware, and print where the time goes.

Usage: .venv/bin/python -m bench.profile {members,api-key,jwt,passkey,passkey-assertion} [--requests N] [--sort tottime]

Seeds the same rows as bench.run (on the bench database, which it recreates), then sends the
requests through Django's test client under cProfile. There is no gunicorn and no network here, so
the figures show the application's own cost per request, not throughput.
"""

import argparse
import cProfile
import json
import os
import pstats
import sys
import tempfile
import time
from pathlib import Path

from bench import run as bench_run


def _client():
    from django.test import Client

    return Client(HTTP_ACCEPT="application/json")


def members_requests(count):
    from bench import seed_org

    org = seed_org.seed(10_000)
    client = _client()
    auth = {"HTTP_AUTHORIZATION": f"Bearer {org['access']}"}
    paths, path = [], f"/api/v1/organizations/{org['organization_id']}/members"
    while path and len(paths) < 50:
        paths.append(path)
        body = client.get(path, **auth).json()
        path = body["next"].split("testserver", 1)[-1] if body["next"] else None

    def one(i):
        return client.get(paths[i % len(paths)], **auth)

    return one


def _org_detail(header):
    from bench import seed_org

    org = seed_org.seed(100)
    client = _client()
    path = f"/api/v1/organizations/{org['organization_id']}"
    headers = {"api-key": {"HTTP_X_API_KEY": org["api_key"]}, "jwt": {"HTTP_AUTHORIZATION": f"Bearer {org['access']}"}}

    def one(i):
        return client.get(path, **headers[header])

    return one


def passkey_requests(count):
    from accounts.passkeys.tests.authenticator import SoftAuthenticator
    from bench import seed_passkeys

    seed = seed_passkeys.seed(max(count, 100))
    credentials = seed_passkeys.load_credentials(seed)
    authenticator = SoftAuthenticator()
    client = _client()

    def one(i):
        response = client.post("/api/v1/passkeys/authenticate/options", content_type="application/json")
        options = response.json()["public_key"]
        assertion = authenticator.get(options, origin=seed["origin"], credential=credentials[i % len(credentials)])
        return client.post("/api/v1/passkeys/authenticate", {"credential": assertion}, content_type="application/json")

    return one


def passkey_assertion_requests(count):
    """Only the assertion POSTs: the options are fetched and signed before profiling starts."""
    from accounts.passkeys.tests.authenticator import SoftAuthenticator
    from bench import seed_passkeys

    seed = seed_passkeys.seed(max(count, 100))
    credentials = seed_passkeys.load_credentials(seed)
    authenticator = SoftAuthenticator()
    client = _client()
    bodies = []
    # The warm-up and the --queries request take a few more than `count`.
    for i in range(count + 30):
        options = client.post("/api/v1/passkeys/authenticate/options").json()["public_key"]
        credential = credentials[i % len(credentials)]
        bodies.append({"credential": authenticator.get(options, origin=seed["origin"], credential=credential)})
    remaining = iter(bodies)

    def one(i):
        return client.post("/api/v1/passkeys/authenticate", next(remaining), content_type="application/json")

    return one


PATHS = {
    "passkey-assertion": passkey_assertion_requests,
    "members": members_requests,
    "api-key": lambda count: _org_detail("api-key"),
    "jwt": lambda count: _org_detail("jwt"),
    "passkey": passkey_requests,
}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("path", choices=sorted(PATHS))
    parser.add_argument("--requests", type=int, default=500)
    parser.add_argument("--sort", default="cumulative")
    parser.add_argument("--limit", type=int, default=45)
    parser.add_argument("--queries", action="store_true", help="print the SQL of one more request at the end")
    args = parser.parse_args()

    env = bench_run.bench_env(tempfile.mkdtemp(prefix="plinto-profile-"))
    bench_run.prepare_database(env)
    os.environ.update(env)
    os.environ["ALLOWED_HOSTS"] = "testserver"
    import django

    django.setup()
    one = PATHS[args.path](args.requests)
    # Warm the caches and the connection first, so the profile shows the steady state.
    for i in range(20):
        one(i)

    profiler = cProfile.Profile()
    started = time.perf_counter()
    profiler.enable()
    for i in range(args.requests):
        response = one(i)
        if response.status_code != 200:
            sys.exit(f"request {i} answered {response.status_code}: {response.content[:300]!r}")
    profiler.disable()
    elapsed = time.perf_counter() - started
    print(json.dumps({"path": args.path, "requests": args.requests, "ms_per_request": elapsed / args.requests * 1000}))
    stats = pstats.Stats(profiler)
    stats.sort_stats(args.sort).print_stats(args.limit)
    # The raw profile is kept for tools such as snakeviz.
    stats.dump_stats(str(Path(tempfile.gettempdir(), f"plinto-profile-{args.path}.pstats")))

    if args.queries:
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as captured:
            one(args.requests)
        for number, query in enumerate(captured.captured_queries, 1):
            print(f"{number:3} {query['sql'][:160]}")


if __name__ == "__main__":
    main()
