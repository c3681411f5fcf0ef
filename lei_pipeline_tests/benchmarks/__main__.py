"""`make bench`: every benchmark in one process, each printing ratios measured in the same run."""
import importlib
import pkgutil
import sys
from pathlib import Path


def main() -> int:
    here = Path(__file__).parent
    # `python -m lei_pipeline_tests.benchmarks [bench_x ...] [--option value ...]`: names pick the
    # benchmarks, everything else is passed on to each benchmark's own argument parsing.
    names = [a for a in sys.argv[1:] if a.startswith("bench_")]
    rest = [a for a in sys.argv[1:] if not a.startswith("bench_")]
    names = names or sorted(m.name for m in pkgutil.iter_modules([str(here)]) if m.name.startswith("bench_"))
    for name in names:
        print(f"\n=== {name} ===", flush=True)
        sys.argv = [f"{name}.py", *rest]
        importlib.import_module(f"lei_pipeline_tests.benchmarks.{name}").main()
    return 0


if __name__ == "__main__":
    sys.exit(main())
