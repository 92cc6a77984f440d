"""``xlcompliance whatif``: argument handling (serving itself is covered by test_browser.py)."""

from __future__ import annotations

import socket

import pytest

from xlcompliance.cli import main
from xlcompliance.cli.whatif import HOST, notebook_path, voila_command


def test_listed_in_help(capsys):
    with pytest.raises(SystemExit):
        main(["--help"])
    assert "whatif" in capsys.readouterr().out


def test_bundled_notebook_ships_with_the_package():
    path = notebook_path()
    assert path.is_file() and path.parent.name == "notebook"


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
