"""Newsroom's benchmarks: every figure a ratio of two timings taken in the same run.

    make bench                    # import at 10,000 files, memory at 100,000, site at 1,000 vs 100,000 articles
    python bench/run.py --help    # sizes and sections

Import: ``manage.py import_seeds`` into a fresh SQLite database (or the
PostgreSQL of DATABASE_URL with --postgres), as a subprocess, against parsing
the same files with ``yaml.CSafeLoader`` alone in this process. Peak memory
is the largest proportional set size (PSS) of the import and its worker
processes together, sampled every 50 ms.
"""

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.corpus import write_corpus  # noqa: E402
from bench.site import bench_site, print_site  # noqa: E402

PYTHON = sys.executable
IMPORT_TARGETS = {"sqlite": 0.5, "postgresql": 0.4}  # import rate / parse-only rate


def parse_only_seconds(paths: list[Path]) -> float:
    """Read each file and parse its front matter with the C loader: the floor an importer stands on."""
    started = time.perf_counter()
    for path in paths:
        text = path.read_text(encoding="utf-8")
        yaml.load(text[4 : text.index("\n---", 3)], Loader=yaml.CSafeLoader)
    return time.perf_counter() - started


def manage(*args: str) -> list[str]:
    return [PYTHON, "manage.py", *args]


def fresh_database(workdir: Path, postgres: bool) -> dict:
    # DEBUG off, as in production: with it on, Django keeps a log of recent queries.
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "newsroom.settings.local", "DJANGO_DEBUG": "false"}
    if postgres:
        url = os.environ.get("DATABASE_URL") or "postgres://postgres@127.0.0.1:5432/newsroom"
        # Named after DATABASE_URL's database, so that benchmarks run against different ones do not collide.
        server, database = url.rsplit("/", 1)
        admin_url, name = server + "/postgres", f"{database or 'newsroom'}_bench"
        subprocess.run(["psql", admin_url, "-qc", f"DROP DATABASE IF EXISTS {name}"], check=True)
        subprocess.run(["psql", admin_url, "-qc", f"CREATE DATABASE {name}"], check=True)
        env["DATABASE_URL"] = f"{server}/{name}"
    else:
        env.pop("DATABASE_URL", None)
        env["SQLITE_PATH"] = str(workdir / "bench.sqlite3")
        for leftover in workdir.glob("bench.sqlite3*"):  # a kept --workdir must not start with old rows
            leftover.unlink()
    subprocess.run(manage("migrate", "-v", "0"), cwd=ROOT, env=env, check=True)
    return env


def tree_memory(pid: int) -> int:
    """Bytes of memory held by a process and all its descendants (Linux /proc).

    Proportional set size, not RSS: forked workers share the parent's pages
    copy-on-write, and adding their RSS would count those pages once per process.
    """
    total, stack = 0, [pid]
    while stack:
        current = stack.pop()
        try:
            rollup = Path(f"/proc/{current}/smaps_rollup").read_text()
            total += int(rollup.split("\nPss:")[1].split()[0]) * 1024
            for task in Path(f"/proc/{current}/task").iterdir():
                stack += [int(child) for child in (task / "children").read_text().split()]
        except (FileNotFoundError, ProcessLookupError, ValueError):
            continue
    return total


def run_import(env: dict, corpus: Path, watch_memory: bool = False) -> tuple[float, int, str]:
    """Run the import; return (seconds, peak memory of it and its worker processes together, summary).

    Memory is watched only when asked: reading a process's memory map takes
    a lock that the process needs to grow, and 20 readings a second slowed
    a 10,000-file import on PostgreSQL by a sixth. Time and memory therefore
    come from separate runs.
    """
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        started = time.perf_counter()
        process = subprocess.Popen(manage("import_seeds", str(corpus)), cwd=ROOT, env=env, stdout=out, stderr=err)
        peak = 0
        if watch_memory:
            while process.poll() is None:
                peak = max(peak, tree_memory(process.pid))
                time.sleep(0.05)
        process.wait()
        seconds = time.perf_counter() - started
        out.seek(0)
        err.seek(0)
        if process.returncode not in (0, 1):
            raise SystemExit(f"import failed:\n{err.read().decode()}")
        return seconds, peak, out.read().decode().strip()


