"""
Optimizers on one problem: SGD, momentum, Adagrad, RMSProp, Adam, SWATS
=======================================================================

The same MLP on digits, trained with each optimizer for the same number of
epochs from the same initial weights. Momentum speeds plain SGD up; Adagrad
and RMSProp adapt a step size per parameter; Adam combines momentum with
RMSProp's scaling; SWATS starts as Adam and switches to SGD with momentum
once the step size Adam implies has settled (``switch_epoch_``).
"""

import os
import warnings

from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler

from skdl import MLPClassifier

FAST = os.environ.get("SKDL_EXAMPLES_FAST") == "1"
X, y = load_digits(return_X_y=True)
X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=0)
scaler = StandardScaler().fit(X_train)
X_train, X_test = scaler.transform(X_train), scaler.transform(X_test)
epochs = 5 if FAST else 40

settings = {
    "SGD": dict(solver="sgd", momentum=0.0, learning_rate_init=0.01),
    "SGD + momentum": dict(solver="sgd", momentum=0.9, nesterovs_momentum=False,
                           learning_rate_init=0.01),
    "Adagrad": dict(solver="adagrad", learning_rate_init=0.01),
    "RMSProp": dict(solver="rmsprop", learning_rate_init=0.001),
    "Adam": dict(solver="adam", learning_rate_init=0.001),
    "SWATS": dict(solver="swats", learning_rate_init=0.001),
}
print(f"{'optimizer':15} {'loss ep 1':>9} {'final loss':>10} {'test acc':>8}")
curves = {}
for name, params in settings.items():
    model = MLPClassifier(hidden_layer_sizes=(64,), max_iter=epochs, batch_size=64, tol=0,
                          n_iter_no_change=10**6, random_state=0, **params)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(X_train, y_train)
    curves[name] = model.loss_curve_
    extra = ""
    if name == "SWATS":
        extra = f"  (switched to SGD in epoch {model.switch_epoch_})"
    print(f"{name:15} {model.loss_curve_[0]:9.3f} {model.loss_curve_[-1]:10.4f} "
          f"{model.score(X_test, y_test):8.3f}{extra}")

try:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
except ImportError:
    plt = None

if plt is not None:
    fig, ax = plt.subplots(figsize=(6, 4))
    for name, curve in curves.items():
        ax.semilogy(range(1, len(curve) + 1), curve, label=name)
    ax.set_xlabel("epoch")
    ax.set_ylabel("training loss")
    ax.legend()
    fig.tight_layout()
    fig.savefig("optimizers.png", dpi=100)
    print("saved optimizers.png")
