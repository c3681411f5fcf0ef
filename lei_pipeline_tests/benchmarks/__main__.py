"""`make bench`: every benchmark in one process, each printing ratios measured in the same run."""
import importlib
import pkgutil
import sys
from pathlib import Path


def main() -> int:
    here = Path(__file__).parent
    names = sys.argv[1:] or sorted(m.name for m in pkgutil.iter_modules([str(here)]) if m.name.startswith("bench_"))
    for name in names:
        print(f"\n=== {name} ===", flush=True)
        importlib.import_module(f"lei_pipeline_tests.benchmarks.{name}").main()
    return 0


if __name__ == "__main__":
    sys.exit(main())
