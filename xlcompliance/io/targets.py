"""Output targets: refuse to write over inputs or existing files; write atomically.

A write goes to a temporary file beside the target and is renamed into place, so a reader never
sees a half-written output and an interrupted run leaves the old file (or none). Two runs
writing the same target at once each write their own temporary file: the target ends up as one
run's whole output (with ``force`` the last to finish; without it the first, and the other is
told the file now exists). A run killed mid-write leaves its temporary file, named with its
process id; the next write to that target removes it. A full disk (or a file-size limit) is a
one-line :class:`OutputWriteError`; nothing partial is left.
"""

from __future__ import annotations

import contextlib
import errno
import gc
import os
import re
import sys
import tempfile
import traceback
from collections.abc import Callable
from pathlib import Path

_NO_ROOM = {errno.ENOSPC, errno.EFBIG, getattr(errno, "EDQUOT", errno.ENOSPC)}


class OutputExistsError(FileExistsError):
    """The output file exists and ``force`` was not given (or it is an input, or a folder)."""


def one_of(words) -> str:
    """``.csv``, ``.csv or .xlsx``, ``.csv, .xlsx or .parquet``."""
    words = list(words)
    return words[0] if len(words) == 1 else f"{', '.join(words[:-1])} or {words[-1]}"


class OutputTypeError(ValueError):
    """The output's file type is not one the writer makes."""

    def __init__(self, path: Path, suffixes: tuple[str, ...]):
        self.path, self.suffixes = path, suffixes
        super().__init__(f"{path.name}: the output must be a {one_of(suffixes)} file")


class OutputWriteError(OSError):
    """The output could not be written (disk full, file-size limit); nothing was left behind."""


def check_target(path, *, suffixes: tuple[str, ...] = (), force: bool = False, inputs=()) -> Path:
    """Refuse an output of another type than ``suffixes``, one that is an input (always), a folder,
    or an existing file unless ``force``. Writers call it through :func:`atomic_write`; a caller
    may call it first to refuse before any work."""
    path = Path(path)
    if suffixes and path.suffix.lower() not in suffixes:
        raise OutputTypeError(path, tuple(suffixes))
    target = path.resolve()
    for src in inputs:
        if src is None:
            continue
        same = Path(src).resolve() == target
        if not same and path.exists() and Path(src).exists():
            same = os.path.samefile(src, path)  # a hard link to an input is that input
        if same:
            raise OutputExistsError(f"{path}: refusing to write over an input file")
    if path.is_dir():
        raise OutputExistsError(f"{path}: is a folder; give a file name")
    if path.exists() and not force:
        raise OutputExistsError(f"{path}: already exists (force=True replaces it)")
    parent = next((p for p in (path.parent, *path.parent.parents) if p.exists()), None)
    if parent is not None and not parent.is_dir():
        raise OutputExistsError(f"{path}: {parent} is a file, not a folder")
    if not path.parent.is_dir():  # a typo in the folder must not silently create a new one
        raise FileNotFoundError(f"{path}: the folder {path.parent} does not exist (create it first)")
    return path


def current_umask() -> int:
    """The process's file-creation mask (reading it means setting it: set back at once)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _temp_prefix(path: Path) -> str:
    return f".{path.stem}.xlc-"


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process
        return True
    return True


def remove_stale_temps(path: Path) -> None:
    """Delete temporary files of earlier writes to ``path`` whose process no longer runs."""
    pattern = re.compile(re.escape(_temp_prefix(path)) + r"(\d+)-[^/]*" + re.escape(path.suffix) + "$")
    for candidate in path.parent.glob(_temp_prefix(path) + "*"):
        m = pattern.match(candidate.name)
        if m and not _running(int(m.group(1))):
            with contextlib.suppress(OSError):
                candidate.unlink()


def _publish(tmp: Path, path: Path, force: bool) -> None:
    """Move the finished file into place: replace with ``force``, else only if still absent."""
    if force:
        os.replace(tmp, path)
        return
    try:
        os.link(tmp, path)  # fails if another run created the target meanwhile: never overwritten
    except FileExistsError:
        raise OutputExistsError(
            f"{path}: already exists (another run wrote it meanwhile; use --force to replace it)"
        ) from None
    except OSError:  # a file system without hard links: check, then rename
        if path.exists():
            raise OutputExistsError(f"{path}: already exists (use --force to replace it)") from None
        os.replace(tmp, path)
        return
    tmp.unlink()


def _no_room(exc: BaseException) -> OSError | None:
    """The disk-full / file-too-large error behind ``exc`` (also when a library wrapped it)."""
    seen = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        if isinstance(exc, OSError) and exc.errno in _NO_ROOM:
            return exc
        exc = exc.__cause__ or exc.__context__
    return None


def _collect_quietly(exc: BaseException) -> None:
    """Finish a failed writer's half-closed streams now, without them printing a second report
    of the same disk-full error ("Exception ignored in ...") when the program exits."""
    seen = set()
    while exc is not None and id(exc) not in seen:  # the tracebacks hold the writer's frames
        seen.add(id(exc))
        traceback.clear_frames(exc.__traceback__)
        exc = exc.__cause__ or exc.__context__
    hook = sys.unraisablehook
    sys.unraisablehook = lambda _unraisable: None
    try:
        gc.collect()
    finally:
        sys.unraisablehook = hook


def atomic_write(
    path, write: Callable[[Path], None], *, suffixes: tuple[str, ...] = (), force: bool = False, inputs=()
) -> Path:
    """Write via ``write(tmp_path)`` into a temporary file beside ``path``, then rename.

    Args:
        path: the final output.
        write: writes the whole output to the path it is given.
        suffixes: the file types the writer makes (see :func:`check_target`).
        force: replace an existing output.
        inputs: input files; writing over any of them is always refused.

    Raises:
        OutputExistsError: the target exists (without ``force``) or is an input.
        OutputWriteError: the disk is full or a file-size limit was reached (nothing written).
    """
    path = check_target(path, suffixes=suffixes, force=force, inputs=inputs)
    remove_stale_temps(path)
    # mkstemp makes the file private (0600): give the output the mode a new file would get (or
    # the replaced file's), so colleagues who could read the old report can read the new one
    mode = path.stat().st_mode & 0o7777 if path.exists() else 0o666 & ~current_umask()
    fd, tmp = tempfile.mkstemp(prefix=f"{_temp_prefix(path)}{os.getpid()}-", suffix=path.suffix, dir=path.parent)
    os.close(fd)
    try:
        write(Path(tmp))
        os.chmod(tmp, mode)
        _publish(Path(tmp), path, force)
    except BaseException as exc:
        Path(tmp).unlink(missing_ok=True)
        full = _no_room(exc)
        if full is None:
            raise
        _collect_quietly(exc)
        error = OutputWriteError(
            f"{path}: could not be written: {os.strerror(full.errno)}; nothing was written"
            + (" and the existing file is unchanged" if path.exists() else "")
        )
        error.errno = full.errno
        raise error from exc
    return path
