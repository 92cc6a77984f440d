"""Progress on stderr: drawn for a terminal once a run has taken a while, never in a pipe or CI."""

from __future__ import annotations

import io
import time

import pytest

from xlcompliance.cli.progress import Progress, wanted


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def run_stages(stream, seconds: float, **options) -> str:
    with Progress(["reading", "assessing"], stream=stream, **options) as progress:
        progress.stage("reading orders.csv")
        time.sleep(seconds)
        progress.stage("assessing 3 orders")
        time.sleep(seconds)
    return stream.getvalue()


def test_a_pipe_or_file_gets_nothing():
    assert run_stages(io.StringIO(), 0.3, delay=0.05) == ""


def test_ci_gets_nothing(monkeypatch):
    monkeypatch.setenv("CI", "true")
    assert not wanted(Terminal())
    assert run_stages(Terminal(), 0.3, delay=0.05) == ""


def test_a_terminal_sees_the_stage_after_the_delay(monkeypatch):
    pytest.importorskip("tqdm")
    monkeypatch.delenv("CI", raising=False)
    shown = run_stages(Terminal(), 0.6, delay=0.1)
    assert "xlcompliance: reading orders.csv (0/2 stages done" in shown
    assert "assessing 3 orders (1/2 stages done" in shown


def test_a_quick_run_on_a_terminal_gets_nothing(monkeypatch):
    monkeypatch.delenv("CI", raising=False)
    assert run_stages(Terminal(), 0.01, delay=1.0) == ""
