"""``xlcompliance whatif`` as a real process: SIGTERM stops Voila and every kernel it started and
frees the port; kernels of pages nobody has open are culled."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request

import pytest

from xlcompliance.cli.whatif import HOST, free_port

pytest.importorskip("voila")
psutil = pytest.importorskip("psutil")

START_TIMEOUT = 150  # s: Voila accepting connections
PAGE_TIMEOUT = 300  # s: the page rendered (a kernel started, the sample assessed)


def answers(port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(0.5)
        return s.connect_ex((HOST, port)) == 0


def kernels(pids) -> list:
    out = []
    for p in pids:
        try:
            if "ipykernel" in " ".join(p.cmdline()):
                out.append(p)
        except psutil.NoSuchProcess:
            pass
    return out


def alive(p) -> bool:
    try:
        return p.is_running() and p.status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


@pytest.fixture()
def whatif():
    """Start ``xlcompliance whatif`` (its own session); yields (process, port, visit)."""
    started = []

    def start(*extra):
        port = free_port()
        proc = subprocess.Popen([sys.executable, "-m", "xlcompliance.cli", "whatif", "--port", str(port), *extra],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        started.append(proc)
        deadline = time.monotonic() + START_TIMEOUT
        while not answers(port):
            assert proc.poll() is None, f"whatif exited with {proc.returncode}"
            assert time.monotonic() < deadline, "Voila did not answer"
            time.sleep(0.3)
        return proc, port

    family: list = []
    yield start, family
    for proc in started:  # whatever the test left: the process, its group, every descendant seen
        family += psutil.Process(proc.pid).children(recursive=True) if proc.poll() is None else []
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=30)
    for p in family:
        if alive(p):
            p.kill()


def visit(port: int) -> None:
    """Open the page the way a browser starts it: Voila runs the notebook in a new kernel."""
    with urllib.request.urlopen(f"http://{HOST}:{port}/", timeout=PAGE_TIMEOUT) as response:
        assert response.status == 200
        response.read()


def test_sigterm_stops_voila_and_its_kernels_and_frees_the_port(whatif):
    start, family = whatif
    proc, port = start()
    visit(port)
    family += psutil.Process(proc.pid).children(recursive=True)
    assert kernels(family), "no kernel was started by the page visit"
    os.kill(proc.pid, signal.SIGTERM)  # the process only, as a service manager would
    assert proc.wait(timeout=60) == 0
    deadline = time.monotonic() + 10
    while any(alive(p) for p in family) and time.monotonic() < deadline:
        time.sleep(0.2)
    left = [(p.pid, " ".join(p.cmdline())[:80]) for p in family if alive(p)]
    assert not left, f"left running: {left}"
    assert not answers(port)
    with socket.socket() as s:  # the port can be served again (SO_REUSEADDR, as servers do: the
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # test's own connections linger in TIME_WAIT)
        s.bind((HOST, port))
        s.listen()


def test_kernel_of_a_closed_page_is_culled(whatif):
    start, family = whatif
    proc, port = start("--idle-minutes", "0.05")  # 3 s
    visit(port)  # no browser stays connected afterwards: a page opened and closed
    started = kernels(psutil.Process(proc.pid).children(recursive=True))
    family += started
    assert started
    deadline = time.monotonic() + 60
    while any(alive(p) for p in started) and time.monotonic() < deadline:
        time.sleep(0.5)
    assert not any(alive(p) for p in started), "the idle kernel was not culled"
    assert proc.poll() is None and answers(port)  # the app itself keeps serving
