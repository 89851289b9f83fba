"""
Learning rate: too small, right, too large
==========================================

Gradient descent steps against the gradient by ``learning_rate_init`` times
its size. Too small a rate crawls towards the minimum; a good one gets there
in a few epochs; too large a rate overshoots the valley and bounces (or
diverges, which skdl reports as an error naming the learning rate).

We train the same softmax regression on digits with plain SGD at four rates
and print the loss after a few epochs.
"""

import os
import warnings

from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.preprocessing import StandardScaler

from skdl import SoftmaxClassifier

FAST = os.environ.get("SKDL_EXAMPLES_FAST") == "1"
X, y = load_digits(return_X_y=True)
X = StandardScaler().fit_transform(X)
epochs = 5 if FAST else 30

print(f"{'learning rate':>13}  loss after epoch 1, {epochs // 2}, {epochs}")
curves = {}
for rate in [1e-4, 1e-2, 0.5, 1e4]:
    model = SoftmaxClassifier(solver="sgd", momentum=0.0, learning_rate_init=rate,
                              max_iter=epochs, tol=0, n_iter_no_change=10**6, random_state=0)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            model.fit(X, y)
    except ValueError as error:  # the fit diverged
        print(f"{rate:13g}  diverged: {str(error).split(':')[0]}")
        continue
    curve = model.loss_curve_
    curves[rate] = curve
    print(f"{rate:13g}  {curve[0]:.3f}, {curve[epochs // 2 - 1]:.3f}, {curve[-1]:.3f}")

try:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
except ImportError:
    plt = None

if plt is not None:
    fig, ax = plt.subplots(figsize=(6, 4))
    for rate, curve in curves.items():
        ax.semilogy(range(1, len(curve) + 1), curve, label=f"learning rate {rate:g}")
    ax.set_xlabel("epoch")
    ax.set_ylabel("training loss")
    ax.legend()
    fig.tight_layout()
    fig.savefig("learning_rates.png", dpi=100)
    print("saved learning_rates.png")
