"""Run Plinto's benchmarks against gunicorn on PostgreSQL and Redis and write docs/benchmarks.md.

Usage: .venv/bin/python -m bench.run [--runs 3] [--duration 10] [--only NAME ...]

The load comes from this process (asyncio, open model at fixed arrival rates, or a closed loop for
throughput) or from wrk for the plain GET throughput figures, against a server started here on
loopback. Every figure is the median of `--runs` runs. The references are measured in the same
run: one password hash on one core (the login ceiling is cores / hash time) and a bare Django JSON
view (the framework floor).
"""

import argparse
import asyncio
import collections
import json
import os
import platform
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from bench import loadgen, org_scenarios

ROOT = Path(__file__).resolve().parent.parent
PYTHON = str(ROOT / ".venv" / "bin" / "python")
HOST = "127.0.0.1"


def free_port():
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def bench_env(var_dir):
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE="bench.settings",
        DATABASE_URL=os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/plinto_bench"),
        # The load process signs passkey assertions for this relying party and origin.
        PASSKEY_RP_ID="localhost",
        PASSKEY_ORIGINS="http://localhost",
        REDIS_URL=os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/15"),
        PLINTO_VAR_DIR=var_dir,
        CELERY_TASK_ALWAYS_EAGER="true",
        # Limits stay on (their cache round trips are part of the cost) but high enough not to trip.
        RATE_LIMIT_PER_MINUTE="100000000",
        RATE_LIMIT_PER_HOUR="100000000",
        LOG_LEVEL="WARNING",
    )
    return env


def prepare_database(env):
    import psycopg

    name = env["DATABASE_URL"].rsplit("/", 1)[1]
    with psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    subprocess.run([PYTHON, "manage.py", "migrate", "--noinput", "-v0"], cwd=ROOT, env=env, check=True)


