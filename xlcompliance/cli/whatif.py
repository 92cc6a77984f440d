"""``xlcompliance whatif``: serve the what-if notebook as a web app (Voila) on 127.0.0.1."""

from __future__ import annotations

import contextlib
import importlib.util
import signal
import socket
import subprocess
import sys
import time
from importlib import resources
from pathlib import Path

DEFAULT_PORT = 8866
START_TIMEOUT = 120.0  # seconds to wait for Voila to accept connections
STOP_TIMEOUT = 10.0  # seconds Voila and its kernels get to stop before they are killed
DEFAULT_IDLE_MINUTES = 10  # a page closed this long ago gives its kernel (~130 MB) back
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
    p.add_argument(
        "--idle-minutes",
        type=float,
        default=DEFAULT_IDLE_MINUTES,
        metavar="M",
        help=f"stop a page's Python kernel once the page has been closed and idle this long "
        f"(default {DEFAULT_IDLE_MINUTES}; a page left open keeps its kernel)",
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


def voila_command(notebook: Path, port: int, idle_minutes: float = DEFAULT_IDLE_MINUTES) -> list[str]:
    """Voila on loopback; kernels of closed pages are culled (jupyter-server's kernel culling:
    idle and without a connected page for ``idle_minutes``, checked every minute or sooner)."""
    idle = max(1, round(idle_minutes * 60))
    return [
        sys.executable,
        "-m",
        "voila",
        str(notebook),
        f"--port={port}",
        "--no-browser",
        f"--Voila.ip={HOST}",
        f"--MappingKernelManager.cull_idle_timeout={idle}",
        f"--MappingKernelManager.cull_interval={min(60, max(1, idle // 2))}",
        "--MappingKernelManager.cull_connected=False",
    ]


def _descendants(pid: int) -> list:
    """Every process below ``pid`` (Voila's kernels run in their own sessions, so a process
    group does not reach them; the parent links do)."""
    import psutil

    try:
        return psutil.Process(pid).children(recursive=True)
    except psutil.NoSuchProcess:
        return []


def stop_tree(proc: subprocess.Popen, timeout: float = STOP_TIMEOUT) -> None:
    """Stop Voila and every process it started: SIGTERM, then SIGKILL for whatever is left."""
    import psutil

    family = _descendants(proc.pid)
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    family += [p for p in _descendants(proc.pid) if p not in family]
    for child in family:
        with contextlib.suppress(psutil.NoSuchProcess):
            child.terminate()
    _, alive = psutil.wait_procs(family, timeout=timeout)
    for child in alive:
        with contextlib.suppress(psutil.NoSuchProcess):
            child.kill()
    psutil.wait_procs(alive, timeout=timeout)


class _Stop(BaseException):
    """SIGTERM / SIGHUP: leave through the ``finally`` that stops Voila and its kernels."""


def _raise_stop(signum, _frame):
    raise _Stop(signum)


def _die_with_parent() -> None:  # pragma: no cover -- runs in the child before exec
    """Linux: Voila gets SIGTERM if this process is killed outright (SIGKILL cannot be caught)."""
    with contextlib.suppress(Exception):
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


def run(args) -> int:
    if importlib.util.find_spec("voila") is None:
        raise ValueError("Voila is not installed: pip install 'xlcompliance[notebook]'")
    notebook = Path(args.notebook) if args.notebook else notebook_path()
    if not notebook.is_file():
        raise FileNotFoundError(f"notebook not found: {notebook}")
    port = args.port or free_port()
    if _listening(port):
        raise ValueError(f"port {port} on {HOST} is in use; choose another with --port")
    if args.idle_minutes <= 0:
        raise ValueError("--idle-minutes must be more than 0")
    print(f"starting Voila on {notebook.name} ...", flush=True)
    previous = {sig: signal.signal(sig, _raise_stop) for sig in (signal.SIGTERM, signal.SIGHUP)}
    proc = subprocess.Popen(
        voila_command(notebook, port, args.idle_minutes),
        start_new_session=True,  # Ctrl-C reaches this process, which stops Voila and its kernels in order
        preexec_fn=_die_with_parent if sys.platform == "linux" else None,
    )
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
    except (KeyboardInterrupt, _Stop):
        print("xlcompliance whatif: stopping", file=sys.stderr, flush=True)
        return 0
    finally:
        for sig in (signal.SIGTERM, signal.SIGHUP, signal.SIGINT):  # a second signal must not cut the cleanup short
            previous.setdefault(sig, signal.signal(sig, signal.SIG_IGN))
        try:
            stop_tree(proc)
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)
