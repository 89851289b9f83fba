"""
Overfitting tamed by L2, dropout and early stopping
===================================================

A wide two-layer MLP trained long on a small, noisy training set memorises
it: the training loss keeps falling while the validation loss turns upwards.
Three regularisers pull it back:

- **L2** (``alpha``) adds :math:`\\frac{\\alpha}{2n}\\lVert W\\rVert^2` to the loss,
  keeping weights small and the function smooth;
- **dropout** randomly silences hidden units while training, so no unit can
  rely on a few others;
- **early stopping** holds out part of the training data and keeps the
  weights of the epoch with the best validation score.

For each we print the final training and validation losses and the test
accuracy, read from ``loss_curve_`` and ``validation_loss_curve_``.
"""

import os
import warnings

import numpy as np
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler

from skdl import MLPClassifier

FAST = os.environ.get("SKDL_EXAMPLES_FAST") == "1"

X, y = load_digits(return_X_y=True)
rng = np.random.default_rng(0)
X = X + rng.normal(scale=4.0, size=X.shape)  # noisy pixels make memorising tempting
X_train, X_test, y_train, y_test = train_test_split(X, y, train_size=300, random_state=0)
scaler = StandardScaler().fit(X_train)
X_train, X_test = scaler.transform(X_train), scaler.transform(X_test)

epochs = 40 if FAST else 200
common = dict(hidden_layer_sizes=(128, 128), max_iter=epochs, learning_rate_init=1e-3,
              early_stopping=True, validation_fraction=0.2, random_state=0)
settings = {
    "no regularisation": dict(alpha=0.0, n_iter_no_change=10**6),
    "L2 (alpha=5)": dict(alpha=5.0, n_iter_no_change=10**6),
    "dropout 0.5": dict(alpha=0.0, dropout=0.5, n_iter_no_change=10**6),
    "early stopping": dict(alpha=0.0, n_iter_no_change=10),
}

print(f"{'setting':20} {'epochs':>6} {'train loss':>10} {'val loss':>9} {'best val loss':>13} "
      f"{'test acc':>8}")
curves = {}
for name, extra in settings.items():
    model = MLPClassifier(**common, **extra)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(X_train, y_train)
    curves[name] = (model.loss_curve_, model.validation_loss_curve_)
    print(f"{name:20} {model.n_iter_:6d} {model.loss_curve_[-1]:10.3f} "
          f"{model.validation_loss_curve_[-1]:9.3f} {min(model.validation_loss_curve_):13.3f} "
          f"{model.score(X_test, y_test):8.3f}")

try:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
except ImportError:
    plt = None

if plt is not None:
    fig, axes = plt.subplots(1, len(curves), figsize=(4 * len(curves), 3.5), sharey=True)
    for ax, (name, (train, val)) in zip(axes, curves.items()):
        ax.plot(train, label="training loss")
        ax.plot(val, label="validation loss")
        ax.set_title(name)
        ax.set_xlabel("epoch")
    axes[0].legend()
    fig.tight_layout()
    fig.savefig("regularization.png", dpi=100)
    print("saved regularization.png")
