"""The layers hold: adapters over io over core, no adapter imports another, no import cycles.

The contracts live in ``pyproject.toml`` (import-linter); grimp's graph counts imports made
inside functions too, so a lazy import cannot hide a layer violation or a cycle.
"""

from __future__ import annotations

import pickle
from pathlib import Path

import grimp
import pytest
from importlinter.cli import EXIT_STATUS_SUCCESS, lint_imports

import xlcompliance as xlc

REPO = Path(__file__).resolve().parents[1]


def test_import_linter_contracts_are_kept(monkeypatch):
    monkeypatch.chdir(REPO)
    assert lint_imports(config_filename=str(REPO / "pyproject.toml"), no_cache=True, no_logo=True) == EXIT_STATUS_SUCCESS


@pytest.fixture(scope="module")
def graph():
    return grimp.build_graph("xlcompliance", include_external_packages=True, cache_dir=None)


def test_no_import_cycles(graph):
    ours = sorted(m for m in graph.modules if m.startswith("xlcompliance"))
    cycles = [
        (importer, *back)
        for importer in ours
        for imported in sorted(graph.find_modules_directly_imported_by(importer))
        if imported.startswith("xlcompliance")
        and (back := graph.find_shortest_chain(importer=imported, imported=importer))
    ]
    assert cycles == []


def test_the_core_imports_nothing_above_it(graph):
    core = {m for m in graph.modules if m.startswith("xlcompliance.core")}
    above = {m for m in graph.modules if m.split(".")[:2][-1] in ("io", "cli", "excel", "notebook")}
    for module in core:
        assert not (graph.find_modules_directly_imported_by(module) & above), module


def test_excel_glue_does_not_need_xlwings(graph):
    assert "xlwings" not in graph.find_upstream_modules("xlcompliance.excel.functions", as_package=False)
    assert "xlwings" in graph.find_modules_directly_imported_by("xlcompliance.excel.udfs")


def test_calendar_and_rules_pickle_and_compare_equal():
    cal = xlc.Calendar([("2024-06-18", "2024-06-20", "JIT")])
    xlc.pop_deadline("2024-06-17 10:00", calendar=cal)  # day tables built: they must not block pickling
    back = pickle.loads(pickle.dumps(cal))
    assert back == cal and back is not cal
    assert xlc.jit_deadline("2024-06-17 10:00", calendar=back) == xlc.jit_deadline("2024-06-17 10:00", calendar=cal)
    assert back != xlc.Calendar()
    rules = xlc.default_rules()
    assert pickle.loads(pickle.dumps(rules)) == rules
