"""
=======================================================================
Optimizers on one problem: SGD, momentum, Adagrad, RMSProp, Adam, SWATS
=======================================================================

The same :class:`~skdl.MLPClassifier` on the digits, trained with each
optimizer (``solver``) for the same number of epochs from the same initial
weights:

- **SGD** steps by the learning rate times the mini-batch gradient;
- **momentum** adds a decaying sum of the past steps, which carries the
  descent through flat regions and damps its zig-zags;
- **Adagrad** and **RMSProp** give every parameter its own step size,
  divided by the root of its accumulated (Adagrad) or recent (RMSProp)
  squared gradients;
- **Adam** combines momentum with RMSProp's scaling;
- **SWATS** starts as Adam, which converges fast, and switches to SGD with
  momentum, which tends to settle better, once the SGD step size implied by
  Adam's steps has settled.
"""

# %%
# Training
# --------

import warnings

import matplotlib.pyplot as plt
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler

from skdl import MLPClassifier

X, y = load_digits(return_X_y=True)
X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=0)
scaler = StandardScaler().fit(X_train)
X_train, X_test = scaler.transform(X_train), scaler.transform(X_test)
EPOCHS = 40

settings = {
    "SGD": dict(solver="sgd", momentum=0.0, learning_rate_init=0.01),
    "SGD + momentum": dict(solver="sgd", momentum=0.9, nesterovs_momentum=False,
                           learning_rate_init=0.01),
    "Adagrad": dict(solver="adagrad", learning_rate_init=0.01),
    "RMSProp": dict(solver="rmsprop", learning_rate_init=0.001),
    "Adam": dict(solver="adam", learning_rate_init=0.001),
    "SWATS": dict(solver="swats", learning_rate_init=0.001),
}
curves, accuracy = {}, {}
for name, params in settings.items():
    model = MLPClassifier(hidden_layer_sizes=(64,), max_iter=EPOCHS, batch_size=64, tol=0,
                          n_iter_no_change=10**6, random_state=0, **params)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(X_train, y_train)
    curves[name] = model.loss_curve_
    accuracy[name] = model.score(X_test, y_test)
    if name == "SWATS":
        switch_epoch = model.switch_epoch_

print(f"{'optimizer':15s} {'loss, epoch 1':>13s} {'final loss':>10s} {'test accuracy':>13s}")
for name, curve in curves.items():
    print(f"{name:15s} {curve[0]:13.3f} {curve[-1]:10.4f} {accuracy[name]:13.3f}")
print(f"SWATS switched from Adam to SGD with momentum in epoch {switch_epoch}")

# %%
# Momentum makes plain SGD much faster: with the same learning rate its
# training loss after 40 epochs is about ten times lower. The adaptive
# methods reach low losses at their usual, smaller learning rates. Every
# optimizer ends with a test accuracy above 0.9; the training loss says how
# fast each one got there.

fig, ax = plt.subplots(figsize=(6, 4))
for name, curve in curves.items():
    ax.semilogy(range(1, EPOCHS + 1), curve, label=name)
ax.axvline(switch_epoch, color="gray", linestyle=":", label="SWATS switches to SGD")
ax.set_xlabel("epoch")
ax.set_ylabel("training loss")
ax.legend()
fig.tight_layout()
plt.show()
