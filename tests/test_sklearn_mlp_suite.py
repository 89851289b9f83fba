"""scikit-learn's own MLP test suite, run against skdl.

The file ``sklearn/neural_network/tests/test_mlp.py`` of the *installed*
scikit-learn is read at test time, its one import of the estimators is
changed to ``from skdl import MLPClassifier, MLPRegressor``, and every test
in it runs here. Nothing of scikit-learn's test code is copied into this
repository: each scikit-learn release brings its own tests, so CI keeps the
"drop-in" claim of the README honest against every version it installs.

Only the tests in :data:`SKIPPED` are left out, and those in
:data:`EXPECTED_TO_FAIL` are expected to fail, each for the reason given.
"""

import os
import pathlib
import types

import pytest
import sklearn
from threadpoolctl import threadpool_limits

import skdl

SOURCE = pathlib.Path(sklearn.__file__).parent / "neural_network" / "tests" / "test_mlp.py"
ORIGINAL_IMPORT = "from sklearn.neural_network import MLPClassifier, MLPRegressor"
SKDL_IMPORT = "from skdl import MLPClassifier, MLPRegressor"

#: Tests of scikit-learn's suite that do not apply to skdl, and why.
SKIPPED = {
    "test_fit": "sets scikit-learn's private training state (_coef_grads, "
                "_intercept_velocity, ...) by hand before partial_fit; skdl keeps "
                "gradients in the fit's Trainer, not on the estimator",
    "test_gradient": "calls scikit-learn's private _loss_grad_lbfgs; skdl checks its "
                     "gradients by finite differences in tests/test_network.py, "
                     "test_layers.py, test_losses.py and test_activations.py",
    "test_mlp_diverging_loss": "expects NaN validation scores from a diverging fit; skdl "
                               "deliberately stops a diverging fit with a clear error "
                               "naming the learning rate (tests/test_training.py)",
    "test_nonfinite_params": "expects scikit-learn's message about non-finite weights; skdl "
                             "stops the diverging fit earlier, with its own clear error "
                             "(tests/test_training.py)",
}

#: Tests whose assertion depends on scikit-learn's random draws, not on behaviour.
#: Strict: if one starts to pass, this list must shrink.
EXPECTED_TO_FAIL = {
    "test_partial_fit_unseen_classes": (
        "seed luck: its only assertion, score > 0 on 4 points after two one-step "
        "partial_fit calls, depends on the initial weights drawn for random_state=0. "
        "skdl draws them from numpy.random.default_rng(0), not from scikit-learn's "
        "RandomState(0), and at this seed its untrained network gets all four points "
        "wrong (over seeds 0-39 the test passes for 36 with skdl, 39 with scikit-learn). "
        "Unseen classes in partial_fit are tested in "
        "tests/test_mlp.py::test_partial_fit_classes_as_scikit_learn"),
}


def _load_suite():
    """scikit-learn's test module, compiled with skdl's estimators in place of its own."""
    text = SOURCE.read_text(encoding="utf-8")
    if text.count(ORIGINAL_IMPORT) != 1:
        # Never run scikit-learn's suite against scikit-learn itself by accident.
        raise RuntimeError(f"{SOURCE} no longer imports the estimators with "
                           f"{ORIGINAL_IMPORT!r}: update this conformance test.")
    module = types.ModuleType("sklearn_test_mlp_on_skdl")
    module.__file__ = str(SOURCE)
    code = compile(text.replace(ORIGINAL_IMPORT, SKDL_IMPORT), str(SOURCE), "exec")
    exec(code, module.__dict__)
    return module


_SUITE = _load_suite()

for _name, _test in vars(_SUITE).items():
    if _name.startswith("test_") and callable(_test):
        if _name in SKIPPED:
            _test = pytest.mark.skip(reason=SKIPPED[_name])(_test)
        elif _name in EXPECTED_TO_FAIL:
            # Only its assertion may fail: an exception (say, a rejected
            # classes= argument) is a real failure.
            _test = pytest.mark.xfail(reason=EXPECTED_TO_FAIL[_name], raises=AssertionError,
                                      strict=True)(_test)
        globals()[_name] = _test


@pytest.fixture(autouse=True)
def one_blas_thread():
    """Run these small problems on one BLAS thread.

    Their matrices are tiny (up to 200 x 100): a second OpenBLAS thread only
    adds hand-offs, and on a busy machine it can stall every product (the
    3,000 epochs of test_n_iter_no_change_inf, measured on a loaded 2-core
    machine: 92-112 s with two threads, 3.6-5.0 s with one).
    """
    with threadpool_limits(limits=1, user_api="blas"):
        yield


@pytest.fixture
def global_random_seed():
    """The seed fixture of scikit-learn's conftest (which is not loaded here).

    As there, ``SKLEARN_TESTS_GLOBAL_RANDOM_SEED`` picks the seed; 42 by default.
    """
    return int(os.environ.get("SKLEARN_TESTS_GLOBAL_RANDOM_SEED", "42"))


def test_the_suite_was_found_and_swapped_to_skdl():
    assert _SUITE.MLPClassifier is skdl.MLPClassifier
    assert _SUITE.MLPRegressor is skdl.MLPRegressor
    collected = {name for name in vars(_SUITE) if name.startswith("test_")}
    assert len(collected) > 30
    # An exception for a test that no longer exists is stale: drop it.
    exceptions = set(SKIPPED) | set(EXPECTED_TO_FAIL)
    assert exceptions <= collected, exceptions - collected

