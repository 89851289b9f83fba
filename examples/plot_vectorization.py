"""
================================================================
Vectorisation: the gradient of logistic regression without loops
================================================================

Gradient descent on logistic regression needs, at every step, the gradient
of the mean cross-entropy over all :math:`n` training samples:

.. math::

    \\frac{\\partial J}{\\partial w_j} = \\frac{1}{n}\\sum_{i=1}^n
    (\\sigma(w^\\top x_i + b) - y_i)\\, x_{ij}, \\qquad
    \\frac{\\partial J}{\\partial b} = \\frac{1}{n}\\sum_{i=1}^n
    (\\sigma(w^\\top x_i + b) - y_i).

Written as it reads, that is a loop over the samples and, inside it, a loop
over the features. NumPy computes the same numbers with a few operations on
whole arrays, which run in compiled code instead of the Python interpreter.
We write the gradient three ways, check that they agree, and time them.
"""

# %%
# Three ways to compute one gradient
# ----------------------------------
# The samples are the rows of ``X`` (shape ``(n, d)``), as in scikit-learn;
# ``dz``, ``dw`` and ``db`` are the gradients of the cost :math:`J` with
# respect to :math:`z`, :math:`w` and :math:`b`.

import time

import matplotlib.pyplot as plt
import numpy as np

from skdl.losses import binary_log_loss


def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def gradient_loops(X, y, w, b):
    """Two nested Python loops: over the samples, then over the features."""
    n, d = X.shape
    dw, db = [0.0] * d, 0.0
    for i in range(n):
        z = b
        for j in range(d):
            z += w[j] * X[i, j]
        dz = 1.0 / (1.0 + np.exp(-z)) - y[i]
        for j in range(d):
            dw[j] += X[i, j] * dz
        db += dz
    return np.array(dw) / n, db / n


def gradient_one_loop(X, y, w, b):
    """One loop over the samples; each sample's work is done on vectors."""
    n, d = X.shape
    dw, db = np.zeros(d), 0.0
    for i in range(n):
        dz = sigmoid(X[i] @ w + b) - y[i]
        dw += X[i] * dz
        db += dz
    return dw / n, db / n


def gradient_vectorised(X, y, w, b):
    """No loop: one matrix-vector product forward, one backward."""
    n = X.shape[0]
    dz = sigmoid(X @ w + b) - y     # shape (n,)
    return X.T @ dz / n, dz.sum() / n


rng = np.random.default_rng(0)
n, d = 2000, 30
X = rng.normal(size=(n, d))
y = (X[:, 0] + 0.5 * rng.normal(size=n) > 0).astype(float)
w, b = rng.normal(scale=0.1, size=d), 0.1

gradients = {f.__name__: f(X, y, w, b)
             for f in (gradient_loops, gradient_one_loop, gradient_vectorised)}
reference_w, reference_b = gradients["gradient_vectorised"]
largest_difference = max(max(np.abs(dw - reference_w).max(), abs(db - reference_b))
                         for dw, db in gradients.values())
print(f"largest difference between the three gradients: {largest_difference:.1e}")

# %%
# The three agree to the last digits (the sums are added in different orders,
# so they may differ by rounding). skdl's own loss returns the gradient with
# respect to the logits, already divided by :math:`n`; one more product gives
# the same :math:`\partial J / \partial w`:

_, dZ = binary_log_loss(y[:, None], (X @ w + b)[:, None])
skdl_difference = np.abs(X.T @ dZ[:, 0] - reference_w).max()
print(f"difference from skdl.losses.binary_log_loss: {skdl_difference:.1e}")

# %%
# Timing
# ------
# Each version, on data sets of growing size, best of three runs. The times
# are those of the machine that ran this example when the page was built.


def best_time(function, *args, repeats=3):
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        function(*args)
        times.append(time.perf_counter() - start)
    return min(times)


sizes = [100, 1000, 10000]
seconds = {name: [] for name in gradients}
for size in sizes:
    X_n, y_n = rng.normal(size=(size, d)), rng.integers(0, 2, size).astype(float)
    for f in (gradient_loops, gradient_one_loop, gradient_vectorised):
        seconds[f.__name__].append(best_time(f, X_n, y_n, w, b))

print(f"{'n':>6s} " + " ".join(f"{name:>20s}" for name in seconds))
for k, size in enumerate(sizes):
    print(f"{size:6d} " + " ".join(f"{seconds[name][k] * 1e3:17.3f} ms" for name in seconds))
speedup = seconds["gradient_loops"][-1] / seconds["gradient_vectorised"][-1]
print(f"at n = {sizes[-1]}: the vectorised gradient is {speedup:.0f} times faster "
      "than the two loops")

# %%
# All three do the same arithmetic, :math:`d` products per sample, but the
# loops pay the Python interpreter for every multiplication, and the single
# loop for every sample, where the vectorised version hands whole arrays to
# compiled code. Their ratio, printed above, is what vectorisation buys.

fig, ax = plt.subplots(figsize=(6, 4))
labels = {"gradient_loops": "loops over samples and features",
          "gradient_one_loop": "loop over samples",
          "gradient_vectorised": "vectorised"}
for name, values in seconds.items():
    ax.loglog(sizes, np.array(values) * 1e3, "o-", label=labels[name])
ax.set_xlabel("training samples n (d = 30 features)")
ax.set_ylabel("time for one gradient (ms)")
ax.set_title("Measured while this page was built")
ax.legend()
fig.tight_layout()
plt.show()

# %%
# Broadcasting
# ------------
# Vectorised code relies on *broadcasting*: an operation between arrays of
# different shapes stretches the smaller one along its axes of length 1.
# ``X @ w + b`` adds the scalar ``b`` to every entry; standardising the
# features subtracts a row of means from every row:

mean = X.mean(axis=0)              # shape (d,): one mean per column
std = X.std(axis=0)
X_standardised = (X - mean) / std  # (n, d) - (d,) -> (n, d)
print("X:", X.shape, " mean:", mean.shape, " result:", X_standardised.shape)
column_means = X_standardised.mean(axis=0)
print(f"largest column mean after standardising: {np.abs(column_means).max():.1e}")

# %%
# A column of shape ``(n, 1)`` is stretched along the columns instead: here
# every row is divided by its own sum.

row_sums = X[:5, :3].sum(axis=1, keepdims=True)   # shape (5, 1)
print("row sums:", row_sums.shape, " result:", (X[:5, :3] / row_sums).shape)

# %%
# Shapes that cannot be aligned are an error, not a silent guess:

try:
    X[:5, :3] + np.ones(5)   # (5, 3) + (5,): trailing sizes 3 and 5 differ
except ValueError as error:
    print("ValueError:", error)
