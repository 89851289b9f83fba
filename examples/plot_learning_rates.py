"""
==========================================
Learning rate: too small, right, too large
==========================================

Gradient descent steps against the gradient, by ``learning_rate_init``
times its size. Too small a rate crawls towards the minimum; a good one gets
close in a few epochs; too large a rate overshoots the valley at every step,
and the loss stays high or blows up (skdl stops a fit whose loss becomes
infinite, with an error naming the learning rate).
"""

# %%
# One model, four learning rates
# ------------------------------
# A :class:`~skdl.SoftmaxClassifier` on the standardised digits, trained by
# plain stochastic gradient descent (no momentum) for 30 epochs from the same
# initial weights.

import warnings

import matplotlib.pyplot as plt
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.preprocessing import StandardScaler

from skdl import SoftmaxClassifier

X, y = load_digits(return_X_y=True)
X = StandardScaler().fit_transform(X)
EPOCHS = 30

curves = {}
for rate in [1e-4, 1e-2, 0.5, 1e4]:
    model = SoftmaxClassifier(solver="sgd", momentum=0.0, learning_rate_init=rate,
                              max_iter=EPOCHS, tol=0, n_iter_no_change=10**6, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(X, y)
    curves[rate] = model.loss_curve_

print(f"{'learning rate':>13s}  training loss after epoch 1, 15, 30")
for rate, curve in curves.items():
    print(f"{rate:13g}  {curve[0]:8.3f} {curve[14]:8.3f} {curve[-1]:8.3f}")

# %%
# At ``1e-4`` the loss has hardly moved from its starting value after 30
# epochs; ``1e-2`` descends steadily; ``0.5`` is the fastest and reaches the
# lowest loss. At ``1e4`` every step jumps across the valley: after the
# first epoch the loss is hundreds of times the starting loss of the small
# rates, and in 30 epochs it stays more than ten times higher than that.

fig, ax = plt.subplots(figsize=(6, 4))
for rate, curve in curves.items():
    ax.semilogy(range(1, EPOCHS + 1), curve, label=f"learning rate {rate:g}")
ax.set_xlabel("epoch")
ax.set_ylabel("training loss")
ax.legend()
fig.tight_layout()
plt.show()

# %%
# A good learning rate depends on the model, the scale of the features and
# the optimizer; :doc:`plot_optimizers` compares optimizers that adapt the
# step size, and :doc:`plot_feature_scaling` shows how unscaled features
# leave no good rate at all.
