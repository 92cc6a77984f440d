"""``xlcompliance whatif``: serve the what-if notebook as a web app (Voila) on 127.0.0.1."""

from __future__ import annotations

import importlib.util
import socket
import subprocess
import sys
import time
from importlib import resources
from pathlib import Path

DEFAULT_PORT = 8866
START_TIMEOUT = 120.0  # seconds to wait for Voila to accept connections
HOST = "127.0.0.1"


def register(sub) -> None:
    p = sub.add_parser(
        "whatif",
        help="open the what-if app in a browser (Voila web app on 127.0.0.1)",
        description=(
            "Serve the what-if notebook as a web app for staff who do not use Jupyter. "
            "Prints the address to open; Ctrl-C stops it."
        ),
    )
    p.add_argument(
        "--port",
        type=int,
        default=DEFAULT_PORT,
        help=f"port on 127.0.0.1 (default {DEFAULT_PORT}; 0 = any free port)",
    )
    p.add_argument(
        "--notebook", metavar="FILE", help="serve this notebook instead of the bundled one"
    )
    p.set_defaults(func=run)


def notebook_path() -> Path:
    """The bundled what-if notebook (package data, also present in an installed package)."""
    return Path(str(resources.files("xlcompliance").joinpath("notebook/whatif.ipynb")))


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def _listening(port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(0.5)
        return s.connect_ex((HOST, port)) == 0


def voila_command(notebook: Path, port: int) -> list[str]:
    return [
        sys.executable,
        "-m",
        "voila",
        str(notebook),
        f"--port={port}",
        "--no-browser",
        f"--Voila.ip={HOST}",
    ]


def run(args) -> int:
    if importlib.util.find_spec("voila") is None:
        raise ValueError("Voila is not installed: pip install 'xlcompliance[notebook]'")
    notebook = Path(args.notebook) if args.notebook else notebook_path()
    if not notebook.is_file():
        raise FileNotFoundError(f"notebook not found: {notebook}")
    port = args.port or free_port()
    if _listening(port):
        raise ValueError(f"port {port} on {HOST} is in use; choose another with --port")
    print(f"starting Voila on {notebook.name} ...", flush=True)
    proc = subprocess.Popen(voila_command(notebook, port))
    try:
        deadline = time.monotonic() + START_TIMEOUT
        while not _listening(port):
            if proc.poll() is not None:
                print(
                    f"xlcompliance whatif: Voila exited with code {proc.returncode}",
                    file=sys.stderr,
                )
                return 1
            if time.monotonic() > deadline:
                print(
                    f"xlcompliance whatif: Voila did not start within {START_TIMEOUT:.0f} s",
                    file=sys.stderr,
                )
                return 1
            time.sleep(0.2)
        print(f"what-if app: http://{HOST}:{port}/   (Ctrl-C to stop)", flush=True)
        return proc.wait()
    except KeyboardInterrupt:
        return 0
    finally:
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
