"""
XOR: a hidden layer transforms the features
===========================================

The XOR problem (label 1 when exactly one of the two inputs is positive) is
the classic case that no linear classifier can solve: there is no line that
puts (0, 0) and (1, 1) on one side and (0, 1) and (1, 0) on the other.

A logistic regression therefore stays at chance, while an MLP with one small
hidden layer learns a *feature transformation* in which the classes become
linearly separable, and the output layer (itself a logistic regression on the
hidden features) then separates them. We print both accuracies and the
hidden representation of the four corners.
"""

import os

import numpy as np

from skdl import LogisticRegression, MLPClassifier

FAST = os.environ.get("SKDL_EXAMPLES_FAST") == "1"

rng = np.random.default_rng(0)
n = 200 if FAST else 800
X = rng.uniform(-1, 1, size=(n, 2))
y = ((X[:, 0] > 0) ^ (X[:, 1] > 0)).astype(int)

linear = LogisticRegression(alpha=1e-4).fit(X, y)
mlp = MLPClassifier(hidden_layer_sizes=(8,), activation="tanh", solver="lbfgs",
                    alpha=1e-3, max_iter=3000, random_state=0).fit(X, y)

print(f"logistic regression accuracy: {linear.score(X, y):.3f}  "
      "(the best line can only cut off part of the checkerboard)")
print(f"MLP with one hidden layer:    {mlp.score(X, y):.3f}")

corners = np.array([[-0.5, -0.5], [-0.5, 0.5], [0.5, -0.5], [0.5, 0.5]])
hidden = mlp.hidden_activations(corners)
print("\nhidden features of the four corners (rows), first 4 units:")
for corner, h, label in zip(corners, hidden, mlp.predict(corners)):
    print(f"  x = {corner}  h = {np.round(h[:4], 2)}  predicted class {label}")

try:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
except ImportError:
    plt = None

if plt is not None:
    grid = np.linspace(-1, 1, 200)
    xx, yy = np.meshgrid(grid, grid)
    points = np.c_[xx.ravel(), yy.ravel()]
    fig, axes = plt.subplots(1, 2, figsize=(9, 4))
    for ax, model, title in [(axes[0], linear, "logistic regression"), (axes[1], mlp, "MLP (8 tanh units)")]:
        proba = model.predict_proba(points)[:, 1].reshape(xx.shape)
        ax.contourf(xx, yy, proba, levels=20, cmap="RdBu_r", alpha=0.7)
        ax.scatter(X[:, 0], X[:, 1], c=y, cmap="RdBu_r", s=8, edgecolor="k", linewidth=0.2)
        ax.set_title(f"{title}: accuracy {model.score(X, y):.2f}")
    fig.tight_layout()
    fig.savefig("xor.png", dpi=100)
    print("saved xor.png")
