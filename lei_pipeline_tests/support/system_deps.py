"""Installs the system packages the test suite needs (PostgreSQL server, Chromium) when they
are missing. Runs before pytest in `make test`; tests never need anything installed by hand.
Under CI=true a package that cannot be installed fails the run instead of skipping tests."""
from __future__ import annotations

import glob
import os
import shutil
import subprocess
import sys

PACKAGES = {
    "postgresql": lambda: bool(glob.glob("/usr/lib/postgresql/*/bin/initdb")),
    "chromium": lambda: shutil.which("chromium") is not None,
}


def missing() -> list[str]:
    return [pkg for pkg, present in PACKAGES.items() if not present()]


def install(pkgs: list[str]) -> bool:
    if not pkgs:
        return True
    if os.geteuid() != 0 or shutil.which("apt-get") is None:
        return False
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    subprocess.run(["apt-get", "update", "-qq"], env=env, check=False, stdout=subprocess.DEVNULL)
    r = subprocess.run(["apt-get", "install", "-y", "-qq", *pkgs], env=env, check=False, stdout=subprocess.DEVNULL)
    return r.returncode == 0


def main() -> int:
    need = missing()
    if need:
        print(f"system_deps: installing {', '.join(need)}", flush=True)
        install(need)
    still = missing()
    if still:
        msg = f"system_deps: missing {', '.join(still)} (could not install)"
        print(msg, file=sys.stderr)
        return 1 if os.environ.get("CI") == "true" else 0
    print("system_deps: postgresql and chromium present")
    return 0


if __name__ == "__main__":
    sys.exit(main())
