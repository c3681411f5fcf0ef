"""Publishes sample tables from a separate process (crash and concurrency tests).

    python -m lei_pipeline_tests.publish.publisher_proc DATA_DIR CATALOG_URL METHODOLOGY VARIANT
        [--crash-before-rename] [--wait-for FILE]

Prints one JSON line: {"version": n, "unchanged": bool}."""
from __future__ import annotations

import argparse
import json
import os
import signal
import time
from pathlib import Path

from lei_pipeline.publish import publish_snapshot
from lei_pipeline.publish import snapshot as snapshot_module
from lei_pipeline.settings import Settings
from lei_pipeline_tests.support.sample_tables import build_tables, provenance


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("data_dir")
    ap.add_argument("catalog_url")
    ap.add_argument("methodology")
    ap.add_argument("variant", type=int)
    ap.add_argument("--wave", default="2024")
    ap.add_argument("--crash-before-rename", action="store_true")
    ap.add_argument("--wait-for")
    ap.add_argument("--quality", action="store_true")
    args = ap.parse_args()
    if args.crash_before_rename:
        # SIGKILL: no finally blocks, no atexit; exactly what a killed worker leaves behind
        snapshot_module.HOOKS["before_rename"] = lambda: os.kill(os.getpid(), signal.SIGKILL)
    settings = Settings.from_env(data_dir=args.data_dir, catalog_url=args.catalog_url)
    tables = build_tables(args.wave, variant=args.variant)
    if args.wait_for:
        Path(args.wait_for + f".ready-{os.getpid()}").touch()
        while not Path(args.wait_for).exists():
            time.sleep(0.005)
    r = publish_snapshot(settings, args.wave, tables, provenance(Path(args.methodology), run_id=f"pid-{os.getpid()}"),
                         quality=args.quality)
    print(json.dumps({"version": r.version, "unchanged": r.unchanged}))


if __name__ == "__main__":
    main()
