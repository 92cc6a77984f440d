"""Progress of a long command on stderr: which stage it is in and for how long.

Shown only when stderr is a terminal, never in pipes, files or CI (``CI`` set), and only once the
run has taken ``DELAY`` seconds, so quick runs print nothing extra. Drawn by tqdm, imported only
then; without tqdm nothing is shown.
"""

from __future__ import annotations

import os
import sys
import threading

DELAY = 2.0  # seconds before anything is drawn
_REFRESH = 0.25


def wanted(stream=None) -> bool:
    stream = stream or sys.stderr
    return bool(getattr(stream, "isatty", lambda: False)()) and not os.environ.get("CI")


class Progress:
    """``with Progress(["reading", "assessing", ...]) as p: p.stage("reading"); ...``"""

    def __init__(self, stages: list[str], *, stream=None, delay: float = DELAY, force: bool = False):
        self.stages = stages
        self.stream = stream or sys.stderr
        self.delay = delay
        self.enabled = force or wanted(self.stream)
        self._current = ""
        self._done = 0
        self._stop = threading.Event()
        self._thread = None
        self._bar = None

    def __enter__(self) -> Progress:
        if self.enabled:
            self._thread = threading.Thread(target=self._draw, name="xlcompliance-progress", daemon=True)
            self._thread.start()
        return self

    def stage(self, name: str) -> None:
        """Start the next stage (the previous one is done)."""
        if self._current:
            self._done += 1
        self._current = name

    def __exit__(self, *exc) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
        if self._bar is not None:
            self._bar.close()  # leave=False: the line is cleared

    def _draw(self) -> None:
        if self._stop.wait(self.delay):
            return
        try:
            from tqdm import tqdm
        except ImportError:
            return
        self._bar = tqdm(total=len(self.stages), file=self.stream, leave=False, dynamic_ncols=True,
                         bar_format="xlcompliance: {desc} ({n}/{total} stages done, {elapsed})")
        while not self._stop.is_set():
            self._bar.n = self._done
            self._bar.set_description_str(self._current, refresh=False)
            self._bar.refresh()
            self._stop.wait(_REFRESH)
