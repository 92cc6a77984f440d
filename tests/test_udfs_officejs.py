"""The real xlwings Office.js dispatch (what xlwings Lite and xlwings Server run) on our module.

``xlwings.server.custom_functions_meta`` / ``custom_functions_call`` live under the xlwings PRO
licence, so these tests need ``XLWINGS_LICENSE_KEY``. The module is imported with
``XLWINGS_ON_SERVER=true`` (so ``xw.func`` registers Office.js metadata), in a fresh interpreter.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

import pytest

pytestmark = pytest.mark.skipif(
    not os.environ.get("XLWINGS_LICENSE_KEY"),
    reason="XLWINGS_LICENSE_KEY is not set: xlwings.server (xlwings PRO) cannot be used",
)

SCRIPT = textwrap.dedent(
    """
    import asyncio, datetime as dt, json
    import xlwings as xw
    from xlwings import server
    import xlcompliance as xlc
    from xlcompliance.excel import udfs

    EPOCH = dt.datetime(1899, 12, 30)
    def serial(v): return (v - EPOCH) / dt.timedelta(days=1)

    meta = server.custom_functions_meta(udfs)
    out = {"meta": meta}

    def call(name, *args):
        data = {"func_name": name, "args": list(args), "version": xw.__version__,
                "client": "Office.js", "runtime": "1.4", "culture_info_name": "en-US",
                "date_format": "yyyy-mm-dd"}
        return asyncio.run(server.custom_functions_call(data, udfs))

    paid = dt.datetime(2024, 4, 19, 10)
    err = {"type": "Error", "basicValue": "#N/A", "errorType": "NotAvailable"}
    out["cell"] = call("pop_deadline", [[serial(paid)]], None, None, None)
    out["column"] = call("pop_deadline", [[serial(paid)], [""], [err], ["2024-04-19 10:00"]],
                         None, [[3]], None)
    out["status"] = call("order_status", [["POP"], ["JIT"]], [[serial(paid)], [serial(paid)]],
                         [[""], [serial(paid) + 0.5]], None, None, None, None,
                         [[serial(dt.datetime(2024, 7, 1, 10))]], None)
    out["want"] = {
        "cell": serial(xlc.pop_deadline(paid)),
        "relaxed": serial(xlc.pop_deadline(paid, None, 3)),
    }
    print(json.dumps(out, default=str))
    """
)


@pytest.fixture(scope="module")
def dispatched():
    env = dict(os.environ, XLWINGS_ON_SERVER="true")
    proc = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True, env=env, timeout=120)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout.strip().splitlines()[-1])


def _number(cell):
    return cell["basicValue"] if isinstance(cell, dict) else cell


def test_metadata_names_help_and_optional_args(dispatched):
    functions = {f["id"]: f for f in dispatched["meta"]["functions"]}
    assert {
        "POP_DEADLINE",
        "JIT_ARRIVAL",
        "ORDER_STATUS",
        "HOURS_LATE",
        "SHOP_ONTIME_RATE",
        "REFUND_DUE",
        "DEADLINE_EXPLAIN",
    } <= set(functions)
    pop = functions["POP_DEADLINE"]
    assert pop["name"] == "POP_DEADLINE"  # no namespace of our own; the manifest adds one
    assert "first carrier scan" in pop["description"]
    params = {p["name"]: p for p in pop["parameters"]}
    assert "Payment time" in params["paid_at"]["description"]
    assert params["holidays"]["optional"] and "optional" not in params["paid_at"]


def test_dispatch_single_cell_and_column(dispatched):
    want = dispatched["want"]
    assert _number(dispatched["cell"][0][0]) == pytest.approx(want["cell"], abs=1e-9)
    column = dispatched["column"]
    assert _number(column[0][0]) == pytest.approx(want["relaxed"], abs=1e-9)
    assert column[1][0] == ""
    assert column[2][0] == {"type": "Error", "errorType": "Value"}
    assert _number(column[3][0]) == pytest.approx(want["relaxed"], abs=1e-9)


def test_dispatch_status(dispatched):
    assert dispatched["status"] == [["late"], ["on_time"]]
