"""Benchmark: the three sample waves on Dagster's multiprocess executor, serially and in parallel,
in the same run (lei_pipeline.defs.multiprocess).

    python -m lei_pipeline_tests.benchmarks bench_parallel_waves [--waves-at-once 2] [--max-concurrent 1]

serial: one run at a time (`--waves-at-once 1`); parallel: up to --waves-at-once runs at a time.
Each is a fresh child process on a fresh copy of data/ and a fresh Dagster instance, so both pay
the same start-up; the ratio serial / parallel is what running waves at once gains. Both publish
the same tables (checked here by their content hashes)."""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

WAVES = ["2022", "2024", "2025"]


def _run(root: Path, label: str, waves_at_once: int, max_concurrent: int) -> tuple[float, dict]:
    from lei_pipeline_tests.support.project_data import copy_data_dir
    from lei_pipeline_tests.support.table_hashes import published_hashes

    data = copy_data_dir(root / label / "data", waves=WAVES)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LEI_", "DAGSTER_"))}
    env.update(LEI_DATA_DIR=str(data), DAGSTER_HOME=str(root / label / "dagster_home"),
               DAGSTER_DISABLE_TELEMETRY="1", GX_ANALYTICS_ENABLED="false")
    args = [a for w in WAVES for a in ("--wave", w)]
    start = time.perf_counter()
    r = subprocess.run([sys.executable, "-m", "lei_pipeline.defs.multiprocess", *args,
                        "--waves-at-once", str(waves_at_once), "--max-concurrent", str(max_concurrent)],
                       env=env, capture_output=True, text=True)
    seconds = time.perf_counter() - start
    if r.returncode != 0:
        raise SystemExit(f"{label} run failed:\n{(r.stdout + r.stderr)[-3000:]}")
    return seconds, published_hashes(data / "published")


def main(argv: list[str] | None = None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--waves-at-once", type=int, default=2)
    ap.add_argument("--max-concurrent", type=int, default=1)
    args, _ = ap.parse_known_args(argv)
    print(f"bench_parallel_waves: waves {', '.join(WAVES)} on the multiprocess executor "
          f"(max_concurrent {args.max_concurrent} step processes per run), {os.cpu_count()} cores")
    with tempfile.TemporaryDirectory(prefix="lei-bench-waves-") as tmp:
        root = Path(tmp)
        serial, serial_tables = _run(root, "serial", 1, args.max_concurrent)
        parallel, parallel_tables = _run(root, "parallel", args.waves_at_once, args.max_concurrent)
    same = serial_tables == parallel_tables
    print(f"  serial   (1 run at a time):  {serial:7.1f} s")
    print(f"  parallel ({args.waves_at_once} runs at a time): {parallel:7.1f} s")
    print(f"  ratio serial / parallel:     {serial / parallel:7.2f}x   (same published tables: {same})")
    return {"serial": serial, "parallel": parallel, "ratio": serial / parallel, "same_tables": same}


if __name__ == "__main__":
    main()
