"""One thread for SciPy's BLAS while a fit alternates it with NumPy's.

NumPy and SciPy wheels each ship their own OpenBLAS, so a process has two
BLAS thread pools. After a call, an OpenBLAS worker spins for a while
waiting for the next one. L-BFGS alternates the two libraries: SciPy's
L-BFGS-B works on the parameter vector with SciPy's BLAS, the objective runs
the network's products with NumPy's. Each switch finds the other pool's
worker still spinning, so on two cores three threads compete for them.
Measured (digits, ``MLPClassifier(solver="lbfgs")``, 2 cores, both pools at
two threads): 0.79-0.97 s a fit; with SciPy's pool at one thread, 0.28-0.31 s;
scikit-learn's own MLP suffers the same (0.74 s against 0.20 s). SciPy's
side is vector work on a few thousand values, which a second thread does not
speed up anyway.

The limit goes through threadpoolctl, as a ``with`` block around the fit
(:func:`scipy_blas_single_threaded`). It changes only the pools that are not
NumPy's, and nothing when the pools cannot be told apart (one shared system
BLAS, or a BLAS threadpoolctl does not see): then there is no second pool to
compete with. It acts only in the main thread. OpenBLAS's thread count is
process-wide, and overlapping limits from several threads restore each
other's values in the wrong order (measured with threadpoolctl 3.8: a block
entered while another thread's block was active restored the count to one on
exit, for good). Fits in worker threads keep the counts they find; joblib's
default process workers each run their fits in their own main thread.
"""

import contextlib
import threading
from pathlib import Path

import numpy as np


def _numpy_directories():
    """Where a NumPy wheel keeps its BLAS: inside the package or beside it."""
    package = Path(np.__file__).resolve().parent
    return package, package.parent / "numpy.libs"


def foreign_blas_paths(pools):
    """File paths of the BLAS pools that are not NumPy's.

    Parameters
    ----------
    pools : list of dict
        ``threadpoolctl.threadpool_info()``.

    Returns
    -------
    paths : list of str
        Empty unless at least one BLAS pool is recognisably NumPy's and
        another is not.
    """
    numpy_dirs = _numpy_directories()
    blas = [pool["filepath"] for pool in pools if pool["user_api"] == "blas"]

    def is_numpys(path):
        parents = Path(path).resolve().parents
        return any(directory in parents for directory in numpy_dirs)

    if not any(is_numpys(path) for path in blas):
        return []
    return [path for path in blas if not is_numpys(path)]


def scipy_blas_single_threaded():
    """A context holding SciPy's (every non-NumPy) BLAS pool at one thread.

    Returns
    -------
    context : context manager
        threadpoolctl's limiter, which restores the counts it found on
        exit; a no-op context outside the main thread or when there is no
        separate pool to limit.
    """
    if threading.current_thread() is not threading.main_thread():
        return contextlib.nullcontext()
    controller, paths = _pools()
    if not paths:
        return contextlib.nullcontext()
    return controller.select(filepath=paths).limit(limits=1)


_found = None


def _pools():
    """threadpoolctl's controller and the non-NumPy BLAS paths, found once.

    Scanning the loaded libraries takes about 3 ms, as long as a small
    L-BFGS fit; limiting through the kept controller takes 15 us. SciPy's
    BLAS is loaded when skdl is imported (``scipy.optimize``), before any
    fit, so the first scan sees it.
    """
    global _found
    if _found is None:
        from threadpoolctl import ThreadpoolController

        controller = ThreadpoolController()
        _found = controller, foreign_blas_paths(controller.info())
    return _found
