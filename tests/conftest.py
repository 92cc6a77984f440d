# Make tests/reference.py and tests/strategies.py importable as `reference` / `strategies`
# whether or not tests/ is a package and however pytest is invoked.
import sys
from pathlib import Path

_here = str(Path(__file__).resolve().parent)
if _here not in sys.path:
    sys.path.insert(0, _here)
