"""Every ```python example in README.md runs as written, in a fresh interpreter, in an empty folder.

A new user copies these first; each block must stand alone (its own imports, the bundled sample
through ``xlcompliance.sample()`` instead of files the user does not have).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

README = Path(__file__).resolve().parents[1] / "README.md"
BLOCK = re.compile(r"^```python[ \t]*\n(.*?)^```[ \t]*$", re.MULTILINE | re.DOTALL)


def python_blocks() -> list[str]:
    return BLOCK.findall(README.read_text(encoding="utf-8"))


def test_the_readme_has_python_examples():
    assert len(python_blocks()) >= 3


@pytest.mark.parametrize("number", range(len(python_blocks())))
def test_readme_python_example_runs(number, tmp_path):
    code = python_blocks()[number]
    env = {**os.environ, "MPLBACKEND": "Agg"}
    root = str(README.parent)  # the package under test, as installed for the user
    env["PYTHONPATH"] = os.pathsep.join(p for p in (root, env.get("PYTHONPATH")) if p)
    done = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, env=env, capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0, f"README python block {number + 1} failed:\n{code}\n{done.stderr}"
