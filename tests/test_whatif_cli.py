"""``xlcompliance whatif``: argument handling (serving itself is covered by test_browser.py)."""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from xlcompliance.cli import main
from xlcompliance.cli.whatif import HOST, notebook_path, voila_command


def test_listed_in_help(capsys):
    with pytest.raises(SystemExit):
        main(["--help"])
    assert "whatif" in capsys.readouterr().out


def test_bundled_notebook_ships_with_the_package(tmp_path):
    """One copy: notebooks/whatif.ipynb; the package's entry resolves to it and the wheel holds its bytes."""
    path = notebook_path()
    repo = Path(__file__).resolve().parents[1]
    assert path.is_file() and path.resolve() == (repo / "notebooks" / "whatif.ipynb").resolve()
    src = tmp_path / "src"  # a copy, so the build writes nothing into the checkout (symlinks kept)
    src.mkdir()
    for name in ("pyproject.toml", "README.md", "xlcompliance", "notebooks"):
        copy = shutil.copytree if (repo / name).is_dir() else shutil.copy2
        copy(repo / name, src / name, **({"symlinks": True, "ignore": shutil.ignore_patterns("__pycache__")}
                                         if copy is shutil.copytree else {}))
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", str(src), "-w", str(tmp_path)],
        check=True, capture_output=True, cwd=tmp_path,
    )
    (wheel,) = tmp_path.glob("xlcompliance-*.whl")
    with zipfile.ZipFile(wheel) as zf:
        assert zf.read("xlcompliance/notebook/whatif.ipynb") == path.read_bytes()


def test_serves_on_loopback_only(tmp_path):
    cmd = voila_command(tmp_path / "n.ipynb", 1234)
    assert "--Voila.ip=127.0.0.1" in cmd and "--port=1234" in cmd and "--no-browser" in cmd


def test_missing_notebook_is_a_one_line_error(tmp_path, capsys):
    assert main(["whatif", "--notebook", str(tmp_path / "nope.ipynb")]) == 2
    err = capsys.readouterr().err
    assert "nope.ipynb" in err and len(err.strip().splitlines()) == 1


def test_port_in_use_is_a_one_line_error(capsys):
    with socket.socket() as s:
        s.bind((HOST, 0))
        s.listen()
        port = s.getsockname()[1]
        assert main(["whatif", "--port", str(port)]) == 2
    assert f"port {port}" in capsys.readouterr().err
