"""Where pyarrow is absent (xlwings Lite runs Python in the browser, Pyodide), everything still
works on pandas' own strings: the Excel functions, ``assess`` of text columns, and CSV reading
and writing. A real interpreter runs with pyarrow hidden by an import hook, and its answers
must equal this process's (which uses pyarrow when it is installed)."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

SCRIPT = textwrap.dedent(
    '''
    import importlib.abc, json, sys

    class HidePyarrow(importlib.abc.MetaPathFinder):
        def find_spec(self, name, path=None, target=None):
            if name == "pyarrow" or name.startswith("pyarrow."):
                raise ImportError(f"No module named {name!r} (hidden by the test)")
            return None

    if sys.argv[1] == "hidden":
        sys.meta_path.insert(0, HidePyarrow())

    import datetime as dt
    from pathlib import Path

    import pandas as pd

    import xlcompliance as xlc
    from xlcompliance.excel import functions as f
    from xlcompliance.io.outputs import write_table

    paid = [[dt.datetime(2024, 4, 19, 10, 0)], ["2024-04-20 16:30"], [45400.5], [""], ["nonsense"]]
    table = [["order_id", "shop", "channel", "method", "paid_at", "fulfilled_at"],
             ["1", "A", "POP", "", "2024-04-19 10:00", "2024-04-22 09:00"],
             ["2", "A", "JIT", "pickup", "2024-04-15 14:00", ""],
             ["2", "A", "JIT", "self", "2024-04-30 15:00", "2024-05-09 15:00"],
             ["3", "B", "POP", "", "2024-04-02 08:00", "2024-04-02 09:00"]]
    answers = {
        "pop": f.pop_deadline(paid, None, 3),
        "jit": f.jit_arrival(paid, [["pickup"]] * 5),
        "explain": f.deadline_explain([["POP"], ["JIT"], ["POP"], ["JIT"], ["POP"]], paid),
        "status": f.order_status([["POP"]] * 5, paid, [[""]] * 5, as_of="2024-05-10"),
        "rate": f.shop_ontime_rate(table, "2024-04", "2024-05-10", "A"),
        "summary": f.monthly_summary(table, None, "2024-05-10"),
    }
    orders = xlc.sample().orders
    text = orders.astype(str).where(orders.notna(), "")
    assessed = xlc.assess(text, as_of="2024-07-01 10:00")
    answers["assess"] = assessed.astype(object).where(assessed.notna(), None).values.tolist()
    folder = Path(sys.argv[2])
    source = folder / f"orders-{sys.argv[1]}.csv"
    text.to_csv(source, index=False)
    out = write_table(xlc.assess(xlc.read_table(source), as_of="2024-07-01 10:00"), folder / f"out-{sys.argv[1]}.csv")
    answers["csv"] = out.read_text(encoding="utf-8-sig")
    answers["pyarrow loaded"] = "pyarrow" in sys.modules
    print(json.dumps(answers, default=repr, ensure_ascii=False))
    '''
)


def run(mode: str, folder: Path) -> dict:
    proc = subprocess.run([sys.executable, "-c", SCRIPT, mode, str(folder)], capture_output=True, text=True,
                          timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads(proc.stdout)


def test_excel_functions_assess_and_csv_without_pyarrow(tmp_path):
    hidden = run("hidden", tmp_path)
    assert hidden.pop("pyarrow loaded") is False
    present = run("present", tmp_path)
    present.pop("pyarrow loaded")
    assert hidden["pop"][0][0] != "" and "#VALUE!" in json.dumps(hidden["pop"])  # answers and a bad cell
    for key in present:
        assert hidden[key] == present[key], key
