"""
Sigmoid versus ReLU in a deep network: vanishing gradients
==========================================================

Backpropagation multiplies, layer by layer, by the derivative of the
activation. The sigmoid's derivative is at most 1/4, so in a deep stack of
sigmoid layers the gradient shrinks geometrically on its way back to the
first layers: they barely learn. ReLU's derivative is 1 for active units, so
the gradient keeps its size.

We build the same 8-hidden-layer network with both activations, compute one
batch gradient at initialisation and print the gradient norm of every layer's
weights, then train both briefly and compare their accuracy on digits.
"""

import os
import warnings

import numpy as np
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler

from skdl import MLPClassifier
from skdl._training import Trainer
from skdl.layers import Dense
from skdl.losses import log_loss

FAST = os.environ.get("SKDL_EXAMPLES_FAST") == "1"
DEPTH = 8

X, y = load_digits(return_X_y=True)
X = StandardScaler().fit_transform(X)
X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=0)
Y_train = np.eye(10)[y_train]


def gradient_norms(activation):
    """Per-layer weight-gradient norms of a freshly initialised network."""
    model = MLPClassifier(hidden_layer_sizes=(32,) * DEPTH, activation=activation,
                          max_iter=1, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(X_train[:50], y_train[:50])  # builds the network
    network = model.network_
    # Re-initialise so both activations start from their own Glorot weights.
    fresh = type(network)(model._build_network(64, 10)).build((64,), np.random.default_rng(0))
    trainer = Trainer(fresh, log_loss, alpha=0.0)
    trainer.objective(X_train[:256], Y_train[:256], None)
    grads = fresh.gradient_views(trainer.flat_grads)
    return [float(np.linalg.norm(layer_grads["W"]))
            for layer, layer_grads in zip(fresh.layers, grads) if isinstance(layer, Dense)]


print(f"weight-gradient norm per layer at initialisation ({DEPTH} hidden layers of 32)")
print(f"{'layer':>6} {'sigmoid':>12} {'relu':>12}")
sigmoid_norms, relu_norms = gradient_norms("logistic"), gradient_norms("relu")
for i, (s, r) in enumerate(zip(sigmoid_norms, relu_norms), start=1):
    print(f"{i:>6} {s:12.2e} {r:12.2e}")
print(f"first/last layer ratio: sigmoid {sigmoid_norms[0] / sigmoid_norms[-1]:.1e}, "
      f"relu {relu_norms[0] / relu_norms[-1]:.1e}")

epochs = 5 if FAST else 30
for activation in ["logistic", "relu"]:
    model = MLPClassifier(hidden_layer_sizes=(32,) * DEPTH, activation=activation,
                          max_iter=epochs, learning_rate_init=1e-3, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(X_train, y_train)
    print(f"{activation:>8}: test accuracy after {epochs} epochs {model.score(X_test, y_test):.3f}")

try:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
except ImportError:
    plt = None

if plt is not None:
    fig, ax = plt.subplots(figsize=(6, 4))
    layers = np.arange(1, len(sigmoid_norms) + 1)
    ax.semilogy(layers, sigmoid_norms, "o-", label="sigmoid")
    ax.semilogy(layers, relu_norms, "s-", label="ReLU")
    ax.set_xlabel("layer (1 = next to the input)")
    ax.set_ylabel("weight-gradient norm")
    ax.legend()
    fig.tight_layout()
    fig.savefig("vanishing_gradients.png", dpi=100)
    print("saved vanishing_gradients.png")