class Server:
    def __init__(self, env, workers):
        self.env, self.workers = env, workers
        self.port = free_port()
        self.process = None

    def __enter__(self):
        self.process = subprocess.Popen(
            [
                PYTHON,
                "-m",
                "gunicorn",
                "plinto.wsgi:application",
                "-c",
                "gunicorn.conf.py",
                "--bind",
                f"{HOST}:{self.port}",
                "--workers",
                str(self.workers),
            ],
            cwd=ROOT,
            env=self.env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.time() + 30
        while time.time() < deadline:
            try:
                urllib.request.urlopen(f"http://{HOST}:{self.port}/health", timeout=1).read()
                return self
            except OSError:
                time.sleep(0.2)
        raise RuntimeError("gunicorn did not start")

    def __exit__(self, *exc):
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()


def measure_hash_seconds(env, samples=30):
    """Time one password hash with the configured hasher on one core, in a fresh process."""
    code = (
        "import django,time;django.setup();from django.contrib.auth.hashers import make_password,check_password;"
        "h=make_password('Bench-Password-2026!');t=time.perf_counter();"
        f"[check_password('Bench-Password-2026!',h) for _ in range({samples})];"
        f"print((time.perf_counter()-t)/{samples})"
    )
    out = subprocess.run([PYTHON, "-c", code], cwd=ROOT, env=env, check=True, capture_output=True, text=True)
    return float(out.stdout.strip().splitlines()[-1])


def wrk(url, duration, connections=64, threads=1, headers=()):
    """Closed-loop throughput with wrk (Debian's package), for plain GETs."""
    command = ["wrk", "-t", str(threads), "-c", str(connections), "-d", f"{int(duration)}s", "--latency"]
    for header in headers:
        command += ["-H", header]
    out = subprocess.run(command + [url], capture_output=True, text=True, check=True).stdout
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    total = int(re.search(r"(\d+) requests in", out).group(1))
    match = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    non_2xx = int(match.group(1)) if match else 0
    # The share of 2xx responses, at the measured rate: shed requests (503) are not throughput.
    ok_rate = rate * (total - non_2xx) / total if total else 0.0
    return {"ok_per_s": round(ok_rate, 1), "completed_per_s": rate, "non_2xx": non_2xx}


class TokenChains:
    """Refresh tokens handed out one request at a time; each response puts the successor back."""

    def __init__(self, tokens):
        self.queue = collections.deque(t["refresh"] for t in tokens)

    def make_request(self):
        token = self.queue.popleft() if self.queue else "plr_exhausted"
        return loadgen.json_request("POST", "/api/v1/auth/refresh", {"refresh_token": token})

    def on_response(self, status, payload):
        if status == 200:
            self.queue.append(json.loads(payload)["refresh_token"])


def scenario_requests(name, seed):
    """Return (make_request, on_response) for a scenario, with fresh state for each run."""
    if name == "refresh":
        chains = TokenChains(seed["tokens"])
        return chains.make_request, chains.on_response
    if name == "me":
        access = [t["access"] for t in seed["tokens"]]
        counter = iter(range(10**9))
        return (lambda: loadgen.json_request("GET", "/api/v1/me", token=access[next(counter) % len(access)])), None
    if name == "login":
        emails = seed["emails"]
        counter = iter(range(10**9))
        return (
            lambda: loadgen.json_request(
                "POST",
                "/api/v1/auth/login",
                {"email": emails[next(counter) % len(emails)], "password": seed["password"]},
            )
        ), None
    if name == "jwks":
        return (lambda: loadgen.json_request("GET", "/.well-known/jwks.json")), None
    if name == "bare":
        return (lambda: loadgen.json_request("GET", "/bench/bare")), None
    raise ValueError(name)


def reseed(env, workdir, users=2000, sessions=6000):
    output = Path(workdir) / "seed.json"
    subprocess.run([PYTHON, "-m", "bench.seed", str(users), str(sessions), str(output)], cwd=ROOT, env=env, check=True)
    return json.loads(output.read_text())


def median_of(runs, key):
    values = [r[key] for r in runs if r.get(key) is not None]
    return round(loadgen.median(values), 2) if values else None


def summarise(runs):
    keys = ("offered_rate", "completed_per_s", "ok_per_s", "p50_ms", "p95_ms", "p99_ms", "max_ms")
    merged = {key: median_of(runs, key) for key in keys}
    statuses = collections.Counter()
    for run in runs:
        statuses.update(run.get("statuses", {}))
    merged["statuses_all_runs"] = dict(statuses)
    merged["runs"] = len(runs)
    return merged


# Scenario groups in the order a full run measures them; --only picks a subset.
SCENARIOS = ("bare", "jwks", "me", "refresh", "login", "audit-export", "members", "api-key", "passkey")


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description="Run Plinto's benchmarks against gunicorn on loopback.")
    parser.add_argument("--runs", type=int, default=3, help="runs per figure; each figure is their median")
    parser.add_argument("--duration", type=float, default=10, help="seconds per load run")
    parser.add_argument("--workers", type=int, default=os.cpu_count(), help="gunicorn worker processes")
    parser.add_argument("--output", default=str(ROOT / "bench" / "results.json"), help="results file to write")
    parser.add_argument(
        "--only",
        nargs="+",
        choices=SCENARIOS,
        metavar="NAME",
        help=f"run only these scenarios (default: all): {', '.join(SCENARIOS)}",
    )
    return parser.parse_args(argv)


