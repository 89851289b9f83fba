"""Every example runs as it is published, and says nothing its run does not show.

Each script in ``examples/`` is run once, in full (there is no reduced mode:
the gallery publishes the full run), in this process as sphinx-gallery runs
it, and the statements of its text are checked against the numbers it
computed (``tests/example_claims.py``, which the documentation build applies
to the run it publishes as well). As in the documentation build, BLAS runs
one thread (see docs/conf.py): the numbers do not depend on the number of
cores, and the examples' small products do not pay for thread
synchronisation.
"""

import os
import runpy
import warnings
from pathlib import Path

import pytest
from threadpoolctl import threadpool_limits

import example_claims

EXAMPLES = sorted((Path(__file__).parent.parent / "examples").glob("*.py"))


@pytest.fixture
def agg_backend():
    matplotlib = pytest.importorskip("matplotlib", reason="the examples draw with matplotlib")
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    yield
    plt.close("all")


def test_every_example_has_claims():
    assert {path.stem for path in EXAMPLES} == set(example_claims.CLAIMS)


@pytest.mark.parametrize("path", EXAMPLES, ids=[p.stem for p in EXAMPLES])
def test_example_claims_hold(path, tmp_path, monkeypatch, agg_backend):
    monkeypatch.chdir(tmp_path)  # an example must not need, or leave, files
    with warnings.catch_warnings(), threadpool_limits(limits=1):
        warnings.filterwarnings("ignore", message=".*non-interactive.*cannot be shown")
        namespace = runpy.run_path(str(path), run_name="__main__")
    example_claims.check(path.stem, namespace)
    assert not os.listdir(tmp_path), "an example writes no files"
