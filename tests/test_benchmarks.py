"""The benchmark scripts import: their helpers and each other's names still exist.

They are run by hand, not by the suite (speed is never asserted in tests),
so an import that broke (a renamed helper) would otherwise go unnoticed
until someone runs them. Missing optional peers (PyTorch, ONNX) skip.
"""

import importlib
import sys
from pathlib import Path

import pytest

BENCHMARKS = Path(__file__).resolve().parent.parent / "benchmarks"
OPTIONAL = {"torch", "onnx", "onnxruntime", "skl2onnx", "dask", "distributed", "dask_ml"}


@pytest.mark.parametrize("script", sorted(p.stem for p in BENCHMARKS.glob("*.py")))
def test_benchmark_script_imports(script, monkeypatch):
    monkeypatch.syspath_prepend(str(BENCHMARKS))
    for name in [script, "machine"]:
        monkeypatch.delitem(sys.modules, name, raising=False)
    try:
        module = importlib.import_module(script)
    except ModuleNotFoundError as error:
        if (error.name or "").split(".")[0] in OPTIONAL:
            pytest.skip(f"{script} needs {error.name}")
        raise
    assert script == "machine" or callable(getattr(module, "main", None))
