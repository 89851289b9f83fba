"""Sequential: the flat parameter buffer, pure inference, chunks, pickling, snapshots."""

import pickle

import numpy as np
import pytest

import skdl.network
from skdl._training import Trainer
from skdl.layers import Activation, BatchNormalization, Dense, Dropout, Flatten, Reshape
from skdl.losses import log_loss
from skdl.network import Sequential
from skdl.utils.gradient_check import numerical_gradient, relative_error


def _network(rng, dtype=np.float64):
    layers = [Dense(5), Activation("tanh"), Dense(4), Activation("logistic"), Dense(3)]
    return Sequential(layers).build((6,), rng, dtype)


def test_parameters_are_views_of_one_flat_buffer_with_weights_first(rng):
    net = _network(rng)
    dense = net.layers_of_type(Dense)
    assert net.flat_params.size == 6 * 5 + 5 + 5 * 4 + 4 + 4 * 3 + 3
    assert net.n_regularized == 6 * 5 + 5 * 4 + 4 * 3
    for layer in dense:
        for param in layer.parameters().values():
            assert np.shares_memory(param, net.flat_params)
    net.flat_params[:net.n_regularized] = 0
    assert all(not layer.parameters()["W"].any() for layer in dense)
    assert all(layer.parameters()["b"].any() for layer in dense)


def test_gradients_belong_to_the_trainer_not_the_network(rng):
    net = _network(rng)
    trainer = Trainer(net, log_loss, alpha=0.0)
    grads = net.gradient_views(trainer.flat_grads)
    assert all(np.shares_memory(g, trainer.flat_grads) for layer in grads for g in layer.values())
    assert not hasattr(net, "flat_grads")


def test_network_objective_gradient_with_l2(rng):
    net = _network(rng)
    X = rng.standard_normal((7, 6))
    Y = np.eye(3)[rng.integers(0, 3, 7)]
    sw = rng.uniform(0.5, 2, 7)
    trainer = Trainer(net, log_loss, alpha=0.3)
    trainer.objective(X, Y, sw)
    analytic = trainer.flat_grads.copy()
    numeric = numerical_gradient(lambda: trainer.objective(X, Y, sw), net.flat_params)
    assert relative_error(analytic, numeric) < 1e-7


def test_pickle_holds_each_parameter_once_and_restores_the_views(rng):
    net = _network(rng)
    data = pickle.dumps(net)
    # Each weight once: the pickle is the flat vector plus a small constant.
    assert len(data) < net.flat_params.nbytes + 3000
    clone = pickle.loads(data)
    clone.flat_params[:] = 1.0
    assert all(np.all(layer.parameters()["W"] == 1.0) for layer in clone.layers_of_type(Dense))
    # Pickling did not touch the live network's layers.
    assert all(np.shares_memory(layer.parameters()["W"], net.flat_params)
               for layer in net.layers_of_type(Dense))


def test_inference_leaves_the_network_byte_identical(rng):
    net = Sequential([Dense(8), BatchNormalization(), Activation("relu"), Dropout(0.3),
                      Dense(2)]).build((4,), rng)
    trainer = Trainer(net, log_loss, alpha=0.0)
    trainer.objective(rng.standard_normal((9, 4)), np.eye(2)[rng.integers(0, 2, 9)], None, rng)
    before = pickle.dumps(net)
    net.forward(rng.standard_normal((20, 4)))
    assert pickle.dumps(net) == before


def test_build_is_reproducible_and_respects_dtype():
    a = _network(np.random.default_rng(3), np.float32)
    b = _network(np.random.default_rng(3), np.float32)
    assert a.flat_params.dtype == np.float32
    np.testing.assert_array_equal(a.flat_params, b.flat_params)
    assert a.forward(np.ones((2, 6), np.float32)).dtype == np.float32


def test_inference_casts_chunk_by_chunk(rng):
    net = _network(rng, np.float32)
    X = rng.standard_normal((5, 6))
    np.testing.assert_array_equal(net.forward(X), net.forward(X.astype(np.float32)))


def test_chunked_inference_equals_one_pass(rng, monkeypatch):
    net = _network(rng)
    X = rng.standard_normal((1000, 6))
    whole = net.forward(X)
    monkeypatch.setattr(skdl.network, "INFERENCE_BUDGET", 1000)
    assert 1 < net.chunk_rows(X) < 100
    np.testing.assert_array_equal(net.forward(X), whole)


def test_dropout_only_acts_in_training(rng):
    net = Sequential([Dense(50), Activation("relu"), Dropout(0.5), Dense(2)]).build((4,), rng)
    X = rng.standard_normal((3, 4))
    np.testing.assert_array_equal(net.forward(X), net.forward(X))
    caches = [{} for _ in net.layers]
    assert not np.allclose(net.forward(X, caches, rng), net.forward(X, caches, rng))


def test_snapshot_and_restore_cover_parameters_and_state(rng):
    net = Sequential([Dense(4), BatchNormalization(), Dense(2)]).build((3,), rng)
    saved = net.snapshot()
    trainer = Trainer(net, log_loss, alpha=0.0)
    trainer.objective(rng.standard_normal((10, 3)) + 5.0, np.eye(2)[rng.integers(0, 2, 10)], None)
    net.flat_params += 1.0
    moved = net.layers[1].state()["running_mean"].copy()
    assert np.abs(moved).max() > 0.1
    net.restore(saved)
    np.testing.assert_array_equal(net.flat_params, saved[0])
    np.testing.assert_array_equal(net.layers[1].state()["running_mean"], 0.0)


def test_backward_stops_at_the_first_layer_with_parameters(rng):
    calls = []

    class Spy(Dense):
        def backward(self, dY, cache, grads, input_grad=True):
            calls.append(input_grad)
            return super().backward(dY, cache, grads, input_grad)

    net = Sequential([Reshape((2, 3)), Flatten(), Spy(4), Activation("tanh"), Spy(2)]).build(
        (6,), rng)
    trainer = Trainer(net, log_loss, alpha=0.0)
    trainer.objective(rng.standard_normal((3, 6)), np.eye(2)[[0, 1, 0]], None)
    # Last Dense computes its input gradient, the first one (after a
    # parameter-free Reshape) does not, and the Reshape is never called.
    assert calls == [True, False]


@pytest.mark.parametrize("stop", [1, 2, 3])
def test_forward_can_stop_at_a_hidden_layer(rng, stop):
    net = _network(rng)
    X = rng.standard_normal((4, 6))
    expected = X
    for layer in net.layers[:stop]:
        expected = layer.forward(expected)
    np.testing.assert_array_equal(net.forward(X, stop=stop), expected)


def test_astype_predicts_in_another_precision_without_touching_the_network(rng):
    net = _network(rng, np.float32)
    X = rng.standard_normal((7, 6))
    before = pickle.dumps(net)
    assert net.astype(np.float32) is net
    twin = net.astype(np.float64)
    assert twin.dtype == np.float64 and twin.flat_params.dtype == np.float64
    np.testing.assert_array_equal(twin.flat_params, net.flat_params)
    # The same function of the same (float32) weights, computed in float64.
    expected = X
    for layer in twin.layers:
        assert all(p.dtype == np.float64 for p in layer.parameters().values())
        expected = layer.forward(expected)
    result = net.forward(X, dtype=np.float64)
    assert result.dtype == np.float64
    np.testing.assert_array_equal(result, expected)
    assert net.forward(X).dtype == np.float32
    assert pickle.dumps(net) == before
    assert all(p.dtype == np.float32 for layer in net.layers for p in layer.parameters().values())
