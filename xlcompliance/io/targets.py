"""Output targets: refuse to write over inputs or existing files; write atomically.

A write goes to a temporary file beside the target and is renamed into place, so a reader never
sees a half-written output and an interrupted run leaves the old file (or none).
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path


class OutputExistsError(FileExistsError):
    """The output file exists and ``force`` was not given."""


def check_target(path, *, force: bool = False, inputs=()) -> Path:
    """Refuse an output that is an input (always), a folder, or an existing file unless ``force``."""
    path = Path(path)
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
        raise OutputExistsError(f"{path}: already exists (use --force to replace it)")
    parent = next((p for p in (path.parent, *path.parent.parents) if p.exists()), None)
    if parent is not None and not parent.is_dir():
        raise OutputExistsError(f"{path}: {parent} is a file, not a folder")
    if not path.parent.is_dir():  # a typo in the folder must not silently create a new one
        raise FileNotFoundError(f"{path}: the folder {path.parent} does not exist (create it first)")
    return path


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def atomic_write(path, write: Callable[[Path], None], *, force: bool = False, inputs=()) -> Path:
    """Write via ``write(tmp_path)`` into a temporary file beside ``path``, then rename.

    Args:
        path: the final output.
        write: writes the whole output to the path it is given.
        force: replace an existing output.
        inputs: input files; writing over any of them is always refused.
    """
    path = check_target(path, force=force, inputs=inputs)
    # mkstemp makes the file private (0600): give the output the mode a new file would get (or
    # the replaced file's), so colleagues who could read the old report can read the new one
    mode = path.stat().st_mode & 0o7777 if path.exists() else 0o666 & ~_umask()
    fd, tmp = tempfile.mkstemp(prefix=f".{path.stem}-", suffix=path.suffix, dir=path.parent)
    os.close(fd)
    try:
        write(Path(tmp))
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path
