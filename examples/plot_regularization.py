"""
============================================
Overfitting: L2, dropout and early stopping
============================================

A wide two-layer MLP trained for long on a small, noisy training set
memorises it: its training loss goes to zero while its loss on new data,
after a first decrease, rises again. This is overfitting (high variance).
:class:`~skdl.MLPClassifier` has three regularisers against it:

- **L2** (``alpha``) adds :math:`\\frac{\\alpha}{2n}\\lVert W\\rVert^2` to the
  loss, which keeps the weights small and the learned function smooth;
- **dropout** (``dropout``) silences a random half of the hidden units at
  every training step, so that no unit can rely on a few others;
- **early stopping** (``early_stopping=True``) holds out part of the
  training data and keeps the weights of the epoch with the best validation
  score.
"""

# %%
# A small, noisy training set
# ---------------------------
# 300 digits with strong pixel noise for training, the other 1,497 to
# measure how well each model does on new data.

import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_digits
from sklearn.metrics import log_loss
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler

from skdl import MLPClassifier

X, y = load_digits(return_X_y=True)
X = X + np.random.default_rng(0).normal(scale=4.0, size=X.shape)
X_train, X_test, y_train, y_test = train_test_split(X, y, train_size=300, random_state=0)
scaler = StandardScaler().fit(X_train)
X_train, X_test = scaler.transform(X_train), scaler.transform(X_test)

# %%
# Training epoch by epoch
# -----------------------
# :meth:`~skdl.MLPClassifier.partial_fit` runs one epoch over the training
# set, continuing from where the previous call stopped, so after every epoch
# we can record the training loss and the loss on the test set (a quantity
# we look at, but never use to choose anything).

EPOCHS = 100
common = dict(hidden_layer_sizes=(128, 128), learning_rate_init=3e-3, random_state=0)
settings = {
    "no regularisation": dict(alpha=0.0),
    "L2, alpha=5": dict(alpha=5.0),
    "dropout 0.5": dict(alpha=0.0, dropout=0.5),
}
classes = np.unique(y_train)
curves, accuracy = {}, {}
for name, extra in settings.items():
    model = MLPClassifier(**common, **extra)
    test_loss = []
    for _ in range(EPOCHS):
        model.partial_fit(X_train, y_train, classes=classes)
        test_loss.append(log_loss(y_test, model.predict_proba(X_test), labels=classes))
    curves[name] = (np.array(model.loss_curve_), np.array(test_loss))
    accuracy[name] = model.score(X_test, y_test)

# %%
# Early stopping trains on 80% of the training set and watches the other
# 20%: it stops when the validation score (here the accuracy) has not
# improved for 10 epochs and restores the weights of the best epoch.

stopper = MLPClassifier(**common, alpha=0.0, max_iter=EPOCHS, early_stopping=True,
                        validation_fraction=0.2, n_iter_no_change=10).fit(X_train, y_train)
accuracy["early stopping"] = stopper.score(X_test, y_test)
best_epoch = int(np.argmax(stopper.validation_scores_)) + 1

print(f"{'setting':20s} {'epochs':>6s} {'final train loss':>16s} {'final test loss':>15s} "
      f"{'test accuracy':>13s}")
for name, (train, test) in curves.items():
    print(f"{name:20s} {EPOCHS:6d} {train[-1]:16.3f} {test[-1]:15.3f} {accuracy[name]:13.3f}")
print(f"{'early stopping':20s} {stopper.n_iter_:6d} {stopper.loss_curve_[-1]:16.3f} "
      f"{log_loss(y_test, stopper.predict_proba(X_test)):15.3f} "
      f"{accuracy['early stopping']:13.3f}   (best epoch {best_epoch})")

# %%
# Without regularisation the training loss goes to zero, and the test loss,
# after reaching its minimum within the first epochs, climbs back: the
# network has learned the noise of its 300 samples and grows ever more
# confident in its mistakes. L2 and dropout keep the test loss low and raise
# the test accuracy.
#
# Early stopping does what it promises: it stopped once the validation
# accuracy had not improved for 10 epochs, long before the other runs end,
# and kept the weights of its best epoch; it is also the cheapest of the
# three. But it pays for its validation set: it trained on 240 samples
# instead of 300, and with a training set this small that costs more than
# overfitting does, so its test accuracy is the lowest of the four. Early
# stopping pays off when data are plentiful or training is long; with little
# data, prefer L2 or dropout (or let early stopping choose the number of
# epochs, then train on all the data for that many).

fig, axes = plt.subplots(2, 2, figsize=(9, 7), sharey=True)
axes = axes.ravel()
for ax, (name, (train, test)) in zip(axes, curves.items()):
    ax.plot(np.arange(1, EPOCHS + 1), train, label="training loss")
    ax.plot(np.arange(1, EPOCHS + 1), test, label="test loss")
    ax.set_title(f"{name}: test accuracy {accuracy[name]:.2f}")
ax = axes[-1]
epochs = np.arange(1, stopper.n_iter_ + 1)
ax.plot(epochs, stopper.loss_curve_, label="training loss")
ax.plot(epochs, stopper.validation_loss_curve_, label="validation loss")
ax.axvline(best_epoch, color="gray", linestyle=":", label="restored epoch")
ax.set_title(f"early stopping: test accuracy {accuracy['early stopping']:.2f}")
for ax in axes:
    ax.set_xlabel("epoch")
    ax.legend()
axes[0].set_ylabel("cross-entropy")
axes[2].set_ylabel("cross-entropy")
axes[0].set_ylim(0, 3)
fig.tight_layout()
plt.show()
