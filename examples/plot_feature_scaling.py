"""
Feature scaling: gradient descent with and without StandardScaler
=================================================================

The breast-cancer features live on very different scales: a cell's mean area
is in the hundreds or thousands, its smoothness around 0.1. The loss surface
of a linear model is then a long, narrow valley: the gradient is dominated by
the large features, a learning rate small enough not to overshoot along them
barely moves the weights of the small ones, and gradient descent zig-zags.
Standardising every feature to zero mean and unit variance
(``StandardScaler``, first step of the pipeline) makes the valley round, so
one learning rate suits every direction and the gradient points at the
minimum.

We train ``skdl.LogisticRegression(solver="sgd")`` on the raw and on the
standardised features with learning rates from 1 down to :math:`10^{-6}`
(the larger ones diverge on raw features, which skdl reports as an error
naming the learning rate), and print how many epochs each needs to bring the
training loss below 0.2, and the test accuracy. L-BFGS, which estimates the
curvature instead of using a learning rate, is slowed down by raw features
too: the same comparison for it is printed at the end.
"""

import os
import warnings

import numpy as np
from sklearn.datasets import load_breast_cancer
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from threadpoolctl import threadpool_limits

from skdl import LogisticRegression

FAST = os.environ.get("SKDL_EXAMPLES_FAST") == "1"
# A few hundred samples, 30 features: BLAS threads only add overhead here.
threadpool_limits(1)
warnings.simplefilter("ignore", ConvergenceWarning)

X, y = load_breast_cancer(return_X_y=True)
X_train, X_test, y_train, y_test = train_test_split(X, y, stratify=y, random_state=0)
print("feature standard deviations range from "
      f"{X_train.std(axis=0).min():.2g} to {X_train.std(axis=0).max():.2g}")

epochs = 15 if FAST else 100
rates = [1.0, 1e-2, 1e-4, 1e-6] if FAST else [1.0, 1e-1, 1e-2, 1e-3, 1e-4, 1e-5, 1e-6]
target = 0.2


def make_model(scaled, rate, solver="sgd"):
    clf = LogisticRegression(solver=solver, learning_rate_init=rate, momentum=0.9,
                             max_iter=epochs, alpha=1.0, tol=0, n_iter_no_change=10**6,
                             random_state=0)
    return make_pipeline(StandardScaler(), clf) if scaled else make_pipeline(clf)


def epochs_to_reach(curve, level):
    below = np.flatnonzero(np.asarray(curve) < level)
    return int(below[0]) + 1 if below.size else None


print(f"\nSGD with momentum, {epochs} epochs")
print(f"{'features':>12} {'rate':>7} {'loss ep 1':>10} {'final loss':>10} "
      f"{'epochs to <' + str(target):>14} {'test acc':>8}")
curves = {}
for scaled in (False, True):
    name = "standardised" if scaled else "raw"
    for rate in rates:
        model = make_model(scaled, rate)
        try:
            model.fit(X_train, y_train)
        except ValueError:  # the loss blew up: skdl stops and names the rate
            print(f"{name:>12} {rate:7g} {'diverged':>10}")
            continue
        curve = model[-1].loss_curve_
        reached = epochs_to_reach(curve, target)
        print(f"{name:>12} {rate:7g} {curve[0]:10.4f} {curve[-1]:10.4f} "
              f"{str(reached) if reached else 'never':>14} {model.score(X_test, y_test):8.3f}")
        if name not in curves or curve[-1] < curves[name][1][-1]:
            curves[name] = (rate, curve)
for name, (rate, curve) in curves.items():
    reached = epochs_to_reach(curve, target)
    print(f"best rate on {name} features: {rate:g}, final loss {curve[-1]:.4f}, "
          + (f"below {target} after {reached} epochs" if reached else f"never below {target}"))

print("\nL-BFGS (no learning rate), up to 1000 iterations")
for scaled in (False, True):
    model = make_model(scaled, 1e-3, solver="lbfgs")
    model.set_params(**{model.steps[-1][0] + "__max_iter": 1000})
    model.fit(X_train, y_train)
    name = "standardised" if scaled else "raw"
    print(f"{name:>12}: {model[-1].n_iter_:4d} iterations, final loss "
          f"{model[-1].loss_:.4f}, test accuracy {model.score(X_test, y_test):.3f}")

try:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
except ImportError:
    plt = None

if plt is not None:
    fig, ax = plt.subplots(figsize=(6, 4))
    for name, (rate, curve) in curves.items():
        ax.semilogy(range(1, len(curve) + 1), curve,
                    label=f"{name} features (best rate {rate:g})")
    ax.axhline(target, color="gray", lw=0.8, ls=":")
    ax.set_xlabel("epoch")
    ax.set_ylabel("training loss")
    ax.set_title("SGD with momentum, logistic regression")
    ax.legend()
    fig.tight_layout()
    fig.savefig("feature_scaling.png", dpi=100)
    print("saved feature_scaling.png")
