import pickle

import numpy as np

from skdl._training import objective
from skdl.layers import Activation, Dense, Dropout
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
    for param in net.params():
        assert np.shares_memory(param, net.flat_params)
    for grad in net.grads():
        assert np.shares_memory(grad, net.flat_grads)
    net.flat_params[:net.n_regularized] = 0
    assert all(not layer.W.any() for layer in dense)
    assert all(layer.b.any() for layer in dense)


def test_network_objective_gradient_with_l2(rng):
    net = _network(rng)
    X = rng.standard_normal((7, 6))
    Y = np.eye(3)[rng.integers(0, 3, 7)]
    sw = rng.uniform(0.5, 2, 7)
    objective(net, log_loss, X, Y, sw, alpha=0.3)
    analytic = net.flat_grads.copy()
    numeric = numerical_gradient(lambda: objective(net, log_loss, X, Y, sw, alpha=0.3), net.flat_params)
    assert relative_error(analytic, numeric) < 1e-7


def test_pickle_restores_the_shared_buffer(rng):
    net = pickle.loads(pickle.dumps(_network(rng)))
    net.flat_params[:] = 1.0
    assert all(np.all(layer.W == 1.0) for layer in net.layers_of_type(Dense))
    assert all(np.shares_memory(g, net.flat_grads) for g in net.grads())


def test_build_is_reproducible_and_respects_dtype():
    a = _network(np.random.default_rng(3), np.float32)
    b = _network(np.random.default_rng(3), np.float32)
    assert a.flat_params.dtype == np.float32
    np.testing.assert_array_equal(a.flat_params, b.flat_params)
    assert a.forward(np.ones((2, 6), np.float32)).dtype == np.float32


def test_dropout_only_acts_in_training(rng):
    net = Sequential([Dense(50), Activation("relu"), Dropout(0.5), Dense(2)]).build((4,), rng)
    X = rng.standard_normal((3, 4))
    np.testing.assert_array_equal(net.forward(X), net.forward(X))
    assert not np.allclose(net.forward(X, training=True), net.forward(X, training=True))


def test_backward_stops_at_the_first_layer_with_parameters(rng):
    from skdl.layers import Flatten, Reshape

    calls = []

    class Spy(Dense):
        def backward(self, dY, input_grad=True):
            calls.append(input_grad)
            return super().backward(dY, input_grad)

    net = Sequential([Reshape((2, 3)), Flatten(), Spy(4), Activation("tanh"), Spy(2)]).build((6,), rng)
    net.forward(rng.standard_normal((3, 6)))
    net.backward(np.ones((3, 2)))
    # Last Dense computes its input gradient, the first one (after a
    # parameter-free Reshape) does not, and the Reshape is never called.
    assert calls == [True, False]
