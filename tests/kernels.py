"""A Jupyter kernel spec for this venv's python, in a private JUPYTER_PATH (for nbclient tests)."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

KERNEL_NAME = "xlcompliance-venv"


def ensure_kernel_spec(root: Path) -> str:
    """Write ``root/kernels/<KERNEL_NAME>/kernel.json`` running ``sys.executable``; put ``root``
    first on JUPYTER_PATH; return the kernel name."""
    spec_dir = root / "kernels" / KERNEL_NAME
    spec_dir.mkdir(parents=True, exist_ok=True)
    (spec_dir / "kernel.json").write_text(json.dumps({
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "xlcompliance venv",
        "language": "python",
    }))
    paths = [str(root)] + [p for p in os.environ.get("JUPYTER_PATH", "").split(os.pathsep) if p]
    os.environ["JUPYTER_PATH"] = os.pathsep.join(dict.fromkeys(paths))
    return KERNEL_NAME
