"""Parallel model selection, out-of-core training, and training on a Dask cluster.

skdl estimators are plain picklable scikit-learn estimators, so scikit-learn's
parallel model selection works on them unchanged. These tests check that a
grid search finds the same model whether it runs in one process, in joblib's
loky worker processes (``n_jobs=2``), or on a local two-worker Dask cluster
through joblib's Dask backend, and that the workers do not oversubscribe the
cores with BLAS threads. For data larger than memory, ``partial_fit`` over the
chunks of a NumPy memmap, and dask-ml's ``Incremental`` over the blocks of a
Dask array on the cluster, train exactly the model that ``partial_fit`` over
the same chunks in memory trains.

The Dask tests need the ``distributed`` extra and are skipped without it.
"""

import os

import joblib
import numpy as np
import pytest
from sklearn.datasets import load_iris, make_classification
from sklearn.model_selection import GridSearchCV, StratifiedKFold, cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skdl import MLPClassifier, SoftmaxClassifier

# The candidates stop at max_iter on purpose (small and fast); that is not news.
pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

BLAS_ENV_VARS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")


def _blas_threads(estimator, X, y):
    """A "scorer" reporting the BLAS threads of the process that scores.

    Used as a second metric of the grid search, it reads the thread pools of
    the worker that fitted the candidate, through public scikit-learn API.
    """
    from threadpoolctl import threadpool_info

    counts = [pool["num_threads"] for pool in threadpool_info()
              if pool["user_api"] == "blas"]
    return max(counts) if counts else 1


def _data():
    X, y = load_iris(return_X_y=True)
    return X, y


def _chunked_fit(X, y, chunk, **params):
    """``partial_fit`` over consecutive chunks of rows, one call per chunk."""
    model = MLPClassifier((16,), learning_rate_init=0.01, random_state=0, **params)
    for start in range(0, len(X), chunk):
        model.partial_fit(X[start:start + chunk], y[start:start + chunk], classes=[0, 1])
    return model


def _stream_data():
    X, y = make_classification(n_samples=3000, n_features=20, n_informative=10,
                               random_state=0)
    return X.astype(np.float32), y


def _search(n_jobs=None, scoring=None, refit=True):
    # Small and deterministic: full-batch L-BFGS, fixed seeds, fixed folds.
    pipe = make_pipeline(StandardScaler(),
                         MLPClassifier(hidden_layer_sizes=(8,), solver="lbfgs",
                                       max_iter=60, random_state=0))
    grid = {"mlpclassifier__alpha": [1e-4, 1.0, 30.0],
            "mlpclassifier__hidden_layer_sizes": [(2,), (8,)]}
    cv = StratifiedKFold(n_splits=3, shuffle=True, random_state=0)
    return GridSearchCV(pipe, grid, cv=cv, n_jobs=n_jobs, scoring=scoring, refit=refit)


@pytest.fixture(scope="module")
def reference():
    """The single-process grid search that the parallel ones must reproduce."""
    X, y = _data()
    return _search(n_jobs=None).fit(X, y)


def _assert_same_search(search, reference):
    assert search.best_params_ == reference.best_params_
    assert search.best_score_ == pytest.approx(reference.best_score_, abs=1e-12)
    np.testing.assert_allclose(search.cv_results_["mean_test_score"],
                               reference.cv_results_["mean_test_score"], atol=1e-12)


def test_grid_search_n_jobs_2_matches_n_jobs_1(reference):
    X, y = _data()
    search = _search(n_jobs=2).fit(X, y)
    _assert_same_search(search, reference)
    X_new = X[::7]
    np.testing.assert_array_equal(search.predict(X_new), reference.predict(X_new))


def test_cross_val_score_n_jobs_2_matches_n_jobs_1():
    X, y = _data()
    model = make_pipeline(StandardScaler(), SoftmaxClassifier(alpha=1.0))
    cv = StratifiedKFold(n_splits=4, shuffle=True, random_state=0)
    serial = cross_val_score(model, X, y, cv=cv)
    parallel = cross_val_score(model, X, y, cv=cv, n_jobs=2)
    np.testing.assert_allclose(parallel, serial, atol=1e-12)


