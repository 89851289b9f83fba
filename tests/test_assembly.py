"""The one dense head and its checks, shared by every estimator."""

import numpy as np
import pytest

import skdl
from skdl._assembly import dense_head, dropout_rates, init_gain, layer_sizes
from skdl.layers import Activation, BatchNormalization, Dense, Dropout


def test_dense_head_layers():
    layers = dense_head((8, 4), 3, "tanh", (0.0, 0.5), input_dropout=0.2)
    assert [type(layer) for layer in layers] == [
        Dropout, Dense, Activation, Dense, Activation, Dropout, Dense]
    normed = dense_head((8,), 2, "relu", (0.0,), batch_norm=True)
    assert [type(layer) for layer in normed] == [Dense, BatchNormalization, Activation, Dense]
    assert not normed[0].use_bias and normed[-1].use_bias


@pytest.mark.parametrize("activation, gain", [("logistic", 2.0), ("sigmoid", 2.0),
                                              ("relu", 6.0), ("tanh", 6.0)])
def test_every_dense_layer_uses_scikit_learns_gain(activation, gain):
    assert init_gain(activation) == gain
    assert all(layer.init_gain == gain
               for layer in dense_head((5, 5), 2, activation, (0.0, 0.0))
               if isinstance(layer, Dense))


@pytest.mark.parametrize("Estimator, kw", [
    (skdl.MLPClassifier, dict(hidden_layer_sizes=(5,))),
    (skdl.ConvNetClassifier, dict(input_shape=(4, 4), hidden_layer_sizes=(5,))),
    (skdl.RNNClassifier, dict(hidden_layer_sizes=(5,))),
])
def test_heads_of_all_estimators_agree(Estimator, kw):
    X = np.random.default_rng(0).standard_normal((20, 16))
    y = np.arange(20) % 2
    est = Estimator(activation="logistic", max_iter=1, random_state=0, **kw).fit(X, y)
    dense = est.network_.layers_of_type(Dense)
    assert all(layer.init_gain == 2.0 for layer in dense)
    with pytest.raises(ValueError, match="L-BFGS"):
        Estimator(dropout=0.5, solver="lbfgs", **kw).fit(X, y)


def test_layer_sizes_validation():
    assert layer_sizes(3, "h") == (3,)
    assert layer_sizes([4, 2], "h") == (4, 2)
    assert layer_sizes((), "h") == ()
    for bad in [(0,), (2, -1), (1.5,), (True,), "ab"]:
        with pytest.raises(ValueError, match="h must be"):
            layer_sizes(bad, "h")
    with pytest.raises(ValueError, match="non-empty"):
        layer_sizes((), "h", allow_empty=False)


def test_dropout_rates_validation():
    assert dropout_rates(0.2, 3, "adam", "x") == (0.2, 0.2, 0.2)
    assert dropout_rates((0.1, 0.0), 2, "adam", "x") == (0.1, 0.0)
    assert dropout_rates(0.0, 2, "lbfgs", "x") == (0.0, 0.0)
    with pytest.raises(ValueError, match="2 places"):
        dropout_rates((0.1,), 2, "adam", "one per hidden layer")
    with pytest.raises(ValueError, match=r"\[0, 1\)"):
        dropout_rates(1.0, 1, "adam", "x")
