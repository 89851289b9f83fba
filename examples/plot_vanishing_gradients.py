"""
==========================================================
Sigmoid versus ReLU in a deep network: vanishing gradients
==========================================================

Backpropagation multiplies the gradient, layer by layer on its way back from
the output, by the derivative of each activation. The sigmoid's derivative is
at most 1/4, so in a deep stack of sigmoid layers the gradient shrinks
geometrically and the layers near the input barely learn, while the layers
near the output have settled. ReLU's derivative is 1 for every active unit,
so the gradient keeps its size.

We build the same network with 8 hidden layers of 32 units with both
activations, compute the gradient of one batch at initialisation, layer by
layer, and then train both networks on digits.
"""

# %%
# The networks, built from skdl's layers
# --------------------------------------
# An :class:`~skdl.MLPClassifier` with ``hidden_layer_sizes=(32,) * 8`` is a
# :class:`~skdl.network.Sequential` network of :class:`~skdl.layers.Dense`
# and :class:`~skdl.layers.Activation` layers (its fitted ``network_``). We
# build the same stack with the engine's public layers, initialised as the
# estimator does (scikit-learn's Glorot rule: a gain of 2 for sigmoid units,
# 6 for the others), so that we can ask for its gradient before any training.

import warnings

import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler

from skdl import MLPClassifier
from skdl.layers import Activation, Dense
from skdl.losses import log_loss
from skdl.network import Sequential

DEPTH, WIDTH = 8, 32

X, y = load_digits(return_X_y=True)
X = StandardScaler().fit_transform(X)
X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=0)


def deep_network(activation):
    gain = 2.0 if activation == "logistic" else 6.0
    layers = []
    for _ in range(DEPTH):
        layers += [Dense(WIDTH, init_gain=gain), Activation(activation)]
    layers.append(Dense(10, init_gain=gain))  # the logits; softmax is in the loss
    return Sequential(layers).build((X.shape[1],), np.random.default_rng(0))


# %%
# One gradient, layer by layer
# ----------------------------
# A training step is a forward pass that fills one cache per layer, the loss
# and its gradient with respect to the logits, and a backward pass that
# writes every parameter's gradient into one flat vector, laid out like the
# network's parameters.


def weight_gradient_norms(network, X_batch, y_batch):
    caches = [{} for _ in network.layers]
    logits = network.forward(X_batch, caches)
    _, dlogits = log_loss(np.eye(10)[y_batch], logits)
    flat_grads = np.zeros_like(network.flat_params)
    network.backward(dlogits, caches, network.gradient_views(flat_grads))
    grads = network.gradient_views(flat_grads)
    return np.array([np.linalg.norm(g["W"])
                     for layer, g in zip(network.layers, grads) if isinstance(layer, Dense)])


norms = {name: weight_gradient_norms(deep_network(activation), X_train[:256], y_train[:256])
         for name, activation in [("sigmoid", "logistic"), ("ReLU", "relu")]}
print("weight-gradient norm per dense layer (1 = next to the input)")
print(f"{'layer':>5} {'sigmoid':>10} {'ReLU':>10}")
for i, (s, r) in enumerate(zip(norms["sigmoid"], norms["ReLU"]), start=1):
    print(f"{i:>5} {s:10.2e} {r:10.2e}")
ratio = {name: values[0] / values[-1] for name, values in norms.items()}
print(f"first / last layer: sigmoid {ratio['sigmoid']:.1e}, ReLU {ratio['ReLU']:.1e}")

# %%
# With sigmoids the gradient of the first layer is about a million times
# smaller than the output layer's: each of the 8 sigmoid layers multiplies it
# by a factor well below one. With ReLU all layers receive gradients of the
# same order.

layers = np.arange(1, DEPTH + 2)
fig, ax = plt.subplots(figsize=(6, 4))
ax.semilogy(layers, norms["sigmoid"], "o-", label="sigmoid")
ax.semilogy(layers, norms["ReLU"], "s-", label="ReLU")
ax.set_xlabel("dense layer (1 = next to the input)")
ax.set_ylabel("weight-gradient norm at initialisation")
ax.legend()
fig.tight_layout()
plt.show()

# %%
# What it does to training
# ------------------------
# The same two architectures, trained by :class:`~skdl.MLPClassifier` with
# Adam for 30 epochs.

accuracy = {}
for name, activation in [("sigmoid", "logistic"), ("ReLU", "relu")]:
    model = MLPClassifier(hidden_layer_sizes=(WIDTH,) * DEPTH, activation=activation,
                          max_iter=30, learning_rate_init=1e-3, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(X_train, y_train)
    accuracy[name] = model.score(X_test, y_test)
    print(f"{name:8s} test accuracy after 30 epochs: {accuracy[name]:.3f}")

# %%
# The deep sigmoid network has barely left chance (10 classes: 0.1), its
# first layers having hardly moved; the ReLU network learned the task. Depth
# needs activations whose derivative does not shrink the gradient.
