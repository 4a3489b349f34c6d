"""Is there a Docker engine? (The client alone is not enough: `docker info` must answer.)"""

from __future__ import annotations

import shutil
import subprocess


def docker_engine_available() -> bool:
    if not shutil.which("docker"):
        return False
    try:
        return subprocess.run(["docker", "info"], capture_output=True, timeout=10).returncode == 0
    except (OSError, subprocess.SubprocessError):
        return False
