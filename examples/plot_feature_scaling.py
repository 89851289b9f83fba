"""
=================================================================
Feature scaling: gradient descent with and without StandardScaler
=================================================================

The breast-cancer features live on very different scales: a cell's mean area
is in the hundreds or thousands, its smoothness around 0.1. The loss surface
of a linear model is then a long, narrow valley: the gradient is dominated by
the large features, a learning rate small enough not to overshoot along them
barely moves the weights of the small ones, and gradient descent zig-zags.
Standardising every feature to zero mean and unit variance
(``StandardScaler``, as the first step of a pipeline) makes the valley
round, so that one learning rate suits every direction.
"""

# %%
# The data
# --------

import warnings

import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_breast_cancer
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skdl import LogisticRegression

warnings.simplefilter("ignore", ConvergenceWarning)
X, y = load_breast_cancer(return_X_y=True)
X_train, X_test, y_train, y_test = train_test_split(X, y, stratify=y, random_state=0)
spread = X_train.std(axis=0)
print(f"feature standard deviations range from {spread.min():.2g} to {spread.max():.2g}")

# %%
# Gradient descent at many learning rates
# ---------------------------------------
# :class:`~skdl.LogisticRegression` trained by SGD with momentum for 100
# epochs, on the raw and on the standardised features, with learning rates
# from 1 down to :math:`10^{-6}`. For each run we record how many epochs it
# needs to bring the training loss below 0.2. A fit whose loss becomes
# infinite stops with an error naming the learning rate.

EPOCHS, TARGET = 100, 0.2
RATES = [1.0, 1e-1, 1e-2, 1e-3, 1e-4, 1e-5, 1e-6]


def make_model(scaled, rate, solver="sgd"):
    clf = LogisticRegression(solver=solver, learning_rate_init=rate, momentum=0.9,
                             max_iter=EPOCHS, alpha=1.0, tol=0, n_iter_no_change=10**6,
                             random_state=0)
    return make_pipeline(StandardScaler(), clf) if scaled else make_pipeline(clf)


def epochs_to_reach(curve, level):
    below = np.flatnonzero(np.asarray(curve) < level)
    return int(below[0]) + 1 if below.size else None


runs = {}  # (features, rate) -> loss curve, or None if the fit diverged
print(f"{'features':>12s} {'rate':>7s} {'final loss':>10s} {'epochs to < 0.2':>15s} "
      f"{'test accuracy':>13s}")
for features in ("raw", "standardised"):
    for rate in RATES:
        model = make_model(features == "standardised", rate)
        try:
            model.fit(X_train, y_train)
        except ValueError:
            runs[features, rate] = None
            print(f"{features:>12s} {rate:7g} {'diverged':>10s}")
            continue
        curve = runs[features, rate] = model[-1].loss_curve_
        reached = epochs_to_reach(curve, TARGET)
        print(f"{features:>12s} {rate:7g} {curve[-1]:10.4f} {reached or 'never':>15} "
              f"{model.score(X_test, y_test):13.3f}")

best = {}
for features in ("raw", "standardised"):
    finished = {rate: curve for (f, rate), curve in runs.items()
                if f == features and curve is not None}
    best[features] = min(finished, key=lambda rate: finished[rate][-1])
print("best rate: " + ", ".join(f"{f} features {rate:g}" for f, rate in best.items()))

# %%
# On raw features the largest rate diverges, and no rate brings the loss
# below 0.2 in 100 epochs: a rate large enough for the small features makes
# the large ones overshoot, and the best compromise still crawls. On
# standardised features a wide range of rates reaches the target within a
# few epochs.

fig, ax = plt.subplots(figsize=(6, 4))
for features, rate in best.items():
    curve = runs[features, rate]
    ax.semilogy(range(1, EPOCHS + 1), curve, label=f"{features} features (best rate {rate:g})")
ax.axhline(TARGET, color="gray", lw=0.8, ls=":")
ax.set_xlabel("epoch")
ax.set_ylabel("training loss")
ax.set_title("SGD with momentum, logistic regression")
ax.legend()
fig.tight_layout()
plt.show()

# %%
# L-BFGS needs scaled features too
# --------------------------------
# L-BFGS estimates the curvature of the loss instead of using a learning
# rate, yet badly scaled features slow it down as well.

lbfgs_iterations = {}
for features in ("raw", "standardised"):
    model = make_model(features == "standardised", 1e-3, solver="lbfgs")
    model.set_params(**{model.steps[-1][0] + "__max_iter": 1000})
    model.fit(X_train, y_train)
    lbfgs_iterations[features] = model[-1].n_iter_
    print(f"{features:>12s}: {model[-1].n_iter_:4d} iterations, final loss "
          f"{model[-1].loss_:.4f}, test accuracy {model.score(X_test, y_test):.3f}")

# %%
# On raw features L-BFGS uses its whole budget of 1,000 iterations and still
# ends at a higher loss; on standardised features it converges in a few
# dozen.
