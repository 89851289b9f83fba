import numpy as np
import pytest
from scipy.special import expit, log_softmax as scipy_log_softmax, softmax as scipy_softmax

from skdl.activations import (
    ACTIVATIONS,
    HIDDEN_ACTIVATIONS,
    log_logistic,
    log_softmax,
    logistic,
    softmax,
)
from skdl.layers import Activation
from skdl.utils.gradient_check import check_layer_gradients


@pytest.mark.parametrize("name", HIDDEN_ACTIVATIONS)
def test_activation_gradient_matches_finite_differences(name, rng):
    layer = Activation(name)
    layer.build((5,), rng, np.float64)
    # Keep values away from ReLU's kink at 0, where the derivative jumps.
    X = rng.standard_normal((4, 5))
    X[np.abs(X) < 0.05] = 0.3
    errors = check_layer_gradients(layer, X, rng)
    assert errors["X"] < 1e-7


def test_logistic_matches_expit_and_is_exact_at_extremes():
    z = np.array([-1e4, -745.0, -30.0, -1.0, 0.0, 1.0, 30.0, 1e4])
    # Overflow of exp(-z) is the intended route to the limit 0; it must not
    # produce NaN or a division warning.
    with np.errstate(invalid="raise", divide="raise"):
        np.testing.assert_allclose(logistic(z.copy()), expit(z), rtol=1e-15, atol=0)
    assert logistic(np.array([-1e4]))[0] == 0.0
    assert logistic(np.array([1e4]))[0] == 1.0


def test_logistic_float32_keeps_dtype():
    z = np.linspace(-100, 100, 7, dtype=np.float32)
    assert logistic(z).dtype == np.float32


def test_softmax_is_stable_and_sums_to_one(rng):
    Z = rng.standard_normal((6, 4)) * 1000
    P = softmax(Z.copy())
    assert np.all(np.isfinite(P))
    np.testing.assert_allclose(P.sum(axis=1), 1.0)
    np.testing.assert_allclose(P, scipy_softmax(Z, axis=1), rtol=1e-12, atol=1e-300)


def test_log_softmax_and_log_logistic(rng):
    Z = rng.standard_normal((5, 3)) * 50
    np.testing.assert_allclose(log_softmax(Z), scipy_log_softmax(Z, axis=1), rtol=1e-12)
    z = np.array([-800.0, -3.0, 0.0, 3.0, 800.0])
    naive = np.log(1 / (1 + np.exp(-z[1:4])))
    np.testing.assert_allclose(log_logistic(z)[1:4], naive, rtol=1e-12)
    assert log_logistic(np.array([800.0]))[0] == 0.0
    assert log_logistic(np.array([-800.0]))[0] == -800.0


@pytest.mark.parametrize("name", ["relu", "leaky_relu", "tanh", "logistic", "identity"])
def test_activation_values(name):
    z = np.array([-2.0, -0.5, 0.0, 0.5, 2.0])
    expected = {
        "relu": np.maximum(z, 0),
        "leaky_relu": np.where(z > 0, z, 0.01 * z),
        "tanh": np.tanh(z),
        "logistic": 1 / (1 + np.exp(-z)),
        "identity": z,
    }[name]
    np.testing.assert_allclose(ACTIVATIONS[name](z.copy()), expected, rtol=1e-15)