def main():
    args = parse_args()
    selected = set(args.only or SCENARIOS)

    workdir = tempfile.mkdtemp(prefix="plinto-bench-")
    env = bench_env(workdir)
    os.environ.update({k: env[k] for k in ("DJANGO_SETTINGS_MODULE", "DATABASE_URL", "REDIS_URL", "PLINTO_VAR_DIR")})
    prepare_database(env)
    results = {
        "machine": machine_facts(),
        "workers": args.workers,
        "duration_s": args.duration,
        "runs": args.runs,
        "scenarios": [name for name in SCENARIOS if name in selected],
    }

    if "login" in selected:
        hash_seconds = measure_hash_seconds(env)
        results["hash_ms"] = round(hash_seconds * 1000, 2)
        results["login_ceiling_per_s"] = round(os.cpu_count() / hash_seconds, 1)

    def repeat(name, fn):
        runs = []
        for _ in range(args.runs):
            runs.append(fn())
        results[name] = summarise(runs)
        print(name, json.dumps(results[name]), flush=True)

    def open_run(scenario, rate, server):
        seed = reseed(env, workdir) if scenario in ("refresh", "me") else seed_users
        make_request, on_response = scenario_requests(scenario, seed)
        result = asyncio.run(loadgen.run_open(HOST, server.port, make_request, rate, args.duration, on_response))
        return result.summary()

    def closed_run(scenario, server, concurrency=32):
        seed = reseed(env, workdir) if scenario in ("refresh", "me") else seed_users
        make_request, on_response = scenario_requests(scenario, seed)
        result = asyncio.run(
            loadgen.run_closed(HOST, server.port, make_request, concurrency, args.duration, on_response)
        )
        return result.summary()

    seed_users = reseed(env, workdir) if selected & {"me", "login"} else None
    with Server(env, args.workers) as server:
        base = f"http://{HOST}:{server.port}"
        have_wrk = shutil.which("wrk") is not None
        for name, path in (("bare", "/bench/bare"), ("jwks", "/.well-known/jwks.json")):
            if name not in selected:
                continue
            if have_wrk:
                repeat(f"{name}_throughput", lambda path=path: wrk(base + path, args.duration))
            else:
                repeat(f"{name}_throughput", lambda name=name: closed_run(name, server, 64))
        if "me" in selected:
            if have_wrk:
                token = seed_users["tokens"][0]["access"]
                repeat(
                    "me_throughput",
                    lambda: wrk(base + "/api/v1/me", args.duration, headers=[f"Authorization: Bearer {token}"]),
                )
            else:
                repeat("me_throughput", lambda: closed_run("me", server, 64))
            repeat("me_at_1000", lambda: open_run("me", 1000, server))
        if "refresh" in selected:
            repeat("refresh_throughput", lambda: closed_run("refresh", server, 32))
            repeat("refresh_at_600", lambda: open_run("refresh", 600, server))
        if "login" in selected:
            repeat("login_throughput", lambda: closed_run("login", server, 16))
            login_capacity = results["login_throughput"]["ok_per_s"] or 1
            repeat(
                "login_at_75pct_ceiling",
                lambda: open_run("login", round(0.75 * results["login_ceiling_per_s"]), server),
            )
            # Overload: twice each endpoint's measured capacity, open model.
            repeat("login_overload_2x", lambda: open_run("login", round(2 * login_capacity), server))
        if "refresh" in selected:
            refresh_capacity = results["refresh_throughput"]["ok_per_s"] or 1
            repeat("refresh_overload_2x", lambda: open_run("refresh", round(2 * refresh_capacity), server))
        if "me" in selected:
            me_capacity = results["me_throughput"]["ok_per_s"] or 1
            repeat("me_overload_2x", lambda: open_run("me", round(2 * me_capacity), server))

        ctx = org_scenarios.Context(env, workdir, HOST, server.port, args.duration, args.runs, results, summarise)
        for name, scenario in (
            ("audit-export", org_scenarios.audit_export),
            ("members", org_scenarios.members),
            ("api-key", org_scenarios.api_key_vs_jwt),
            ("passkey", org_scenarios.passkey),
        ):
            if name in selected:
                scenario(ctx, repeat)

    Path(args.output).write_text(json.dumps(results, indent=2))
    print("wrote", args.output)


def machine_facts():
    cpu = ""
    try:
        cpu = next(line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo") if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    versions = {}
    for package in ("django", "djangorestframework", "gunicorn", "psycopg", "argon2-cffi", "pyjwt"):
        out = subprocess.run([PYTHON, "-m", "pip", "show", package], capture_output=True, text=True).stdout
        match = re.search(r"^Version: (.+)$", out, re.M)
        versions[package] = match.group(1) if match else "?"
    pg = subprocess.run(
        ["psql", "-h", HOST, "-U", "postgres", "-tAc", "show server_version"], capture_output=True, text=True
    )
    redis = subprocess.run(["redis-server", "--version"], capture_output=True, text=True)
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "python": platform.python_version(),
        "kernel": platform.release(),
        "postgresql": pg.stdout.strip(),
        "redis": redis.stdout.split()[2] if redis.stdout else "?",
        "packages": versions,
    }


if __name__ == "__main__":
    sys.exit(main())
