"""Render bench/results.json as docs/benchmarks.md."""

import json
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

ROWS = [
    ("Reference: bare Django JSON view, throughput (wrk, 64 connections)", "bare_throughput", None),
    ("JWKS, throughput (wrk, 64 connections)", "jwks_throughput", "at least 4,000/s"),
    ("GET /api/v1/me, throughput (wrk, 64 connections)", "me_throughput", "at least 1,500/s"),
    ("GET /api/v1/me at 1,000/s offered", "me_at_1000", "P95 at most 25 ms"),
    ("GET /api/v1/me at twice its capacity", "me_overload_2x", "bounded latency, excess refused fast"),
    ("Refresh with rotation, throughput (32 clients)", "refresh_throughput", "at least 900/s"),
    ("Refresh at 600/s offered", "refresh_at_600", "P95 at most 50 ms"),
    ("Refresh at twice its capacity", "refresh_overload_2x", "bounded latency, excess refused fast"),
    ("Password login, throughput (16 clients)", "login_throughput", "at least 75% of the hash ceiling"),
    ("Password login at 75% of the hash ceiling", "login_at_75pct_ceiling", "served without refusals"),
    ("Password login at twice its capacity", "login_overload_2x", "bounded latency, excess refused fast"),
    ("GET /api/v1/me at 200/s, idle", "audit_export_me_idle", None),
    (
        "GET /api/v1/me at 200/s during a 1,000,000-event NDJSON export",
        "audit_export_me_during",
        "P95 within 2x of idle",
    ),
    ("Members list (10,000 members), pages at 100/s", "members_pages_at_100", "P95 at most 50 ms"),
    ("Organization by API key, throughput (32 clients)", "org_api_key_throughput", "within 10% of JWT"),
    ("Organization by JWT, throughput (32 clients)", "org_jwt_throughput", None),
    ("Organization by API key at 300/s", "org_api_key_at_300", "P95 within 10% of JWT"),
    ("Organization by JWT at 300/s", "org_jwt_at_300", None),
    ("Passkey sign-in (options + assertion), throughput (16 clients)", "passkey_throughput", "at least 300/s"),
    ("Passkey sign-in at 200/s", "passkey_at_200", "P95 at most 50 ms"),
    (
        "Passkey assertion verification alone, throughput (16 clients)",
        "passkey_assertion_throughput",
        "at least 300/s",
    ),
    ("Passkey assertion verification alone at 200/s", "passkey_assertion_at_200", "P95 at most 50 ms"),
]


def fmt(value, unit=""):
    if value is None:
        return "–"
    if isinstance(value, float) and value >= 100:
        value = round(value)
    return f"{value:,}{unit}" if isinstance(value, int) else f"{value}{unit}"


def render(results):
    machine = results["machine"]
    packages = ", ".join(f"{name} {version}" for name, version in machine["packages"].items())
    references = []
    if "hash_ms" in results:
        references.append(
            f"- One password hash (Argon2id, m=19 MiB, t=2, p=1) on one core: {results['hash_ms']} ms, so the "
            f"login ceiling on {machine['cores']} cores is **{results['login_ceiling_per_s']}/s**."
        )
    if "bare_throughput" in results:
        references.append(f"- Bare Django JSON view: **{fmt(results['bare_throughput']['ok_per_s'])}/s**.")
    lines = [
        "# Benchmarks",
        "",
        "Measured by `bench/run` (see `bench/run.py`): gunicorn with "
        f"{results['workers']} gthread workers on PostgreSQL and Redis, load from a second process on "
        f"loopback, {results['duration_s']:g} s per run, each figure the median of {results['runs']} runs.",
        "Fixed-rate rows use an open model: requests start on schedule whatever the server does, and",
        "latency counts from each request's due time. Throughput rows run a closed loop of clients.",
        "The load generator shares the machine's cores with the server, so every figure is a lower bound.",
        "",
        "## Machine",
        "",
        f"- CPU: {machine['cpu']} ({machine['cores']} cores), kernel {machine['kernel']}",
        f"- Python {machine['python']}, PostgreSQL {machine['postgresql']}, Redis {machine['redis']}",
        f"- {packages}",
        "",
    ]
    if references:
        lines += ["## References measured in the same run", "", *references, ""]
    lines += [
        "## Results",
        "",
        "| scenario | offered/s | served OK/s | P50 ms | P95 ms | P99 ms | statuses (all runs) | target |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for label, key, target in ROWS:
        row = results.get(key)
        if not row:
            continue
        statuses = ", ".join(f"{code}: {count}" for code, count in row.get("statuses_all_runs", {}).items()) or "–"
        lines.append(
            f"| {label} | {fmt(row.get('offered_rate'))} | {fmt(row.get('ok_per_s'))} | {fmt(row.get('p50_ms'))} | "
            f"{fmt(row.get('p95_ms'))} | {fmt(row.get('p99_ms'))} | {statuses} | {target or ''} |"
        )
    login = results.get("login_throughput", {}).get("ok_per_s")
    if login:
        share = round(100 * login / results["login_ceiling_per_s"])
        lines += ["", f"Password login reached **{share}%** of the hash ceiling."]
    lines += _organization_notes(results)
    notes = Path(ROOT / "bench" / "notes.md")
    if notes.exists():
        lines += ["", notes.read_text().strip()]
    lines.append("")
    return "\n".join(lines)


def _organization_notes(results):
    """Render the figures of the organization scenarios that do not fit the table."""
    lines = []
    export = results.get("audit_export")
    if export:
        lines += [
            "",
            f"Audit export: {fmt(export.get('rows'))} events as NDJSON ({fmt(export.get('file_mb'))} MB) in "
            f"**{fmt(export.get('seconds'))} s** (target at most 15 s), peak RSS growth "
            f"**{fmt(export.get('peak_rss_growth_mb'))} MB** (target under 100 MB); GET /api/v1/me P95 during the "
            f"export was **{fmt(export.get('me_p95_during_over_idle'))}x** its idle P95 (target at most 2x).",
        ]
    walk = results.get("members_walk")
    if walk:
        lines += [
            "",
            f"Members walk: {fmt(walk['members'])} members in {walk['pages']} pages fetched one after another, "
            f"P95 per page **{fmt(walk['p95_ms'])} ms**, slowest page {fmt(walk['max_ms'])} ms "
            "(target P95 at most 50 ms).",
        ]
    versus = results.get("api_key_vs_jwt")
    if versus:
        lines += [
            "",
            f"API key against JWT on the same endpoint: throughput ratio **{fmt(versus['throughput_ratio'])}**, "
            f"P95 ratio at 300/s **{fmt(versus['p95_ratio'])}** (target: throughput ratio at least 0.9, "
            "P95 ratio at most 1.1; an API key faster than a JWT is not a miss).",
        ]
    return lines


def main():
    results = json.loads((ROOT / "bench" / "results.json").read_text())
    (ROOT / "docs" / "benchmarks.md").write_text(render(results))
    print("wrote docs/benchmarks.md")


if __name__ == "__main__":
    main()
