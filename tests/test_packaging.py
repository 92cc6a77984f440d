"""The package as a user installs it: metadata without build warnings, and what the shipped code
needs declared as a dependency (not arriving by luck through the development extras)."""

from __future__ import annotations

import shutil
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def pyproject() -> dict:
    return tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))


def test_defusedxml_is_a_dependency_of_the_shipped_package():
    # openpyxl guards against XML entity attacks (billion laughs in a crafted xlsx) only when
    # defusedxml is importable; the readers of user exports rely on that
    names = [d.split(">")[0].split("=")[0].split("[")[0].strip().lower() for d in pyproject()["project"]["dependencies"]]
    assert "defusedxml" in names
    import openpyxl.xml

    assert openpyxl.xml.DEFUSEDXML


def test_wheel_builds_without_deprecation_warnings_and_with_an_spdx_licence(tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(REPO / name, src / name)
    shutil.copytree(REPO / "xlcompliance", src / "xlcompliance",
                    ignore=shutil.ignore_patterns("__pycache__"))
    done = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-v", str(src), "-w", str(tmp_path / "dist")],
        capture_output=True, text=True, timeout=600,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    log = done.stdout + done.stderr
    assert "SetuptoolsDeprecationWarning" not in log, log[-3000:]
    assert "License classifiers are deprecated" not in log and "project.license` as a TOML table" not in log
    (wheel,) = (tmp_path / "dist").glob("xlcompliance-*.whl")
    with zipfile.ZipFile(wheel) as z:
        meta = z.read(next(n for n in z.namelist() if n.endswith(".dist-info/METADATA"))).decode()
    assert "License-Expression: MIT" in meta
    assert any(line.startswith("Requires-Dist: defusedxml") for line in meta.splitlines())
