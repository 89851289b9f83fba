"""
Convolutional network versus multilayer perceptron on digits
============================================================

A convolution is a fully connected layer with most weights forced to zero
(each unit sees a small window) and the rest shared (every window uses the
same filter). Those two constraints encode what we know about images: a
pattern is small compared with the image, and it may appear anywhere.

We train a small CNN (two convolution blocks) and an MLP on scikit-learn's
8x8 digits and compare their test accuracy and their number of parameters:
the CNN matches the MLP with fewer parameters. Then we shift every test
image by one pixel, a translation neither model saw in training. Both
suffer (an 8x8 digit moved by one pixel is a large change), but the CNN,
whose shared filters find strokes wherever they are and whose max pooling
forgives small displacements, keeps clearly more of its accuracy than the
MLP, whose weights are tied to pixel positions.
"""

import os
import time
import warnings

import numpy as np
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split

from skdl.convnet import ConvNetClassifier

try:
    from skdl import MLPClassifier
    MLP_SOURCE = "skdl.MLPClassifier"
except ImportError:  # before skdl's MLP existed
    from sklearn.neural_network import MLPClassifier
    MLP_SOURCE = "sklearn.neural_network.MLPClassifier (skdl's MLP not available)"

FAST = os.environ.get("SKDL_EXAMPLES_FAST") == "1"
warnings.simplefilter("ignore", ConvergenceWarning)

X, y = load_digits(return_X_y=True)
X = X / 16.0
X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.3, random_state=0)
if FAST:
    X_train, y_train = X_train[:600], y_train[:600]
epochs = 30 if FAST else 60

cnn = ConvNetClassifier(input_shape=(8, 8), filters=(8, 16), kernel_size=3, padding="same",
                        pooling="max", pool_size=2, hidden_layer_sizes=(32,),
                        learning_rate_init=0.003, max_iter=epochs, random_state=0)
mlp = MLPClassifier(hidden_layer_sizes=(64,), learning_rate_init=0.003, max_iter=epochs,
                    random_state=0)


def n_parameters(model):
    if hasattr(model, "network_"):
        return model.network_.flat_params.size
    return sum(W.size for W in model.coefs_) + sum(b.size for b in model.intercepts_)


def shift_right(rows, pixels=1):
    """Move every 8x8 image ``pixels`` columns to the right (zeros enter on the left)."""
    images = rows.reshape(-1, 8, 8)
    shifted = np.zeros_like(images)
    shifted[:, :, pixels:] = images[:, :, :-pixels]
    return shifted.reshape(len(rows), -1)


X_shifted = shift_right(X_test)
print(f"MLP used: {MLP_SOURCE}")
print(f"{'model':6s} {'parameters':>10s} {'fit (s)':>8s} {'test acc':>9s} {'shifted acc':>12s}")
results = {}
for name, model in [("CNN", cnn), ("MLP", mlp)]:
    start = time.perf_counter()
    model.fit(X_train, y_train)
    seconds = time.perf_counter() - start
    results[name] = (model.score(X_test, y_test), model.score(X_shifted, y_test))
    print(f"{name:6s} {n_parameters(model):10d} {seconds:8.2f} {results[name][0]:9.3f} "
          f"{results[name][1]:12.3f}")

print("\nThe CNN's first layer has only "
      f"{cnn.conv_coefs_[0].size + cnn.conv_intercepts_[0].size} parameters "
      f"({cnn.conv_coefs_[0].shape[-1]} filters of 3x3 plus biases), however large the image;\n"
      f"the MLP's first layer has {mlp.coefs_[0].size + mlp.intercepts_[0].size}, "
      "one weight per pixel and unit.")

try:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
except ImportError:
    plt = None

if plt is not None:
    fig, ax = plt.subplots(figsize=(5, 3.5))
    names = list(results)
    ax.bar(np.arange(2) - 0.2, [results[n][0] for n in names], 0.4, label="test")
    ax.bar(np.arange(2) + 0.2, [results[n][1] for n in names], 0.4, label="test, shifted 1 px")
    ax.set_xticks(range(2), [f"{n}\n{n_parameters(m)} parameters"
                             for n, m in zip(names, (cnn, mlp))])
    ax.set_ylim(0, 1)
    ax.set_ylabel("accuracy")
    ax.legend(loc="lower right")
    fig.tight_layout()
    fig.savefig("cnn_vs_mlp.png", dpi=100)
    print("saved cnn_vs_mlp.png")
