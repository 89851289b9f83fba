"""
===========================================
XOR: a hidden layer transforms the features
===========================================

In the XOR problem the label is 1 when exactly one of the two inputs is
positive. No straight line puts the two quadrants of class 1 on one side and
the two of class 0 on the other, so no linear classifier can solve it. A
multilayer perceptron with one small hidden layer can: the hidden layer
learns a *feature transformation* in which the classes become linearly
separable, and the output layer, itself a logistic regression on the hidden
features, then separates them.
"""

# %%
# The data
# --------
# Points drawn uniformly in the square :math:`[-1, 1]^2`, labelled by the
# sign pattern of their coordinates; half of them are kept as a test set.

import matplotlib.pyplot as plt
import numpy as np
from sklearn.model_selection import train_test_split

from skdl import LogisticRegression, MLPClassifier

rng = np.random.default_rng(0)
X = rng.uniform(-1, 1, size=(800, 2))
y = ((X[:, 0] > 0) ^ (X[:, 1] > 0)).astype(int)
X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.5, random_state=0)

# %%
# A linear model, and a network with one hidden layer
# ---------------------------------------------------
# :class:`~skdl.LogisticRegression` draws one line. The MLP has 8 ``tanh``
# units in its hidden layer and is trained with L-BFGS, which suits a data
# set this small.

linear = LogisticRegression(alpha=1e-4).fit(X_train, y_train)
mlp = MLPClassifier(hidden_layer_sizes=(8,), activation="tanh", solver="lbfgs",
                    alpha=1e-3, max_iter=3000, random_state=0).fit(X_train, y_train)

accuracy = {"logistic regression": linear.score(X_test, y_test),
            "MLP, 8 hidden units": mlp.score(X_test, y_test)}
for name, value in accuracy.items():
    print(f"{name:22s} test accuracy {value:.3f}")

# %%
# Logistic regression is far from solving the problem. On this square no
# line can be right on more than two thirds of the points: the best one cuts
# off a corner of one quadrant (the line :math:`x_1 + x_2 = 2/3` does), and
# logistic regression, which minimises the cross-entropy rather than the
# number of errors, does not even reach that. The MLP classifies nearly every
# test point correctly. The probability maps show why.

grid = np.linspace(-1, 1, 101)
xx, yy = np.meshgrid(grid, grid)
points = np.c_[xx.ravel(), yy.ravel()]
fig, axes = plt.subplots(1, 2, figsize=(9, 4), sharey=True)
for ax, model, name in zip(axes, (linear, mlp), accuracy):
    proba = model.predict_proba(points)[:, 1].reshape(xx.shape)
    ax.contourf(xx, yy, proba, levels=20, cmap="RdBu_r", alpha=0.7)
    ax.scatter(X_test[:, 0], X_test[:, 1], c=y_test, cmap="RdBu_r", s=8,
               edgecolor="k", linewidth=0.2)
    ax.set_title(f"{name}: test accuracy {accuracy[name]:.2f}")
    ax.set_xlabel("$x_1$")
axes[0].set_ylabel("$x_2$")
fig.tight_layout()
plt.show()

# %%
# What the hidden layer computes
# ------------------------------
# :meth:`~skdl.MLPClassifier.hidden_activations` returns the hidden
# features. For the centres of the four quadrants they are very different
# vectors, and the output layer, a linear function of them, gives the two
# XOR classes.

corners = np.array([[-0.5, -0.5], [-0.5, 0.5], [0.5, -0.5], [0.5, 0.5]])
hidden = mlp.hidden_activations(corners)
corner_predictions = mlp.predict(corners)
for corner, features, label in zip(corners, hidden, corner_predictions):
    print(f"x = {corner}  first 4 hidden features {np.round(features[:4], 2)}  "
          f"-> class {label}")
