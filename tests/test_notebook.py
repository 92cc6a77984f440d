"""The what-if notebook and the IPython extension, executed by a real kernel (nbclient)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from xlcompliance import jit_deadline
from xlcompliance.cli.whatif import notebook_path

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")
pytest.importorskip("ipykernel")

from kernels import ensure_kernel_spec  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
NOTEBOOK = REPO / "notebooks" / "whatif.ipynb"
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"


@pytest.fixture(scope="module")
def kernel_name(tmp_path_factory):
    with pytest.MonkeyPatch.context() as mp:
        root = tmp_path_factory.mktemp("jupyter")
        mp.setenv("JUPYTER_PATH", "")
        yield ensure_kernel_spec(root)


def execute(nb, kernel_name: str, cwd: Path):
    client = nbclient.NotebookClient(nb, kernel_name=kernel_name, timeout=300, startup_timeout=120,
                                     resources={"metadata": {"path": str(cwd)}})
    client.execute()
    return nb


def outputs(nb):
    return [out for cell in nb.cells if cell.cell_type == "code" for out in cell.get("outputs", [])]


def test_packaged_notebook_is_the_repository_notebook():
    assert notebook_path().read_bytes() == NOTEBOOK.read_bytes()


def test_notebook_is_thin_with_bilingual_headings():
    nb = nbformat.read(NOTEBOOK, as_version=4)
    nbformat.validate(nb)
    code = [c.source for c in nb.cells if c.cell_type == "code"]
    assert len(code) == 1 and "build_app()" in code[0] and len(code[0].splitlines()) <= 5
    headings = [line for c in nb.cells if c.cell_type == "markdown" for line in c.source.splitlines()
                if line.startswith("#")]
    assert any("引导" in h and "Guided" in h for h in headings)
    assert all(any("\u4e00" <= ch <= "\u9fff" for ch in h) and any(ch.isascii() and ch.isalpha() for ch in h)
               for h in headings)
    assert all(not c.get("outputs") for c in nb.cells if c.cell_type == "code")  # committed clean


def test_notebook_executes_with_a_real_kernel(kernel_name, tmp_path):
    before = NOTEBOOK.read_bytes()
    nb = execute(nbformat.read(NOTEBOOK, as_version=4), kernel_name, NOTEBOOK.parent)
    outs = outputs(nb)
    assert not [o for o in outs if o.output_type == "error"]
    assert any(WIDGET_VIEW in o.get("data", {}) for o in outs), "the app widget is displayed"
    assert NOTEBOOK.read_bytes() == before


def test_extension_magic_display_and_accessor_in_a_kernel(kernel_name, tmp_path):
    v4 = nbformat.v4
    nb = v4.new_notebook(cells=[
        v4.new_code_cell("%load_ext xlcompliance"),
        v4.new_code_cell("%deadline JIT pickup 2024-04-15 15:00 --sales 3"),
        v4.new_code_cell(
            "import pandas as pd\n"
            "orders = pd.DataFrame({'order_id': ['a', 'b'], 'channel': ['POP', 'JIT'],\n"
            "    'paid_at': ['2024-05-06 10:00', '2024-05-07 10:00'],\n"
            "    'fulfilled_at': ['2024-05-07 10:00', '2024-05-08 09:00']})\n"
            "orders.xlc.assess(as_of='2024-06-01')"
        ),
        v4.new_code_cell("pd.DataFrame({'plain': [1]})"),
    ])
    nb.metadata["kernelspec"] = {"name": kernel_name, "display_name": kernel_name, "language": "python"}
    nb = execute(nb, kernel_name, tmp_path)
    cells = [c for c in nb.cells if c.cell_type == "code"]
    assert not [o for c in cells for o in c.outputs if o.output_type == "error"]
    printed = "".join(o.get("text", "") for o in cells[1].outputs)
    deadline = jit_deadline("2024-04-15 15:00", "pickup", last_month_sales=3)
    assert printed.startswith(f"deadline: {deadline:%Y-%m-%d %H:%M:%S}")
    assert "T+2" in printed
    rich = cells[2].outputs[0]["data"]["text/html"]
    assert "xlc-assessment" in rich and "on_time 1" in rich and "late 1" in rich
    plain = cells[3].outputs[0]["data"]["text/html"]
    assert "xlc-assessment" not in plain and "dataframe" in plain
    json.dumps(nb)  # outputs are plain JSON
