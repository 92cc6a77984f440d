# Make tests/reference.py and tests/strategies.py importable as `reference` / `strategies`
# whether or not tests/ is a package and however pytest is invoked.
import sys
from pathlib import Path

import pytest

_here = str(Path(__file__).resolve().parent)
if _here not in sys.path:
    sys.path.insert(0, _here)


@pytest.fixture(params=["arrow", "pandas"])
def csv_engine(request, monkeypatch):
    """Both CSV paths: Arrow's reader and writer (when pyarrow is installed) and the pandas /
    Python ones they stand in for. Tests that use it run once per path."""
    from xlcompliance.io import arrow_csv

    if request.param == "arrow" and not arrow_csv.available():
        pytest.skip("pyarrow is not installed")
    if request.param == "pandas":
        monkeypatch.setattr(arrow_csv, "available", lambda: False)
    return request.param
