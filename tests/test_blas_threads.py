import threading
from pathlib import Path

import numpy as np
import pytest
from threadpoolctl import threadpool_info, threadpool_limits

from skdl._blas_threads import foreign_blas_paths, scipy_blas_single_threaded

NUMPY_DIR = Path(np.__file__).resolve().parent


def _pool(path):
    return {"user_api": "blas", "internal_api": "openblas", "filepath": str(path),
            "num_threads": 2}


def test_foreign_pools_are_the_blas_pools_outside_numpy():
    numpys = _pool(NUMPY_DIR.parent / "numpy.libs" / "libscipy_openblas64_.so")
    scipys = _pool(NUMPY_DIR.parent / "scipy.libs" / "libscipy_openblas.so")
    openmp = {"user_api": "openmp", "internal_api": "openmp",
              "filepath": "/usr/lib/libgomp.so.1", "num_threads": 2}
    assert foreign_blas_paths([numpys, scipys, openmp]) == [scipys["filepath"]]
    inside = _pool(NUMPY_DIR / ".dylibs" / "libscipy_openblas64_.dylib")
    assert foreign_blas_paths([inside, scipys]) == [scipys["filepath"]]


def test_one_shared_or_unrecognised_blas_is_left_alone():
    # One system OpenBLAS serves both libraries: no second pool to compete with.
    assert foreign_blas_paths([_pool("/usr/lib/x86_64-linux-gnu/libopenblas.so.0")]) == []
    assert foreign_blas_paths([_pool("/opt/a/libopenblas.so"), _pool("/opt/b/libmkl_rt.so")]) == []
    assert foreign_blas_paths([]) == []


def _threads():
    """{filepath: threads} of the process's BLAS pools."""
    return {pool["filepath"]: pool["num_threads"] for pool in threadpool_info()
            if pool["user_api"] == "blas"}


def _foreign_pools():
    foreign = foreign_blas_paths(threadpool_info())
    if not foreign:
        pytest.skip("NumPy and SciPy share one BLAS here (or it is not recognised)")
    return foreign


@pytest.fixture
def two_threads_each():
    """Every BLAS pool at 2 threads, held by this (the main) thread."""
    foreign = _foreign_pools()
    with threadpool_limits(limits=2, user_api="blas"):
        yield foreign


def test_the_block_limits_scipys_pool_and_restores_it(two_threads_each):
    before = _threads()
    with scipy_blas_single_threaded():
        inside = _threads()
    assert _threads() == before
    for path, threads in inside.items():
        assert threads == (1 if path in two_threads_each else before[path])


def test_an_exception_in_the_block_still_restores(two_threads_each):
    before = _threads()
    with pytest.raises(RuntimeError):
        with scipy_blas_single_threaded():
            raise RuntimeError("fit failed")
    assert _threads() == before


def test_a_block_in_a_worker_thread_changes_nothing():
    # Only the main thread sets counts: overlapping limits from several
    # threads would restore each other's values in the wrong order. (No
    # limit held by the main thread here: with one, threadpoolctl itself
    # would ignore the worker.)
    foreign, before, inside = _foreign_pools(), _threads(), {}
    if min(before[path] for path in foreign) < 2:
        pytest.skip("SciPy's BLAS runs one thread already")

    def fit():
        with scipy_blas_single_threaded():
            inside.update(_threads())

    worker = threading.Thread(target=fit)
    worker.start()
    worker.join()
    assert inside == before == _threads()
