import numpy as np
import pytest
from sklearn.metrics import log_loss as sklearn_log_loss
from sklearn.metrics import mean_poisson_deviance

from skdl.activations import logistic, softmax
from skdl.losses import (LOSSES, OUTPUT_ACTIVATION, binary_log_loss, log_loss, output_activation,
                         poisson, squared_error)
from skdl.utils.gradient_check import numerical_gradient, relative_error


def _targets(name, rng, n=6, k=3):
    if name == "squared_error":
        return rng.standard_normal((n, k))
    if name == "binary_log_loss":
        return rng.integers(0, 2, size=(n, k)).astype(float)
    if name == "poisson":
        return rng.poisson(2.0, size=(n, k)).astype(float)
    return np.eye(k)[rng.integers(0, k, size=n)]


@pytest.mark.parametrize("name", sorted(LOSSES))
@pytest.mark.parametrize("weighted", [False, True])
def test_loss_gradient_matches_finite_differences(name, weighted, rng):
    loss = LOSSES[name]
    Y = _targets(name, rng)
    Z = rng.standard_normal(Y.shape) * 2
    sw = rng.uniform(0.1, 3.0, size=Y.shape[0]) if weighted else None
    _, dZ = loss(Y, Z.copy(), sw)
    numeric = numerical_gradient(lambda: loss(Y, Z.copy(), sw)[0], Z)
    assert relative_error(dZ, numeric) < 1e-7


def test_squared_error_is_half_mean_squared_error(rng):
    Y, Z = rng.standard_normal((5, 2)), rng.standard_normal((5, 2))
    value, _ = squared_error(Y, Z)
    assert value == pytest.approx(np.mean((Y - Z) ** 2) / 2)


def test_log_loss_matches_sklearn_with_weights(rng):
    y = rng.integers(0, 4, size=20)
    Y = np.eye(4)[y]
    Z = rng.standard_normal((20, 4))
    sw = rng.uniform(0, 2, size=20)
    value, _ = log_loss(Y, Z, sw)
    expected = sklearn_log_loss(y, softmax(Z.copy()), sample_weight=sw, labels=range(4))
    assert value == pytest.approx(expected, rel=1e-12)


def test_binary_log_loss_matches_cross_entropy_formula(rng):
    Y = rng.integers(0, 2, size=(10, 1)).astype(float)
    Z = rng.standard_normal((10, 1)) * 3
    p = logistic(Z.copy())
    expected = -np.mean(Y * np.log(p) + (1 - Y) * np.log(1 - p))
    assert binary_log_loss(Y, Z)[0] == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize("name", ["binary_log_loss", "log_loss"])
def test_losses_from_logits_stay_finite_for_extreme_logits(name):
    Y = np.array([[1.0, 0.0], [0.0, 1.0]])
    Z = np.array([[-1e4, 1e4], [1e4, -1e4]])
    value, dZ = LOSSES[name](Y, Z)
    assert np.isfinite(value) and value > 1e3
    assert np.all(np.isfinite(dZ))


def test_zero_weights_ignore_samples(rng):
    Y = np.eye(3)[[0, 1, 2, 0]]
    Z = rng.standard_normal((4, 3))
    sw = np.array([1.0, 2.0, 0.0, 0.0])
    full, _ = log_loss(Y, Z, sw)
    kept, _ = log_loss(Y[:2], Z[:2], sw[:2])
    assert full == pytest.approx(kept)


def test_poisson_is_half_the_deviance_with_a_log_link(rng):
    y = rng.poisson(3.0, size=(30, 1)).astype(float)
    y[:5] = 0.0                                      # zero counts are fine
    Z = rng.normal(1.0, 0.5, size=(30, 1))
    sw = rng.uniform(0.5, 2.0, size=30)
    value, dZ = poisson(y, Z.copy(), sw)
    expected = mean_poisson_deviance(y[:, 0], np.exp(Z[:, 0]), sample_weight=sw) / 2
    assert value == pytest.approx(expected, rel=1e-12)
    np.testing.assert_allclose(dZ[:, 0], sw * (np.exp(Z[:, 0]) - y[:, 0]) / sw.sum())
    # Zero at a perfect prediction.
    assert poisson(y[5:], np.log(y[5:]))[0] == pytest.approx(0.0, abs=1e-12)
    assert OUTPUT_ACTIVATION["poisson"] == "exp"
    np.testing.assert_allclose(output_activation("poisson", Z), np.exp(Z))


@pytest.mark.parametrize("name", sorted(LOSSES))
def test_total_weight_divides_the_weighted_sum(name, rng):
    loss = LOSSES[name]
    Y = _targets(name, rng, n=8)
    Z = rng.standard_normal(Y.shape)
    sw = rng.uniform(0.0, 3.0, size=8)
    mean, dmean = loss(Y, Z.copy(), sw)
    value, dZ = loss(Y, Z.copy(), sw, total_weight=40.0)
    # The default divisor is the batch's weight sum (a weighted mean).
    assert value == pytest.approx(mean * sw.sum() / 40.0, rel=1e-12)
    np.testing.assert_allclose(dZ, dmean * sw.sum() / 40.0, rtol=1e-12)
    # Without weights the loss is the plain mean, whatever total_weight says.
    assert loss(Y, Z.copy(), None, total_weight=40.0)[0] == loss(Y, Z.copy())[0]
