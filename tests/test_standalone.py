"""The repository stands alone: no tracked file points outside it.

The rules are stated in docs/rules.md. Nothing in the repository may refer to a shared folder
beside it, to the contract file that docs/rules.md replaces, or to issue numbers of a tracker
the reader cannot see. Workbooks are zip files, so their members are searched too.
"""

from __future__ import annotations

import io
import os
import re
import subprocess
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

# Spelled in pieces so that this file does not match itself.
FORBIDDEN = re.compile(
    "|".join([
        re.escape(".." + "/shared"),
        re.escape("SPEC" + ".md"),
        re.escape("shared" + "/SPEC"),
        r"\bissue[ -]?#?\d+\b",
        r"\(#\d+\)",
    ]),
    re.IGNORECASE,
)
SKIP_DIRS = {".git", ".venv", "__pycache__", ".pytest_cache", ".ruff_cache", "build", "dist"}


def tracked_files() -> list[Path]:
    """Files git tracks; outside a git checkout, every file below the root but tool folders."""
    try:
        out = subprocess.run(
            ["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True,
        ).stdout.decode("utf-8")
        names = [n for n in out.split("\0") if n]
    except (OSError, subprocess.CalledProcessError):
        names = []
        for folder, dirs, files in os.walk(ROOT):
            dirs[:] = [d for d in dirs if d not in SKIP_DIRS and not d.endswith(".egg-info")]
            names += [os.path.relpath(os.path.join(folder, f), ROOT) for f in files]
    paths = [ROOT / n for n in names if not n.startswith(".git/")]
    assert paths, "found no files to check"
    return [p for p in paths if p.is_file()]


def texts(path: Path) -> list[tuple[str, str]]:
    """``(where, text)`` of a file, or of each member when it is a zip (xlsx, docx …)."""
    data = path.read_bytes()
    if zipfile.is_zipfile(io.BytesIO(data)):
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            return [(f"{path.name}:{m}", z.read(m).decode("utf-8", "replace")) for m in z.namelist()]
    return [(path.name, data.decode("utf-8", "replace"))]


def offences(paths: list[Path]) -> list[str]:
    found = []
    for path in paths:
        for where, text in texts(path):
            for m in FORBIDDEN.finditer(text):
                line = text.count("\n", 0, m.start()) + 1
                found.append(f"{path.relative_to(ROOT)} ({where}) line {line}: {m.group(0)!r}")
    return found


def test_the_check_finds_what_it_forbids(tmp_path):
    samples = ["see " + ".." + "/shared/x", "the " + "SPEC" + ".md file", "/work/" + "shared" + "/SPEC",
               "fixed in Issue" + " 6", "issue" + "-12", "tidy (#" + "7)"]
    for text in samples:
        assert FORBIDDEN.search(text), text
    for text in ["docs/rules.md#the-refund", "kernelspec", "#,##0.00", "no issues here", "SPECIAL"]:
        assert not FORBIDDEN.search(text), text
    book = tmp_path / "book.xlsx"
    with zipfile.ZipFile(book, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("xl/sharedStrings.xml", "<t>see " + "SPEC" + ".md</t>")
    assert [(where, bool(FORBIDDEN.search(text))) for where, text in texts(book)] == [
        ("book.xlsx:xl/sharedStrings.xml", True)
    ]


@pytest.mark.parametrize("which", ["README.md", "every other tracked file"])
def test_nothing_refers_outside_the_repository(which):
    files = tracked_files()
    chosen = [p for p in files if (p == ROOT / "README.md") == (which == "README.md")]
    assert chosen, which
    found = offences(chosen)
    assert not found, "\n".join(found[:20])
