"""LibreOffice as a second spreadsheet client: recalculate a workbook, print it to PNG pages.

Each call runs ``soffice --headless`` with its own throw-away user profile, so parallel runs (and a
LibreOffice a person has open) never share one.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

ARTIFACTS = Path(__file__).resolve().parent / "artifacts"


def soffice() -> str:
    exe = shutil.which("soffice") or shutil.which("libreoffice")
    if exe is None:
        pytest.skip("LibreOffice (soffice) is not installed")
    return exe


def convert(path: Path, to: str, out_dir: Path, timeout: float = 120) -> Path:
    """``soffice --convert-to`` ``to`` (e.g. "xlsx", "pdf") into ``out_dir``; the converted file."""
    out_dir.mkdir(parents=True, exist_ok=True)
    profile = out_dir / ".lo-profile"
    subprocess.run(
        [
            soffice(), f"-env:UserInstallation={profile.resolve().as_uri()}", "--headless", "--norestore",
            "--convert-to", to, "--outdir", str(out_dir), str(path),
        ],
        check=True, capture_output=True, timeout=timeout,
    )  # fmt: skip
    result = out_dir / f"{path.stem}.{to.split(':')[0]}"
    assert result.exists(), f"LibreOffice wrote no {result.name}"
    return result


def recalculated(path: Path, out_dir: Path) -> Path:
    """The workbook as LibreOffice computes it (its formulas evaluated, saved as xlsx)."""
    return convert(path, "xlsx", out_dir)


def render_png(path: Path, name: str, work: Path, first_pages: int | None = None) -> list[Path]:
    """Print a workbook to PDF with LibreOffice and its pages to ``tests/artifacts/NAME-N.png``."""
    if shutil.which("pdftoppm") is None:
        pytest.skip("pdftoppm (poppler-utils) is not installed")
    pdf = convert(path, "pdf", work)
    ARTIFACTS.mkdir(exist_ok=True)
    for old in ARTIFACTS.glob(f"{name}-*.png"):
        old.unlink()
    args = ["pdftoppm", "-png", "-r", "60"]
    if first_pages:
        args += ["-l", str(first_pages)]
    subprocess.run([*args, str(pdf), str(ARTIFACTS / name)], check=True, capture_output=True, timeout=120)
    pages = sorted(ARTIFACTS.glob(f"{name}-*.png"))
    assert pages, f"no pages rendered for {name}"
    return pages


def pdf_pages(path: Path, work: Path) -> int:
    """How many pages the workbook prints to."""
    pdf = convert(path, "pdf", work)
    out = subprocess.run(["pdfinfo", str(pdf)], check=True, capture_output=True, text=True).stdout
    return int(next(line.split()[-1] for line in out.splitlines() if line.startswith("Pages:")))
