"""Serving load test: gunicorn with production settings on 127.0.0.1, driven by wrk.

    make loadtest                       # or: python bench/load.py
    python bench/load.py --seconds 10   # shorter runs

Prepares a SQLite database with ``--articles`` generated articles (bench/site.py's
generator), runs ``collectstatic`` and starts gunicorn exactly as ``make serve``
does (production settings, newsroom/gunicorn.conf.py, HTTPS redirect off for
local HTTP) on 127.0.0.1:``--port``, with Redis database 14 as the cache when
articles/caching.py exists (``--no-cache`` for the local memory cache). Then
``wrk`` loads each page type for ``--seconds`` seconds, one after the other, and
the server is stopped. Only ever 127.0.0.1. Every figure comes from one run:
front-page throughput is given as a ratio to the trivial view (``/robots.txt``,
a view with no database or cache access) served by the same gunicorn.
"""

import argparse
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

HOST = "127.0.0.1"
REDIS_URL = "redis://127.0.0.1:6379/14"
TARGET_FRONT_TO_TRIVIAL = 0.3


def prepare(env: dict, articles: int) -> dict:
    """Migrate, generate data and collect static files; return the paths to load."""
    script = (
        "import django, json, sys; django.setup();"
        "from django.core.management import call_command; call_command('migrate', verbosity=0);"
        "from bench.site import generate; pages = generate(int(sys.argv[1]));"
        "from articles.models import Article;"
        "print(json.dumps(pages))"
    )
    build_env = {**env, "DJANGO_SETTINGS_MODULE": "newsroom.settings.local", "DJANGO_DEBUG": "false"}
    build_env.pop("REDIS_URL", None)
    output = subprocess.run(
        [sys.executable, "-c", script, str(articles)],
        cwd=ROOT,
        env=build_env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    pages = json.loads(output.strip().splitlines()[-1])
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v", "0"], cwd=ROOT, env=env, check=True
    )
    return pages


def port_in_use(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex((HOST, port)) == 0


def wait_healthy(url: str, server: subprocess.Popen, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and server.poll() is None:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 - http://127.0.0.1 only
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise SystemExit(f"gunicorn did not answer {url} (exit status {server.poll()})")


def to_ms(text: str) -> float:
    value, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text).groups()
    return float(value) * {"us": 0.001, "ms": 1, "s": 1000, "m": 60_000}[unit]


def run_wrk(url: str, seconds: int, connections: int, threads: int) -> dict:
    output = subprocess.run(
        ["wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--latency", "--timeout", "10s", url],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    percentiles = dict(re.findall(r"^\s+(50|99)%\s+(\S+)$", output, re.MULTILINE))
    requests = int(re.search(r"(\d+) requests in", output).group(1))
    errors = sum(int(n) for n in re.findall(r"(?:connect|read|write|timeout) (\d+)", output))
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    return {
        "url": url,
        "requests": requests,
        "requests_per_s": float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1)),
        "p50_ms": to_ms(percentiles["50"]),
        "p99_ms": to_ms(percentiles["99"]),
        "errors": errors + (int(non_2xx.group(1)) if non_2xx else 0),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description="Bounded load test of gunicorn on 127.0.0.1 (wrk).")
    parser.add_argument("--seconds", type=int, default=30, help="Per page type (30).")
    parser.add_argument("--articles", type=int, default=10_000, help="Generated articles in the database.")
    parser.add_argument("--connections", type=int, default=8, help="wrk connections (8).")
    parser.add_argument("--threads", type=int, default=1, help="wrk threads (1: the machine has few cores).")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--no-cache", action="store_true", help="Local memory cache instead of Redis.")
    parser.add_argument("--json", type=Path, default=ROOT / "bench" / "out" / "load.json")
    args = parser.parse_args()
    if not shutil.which("wrk"):
        raise SystemExit("wrk is missing: apt-get install -y wrk")

    workdir = Path(tempfile.mkdtemp(prefix="newsroom-load-"))
    caching = (ROOT / "articles" / "caching.py").exists() and not args.no_cache
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "newsroom.settings.production",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "DJANGO_SECURE_SSL_REDIRECT": "false",
        "DJANGO_ALLOWED_HOSTS": HOST,
        "SQLITE_PATH": str(workdir / "load.sqlite3"),
        "STATIC_ROOT": str(workdir / "static"),
        "GUNICORN_BIND": f"{HOST}:{args.port}",
        "NEWSROOM_REQUEST_LOG_LEVEL": "WARNING",  # one log line per request would measure the terminal
    }
    env.pop("DATABASE_URL", None)
    env.pop("REDIS_URL", None)
    if caching:
        env["REDIS_URL"] = REDIS_URL
        subprocess.run(["redis-cli", "-u", REDIS_URL, "flushdb"], check=True, capture_output=True)

    if port_in_use(args.port):
        raise SystemExit(f"{HOST}:{args.port} is in use; choose another with --port")
    pages = prepare(env, args.articles)
    base = f"http://{HOST}:{args.port}"
    targets = {
        "trivial view (/robots.txt)": "/robots.txt",
        "front page": "/",
        "article page": pages["article page"],
        "topic page": pages["topic page"],
        "API list": "/api/news/",
    }
    server = subprocess.Popen(
        [str(Path(sys.executable).parent / "gunicorn"), "-c", "newsroom/gunicorn.conf.py", "newsroom.wsgi"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=open(workdir / "gunicorn.log", "w"),  # noqa: SIM115 - closed with the process
        start_new_session=True,
    )
    results = {}
    try:
        wait_healthy(f"{base}/healthz", server)
        for name, path in targets.items():
            # Warm-up (templates, the page cache); http://127.0.0.1 only.
            with urllib.request.urlopen(base + path, timeout=10) as response:  # noqa: S310
                assert response.status == 200, (name, response.status)
            results[name] = run_wrk(base + path, args.seconds, args.connections, args.threads)
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
    load = os.getloadavg()
    trivial = results["trivial view (/robots.txt)"]["requests_per_s"]
    summary = {
        "machine": f"{os.cpu_count()} CPUs, load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} after the run",
        "cache": "redis (db 14)" if caching else "local memory",
        "articles": args.articles,
        "seconds": args.seconds,
        "connections": args.connections,
        "results": results,
        "front_to_trivial": results["front page"]["requests_per_s"] / trivial,
    }
    print(f"load test: gunicorn on {HOST}, cache {summary['cache']}, {args.articles:,} articles, {summary['machine']}")
    for name, row in results.items():
        print(
            f"  {name:28} {row['requests_per_s']:8.0f} req/s  p50 {row['p50_ms']:6.1f} ms  p99 {row['p99_ms']:6.1f} ms"
            f"  {row['requests']} requests, {row['errors']} errors"
        )
    verdict = "ok" if summary["front_to_trivial"] >= TARGET_FRONT_TO_TRIVIAL else "MISSED"
    print(
        f"  front page / trivial view: {summary['front_to_trivial']:.2f} (target >= {TARGET_FRONT_TO_TRIVIAL}) {verdict}"
    )
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(summary, indent=2))
    shutil.rmtree(workdir, ignore_errors=True)
    if any(row["errors"] for row in results.values()):
        raise SystemExit("load test: errors (see above)")


if __name__ == "__main__":
    main()
