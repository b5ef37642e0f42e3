"""Run the Node helpers in tests/js (headless Chromium via playwright-core, graphology-gexf).

Skips only when Node or Chromium is truly absent; missing npm packages are an error, because
`make setup` installs them (npm ci in tests/js).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

JS = Path(__file__).resolve().parent / "js"
CHROMIUM = os.environ.get("KG_CHROMIUM", "/usr/bin/chromium")


def require_node() -> str:
    node = shutil.which("node")
    if node is None:
        pytest.skip("Node.js is not installed (make setup installs it as root: apt-get install nodejs npm)")
    if not (JS / "node_modules").is_dir():
        pytest.fail("tests/js/node_modules is missing: run `make setup` (npm ci in tests/js)")
    return node


def require_chromium() -> None:
    if not Path(CHROMIUM).exists():
        pytest.skip(f"Chromium not found at {CHROMIUM} (make setup installs Debian's chromium and fonts-noto-cjk)")


def run_node(script: str, *args: str | os.PathLike[str], timeout: float = 120) -> Any:
    """Run tests/js/SCRIPT with ARGS; its stdout is one JSON document."""
    node = require_node()
    proc = subprocess.run([node, str(JS / script), *map(str, args)], capture_output=True, text=True,
                          timeout=timeout, cwd=JS)
    assert proc.returncode == 0, f"{script} failed:\n{proc.stderr}"
    return json.loads(proc.stdout)