def test_loky_workers_limit_blas_threads():
    """joblib's loky workers start with BLAS limited to cpu_count() // n_jobs.

    joblib sets OMP_NUM_THREADS, OPENBLAS_NUM_THREADS, MKL_NUM_THREADS, ... in
    the workers it spawns to ``max(cpu_count() // n_jobs, 1)`` unless the
    variable is already set in the parent's environment, which then wins.
    """
    pytest.importorskip("threadpoolctl")
    preset = [int(os.environ[var]) for var in BLAS_ENV_VARS if var in os.environ]
    n_jobs = 2
    expected = min(preset) if preset else max(joblib.cpu_count() // n_jobs, 1)
    X, y = _data()
    search = _search(n_jobs=n_jobs, scoring={"accuracy": "accuracy",
                                             "blas": _blas_threads},
                     refit=False).fit(X, y)
    worker_threads = search.cv_results_["mean_test_blas"]
    assert np.all(worker_threads <= expected), worker_threads


# -- Out of core -------------------------------------------------------------

def test_partial_fit_over_a_memmap_equals_partial_fit_in_memory(tmp_path):
    X, y = _stream_data()
    path = tmp_path / "X.float32"
    disk = np.memmap(path, dtype=np.float32, mode="w+", shape=X.shape)
    disk[:] = X
    disk.flush()
    del disk
    X_disk = np.memmap(path, dtype=np.float32, mode="r", shape=X.shape)   # read-only
    streamed = _chunked_fit(X_disk, y, chunk=500)
    in_memory = _chunked_fit(X, y, chunk=500)
    np.testing.assert_array_equal(streamed.network_.flat_params, in_memory.network_.flat_params)
    assert len(streamed.loss_curve_) == 6 and streamed.t_ == len(X)   # one epoch a call
    assert streamed.network_.dtype == np.float32          # computed in the data's dtype
    assert streamed.score(X, y) > 0.7                      # it learned (chance: 0.5)


# -- Dask --------------------------------------------------------------------

@pytest.fixture(scope="module")
def dask_client():
    distributed = pytest.importorskip("distributed")
    # Worker processes (not threads) so that, as on a real cluster, each
    # worker has its own interpreter and BLAS; dashboard off (no bokeh, no port).
    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                       dashboard_address=None, host="127.0.0.1")
    client = distributed.Client(cluster)
    try:
        yield client
    finally:
        client.close()
        cluster.close()


def test_grid_search_on_dask_cluster_matches_single_machine(dask_client, reference):
    X, y = _data()
    assert len(dask_client.scheduler_info()["workers"]) == 2
    search = _search(n_jobs=-1)
    with joblib.parallel_config(backend="dask"):
        search.fit(X, y)
    _assert_same_search(search, reference)
    X_new = X[::7]
    np.testing.assert_array_equal(search.predict(X_new), reference.predict(X_new))


def test_dask_workers_run_one_blas_thread(dask_client):
    """Dask's nanny starts each worker with OMP/MKL/OPENBLAS_NUM_THREADS=1."""
    pytest.importorskip("threadpoolctl")
    X, y = _data()
    search = _search(n_jobs=-1, scoring={"accuracy": "accuracy", "blas": _blas_threads},
                     refit=False)
    with joblib.parallel_config(backend="dask"):
        search.fit(X, y)
    assert np.all(search.cv_results_["mean_test_blas"] == 1)


def test_dask_ml_incremental_trains_on_the_cluster_like_partial_fit(dask_client):
    """dask-ml's Incremental calls partial_fit on each block of a Dask array, on the workers."""
    da = pytest.importorskip("dask.array")
    wrappers = pytest.importorskip("dask_ml.wrappers")
    from distributed import get_task_stream

    X, y = _stream_data()
    X_dask, y_dask = da.from_array(X, chunks=(500, 20)), da.from_array(y, chunks=500)
    model = wrappers.Incremental(MLPClassifier((16,), learning_rate_init=0.01, random_state=0),
                                 shuffle_blocks=False)
    with get_task_stream(dask_client) as tasks:
        model.fit(X_dask, y_dask, classes=[0, 1])
    workers = set(dask_client.scheduler_info()["workers"])
    # dask-ml's graph: ("fit-<token>", i) is the model after partial_fit on block i.
    fits = [task for task in tasks.data
            if str(task["key"][0]).startswith("fit-") and task["key"][1] >= 0]
    assert len(fits) == 6 and {task["worker"] for task in fits} <= workers
    reference = _chunked_fit(X, y, chunk=500)
    np.testing.assert_array_equal(model.estimator_.network_.flat_params,
                                  reference.network_.flat_params)
    # Prediction runs block by block on the workers too.
    np.testing.assert_array_equal(model.predict(X_dask).compute(), reference.predict(X))