def bench_import(count: int, postgres: bool, workdir: Path, rounds: int = 3) -> dict:
    """Import rate against parse-only rate, each ratio from one round; the median round is reported.

    A 2-CPU machine's timings wander by a tenth from one run to the next, so
    each round times parse-only and then the import back to back (one ratio),
    and the round with the median ratio stands for the engine; every round's
    ratio is kept in the results.
    """
    corpus = workdir / f"corpus-{count}"
    if not corpus.exists():
        write_corpus(count, corpus)
    paths = sorted(corpus.rglob("*.md"))
    measured = []
    for _ in range(rounds):
        parse_seconds = parse_only_seconds(paths)
        env = fresh_database(workdir, postgres)
        first_seconds, _, first_summary = run_import(env, corpus)
        again_seconds, _, again_summary = run_import(env, corpus)
        measured.append(
            {
                "parse_only_files_per_s": count / parse_seconds,
                "import_files_per_s": count / first_seconds,
                "import_to_parse_ratio": parse_seconds / first_seconds,
                "reimport_speedup": first_seconds / again_seconds,
                "first_summary": first_summary,
                "again_summary": again_summary,
            }
        )
    median = sorted(measured, key=lambda round_: round_["import_to_parse_ratio"])[len(measured) // 2]
    _, peak, _ = run_import(fresh_database(workdir, postgres), corpus, watch_memory=True)
    return {
        "files": count,
        "engine": "postgresql" if postgres else "sqlite",
        **median,
        "ratios_of_every_round": [round(round_["import_to_parse_ratio"], 3) for round_ in measured],
        "peak_memory_mb": peak / 2**20,
    }


def bench_memory(count: int, workdir: Path) -> dict:
    corpus = workdir / f"corpus-{count}"
    if not corpus.exists():
        write_corpus(count, corpus)
    env = fresh_database(workdir, postgres=False)
    seconds, peak, summary = run_import(env, corpus, watch_memory=True)
    return {"files": count, "seconds": seconds, "peak_memory_mb": peak / 2**20, "summary": summary}


def main() -> None:
    parser = argparse.ArgumentParser(description="Newsroom benchmarks (ratios measured in one run).")
    parser.add_argument("--files", type=int, default=10_000, help="Files for the import benchmark (10,000).")
    parser.add_argument("--memory-files", type=int, default=100_000, help="Files for peak memory (100,000; 0 skips).")
    parser.add_argument("--postgres", action="store_true", help="Also import into PostgreSQL (DATABASE_URL).")
    parser.add_argument(
        "--site", action="store_true", help="Also the site benchmark (bench/site.py), 1,000 vs 100,000."
    )
    parser.add_argument(
        "--rounds", type=int, default=3, help="Import rounds per engine; the median ratio is reported (3)."
    )
    parser.add_argument("--no-import", action="store_true", help="Skip the import benchmarks.")
    parser.add_argument("--workdir", type=Path, help="Keep corpora and databases here (default: a temp dir).")
    parser.add_argument("--json", type=Path, default=ROOT / "bench" / "out" / "results.json", help="Results file.")
    args = parser.parse_args()

    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="newsroom-bench-"))
    workdir.mkdir(parents=True, exist_ok=True)
    results = {
        "machine": f"{platform.node()} {platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}",
        "load_average_before": os.getloadavg(),
        "import": [],
    }
    if not args.no_import:
        results["import"].append(bench_import(args.files, postgres=False, workdir=workdir, rounds=args.rounds))
        if args.postgres:
            results["import"].append(bench_import(args.files, postgres=True, workdir=workdir, rounds=args.rounds))
        if args.memory_files:
            results["memory"] = bench_memory(args.memory_files, workdir)
    if args.site:
        results["site"] = [bench_site(postgres=False)]
        if args.postgres:
            results["site"].append(bench_site(postgres=True))
    results["load_average_after"] = os.getloadavg()

    print(f"Machine: {results['machine']}")
    for row in results["import"]:
        print(
            f"import {row['files']:,} files into {row['engine']}: {row['import_files_per_s']:,.0f} files/s, "
            f"parse-only {row['parse_only_files_per_s']:,.0f} files/s -> ratio {row['import_to_parse_ratio']:.2f} "
            f"(median of {', '.join(f'{ratio:.2f}' for ratio in row['ratios_of_every_round'])}; "
            f"target >= {IMPORT_TARGETS[row['engine']]}); re-import {row['reimport_speedup']:.1f}x faster (target >= 3); "
            f"peak memory {row['peak_memory_mb']:.0f} MB"
        )
    if "memory" in results:
        memory = results["memory"]
        print(
            f"import {memory['files']:,} files: peak memory {memory['peak_memory_mb']:.0f} MB (target < 250 MB), "
            f"{memory['seconds']:.0f} s"
        )
    for site in results.get("site", []):
        print_site(site)
    before, after = results["load_average_before"], results["load_average_after"]
    print(f"Load average (1 min): {before[0]:.2f} before, {after[0]:.2f} after")
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(results, indent=2))
    print(f"Results written to {args.json}")
    if not args.workdir:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
