"""Run the real `lei` console script, as a user runs it."""
from __future__ import annotations

import os
import subprocess
import sys


def lei(env, *args, timeout=300):
    """The real console script, as a user runs it."""
    exe = os.path.join(os.path.dirname(sys.executable), "lei")
    return subprocess.run([exe, *map(str, args)], env=env, capture_output=True, text=True, timeout=timeout)
