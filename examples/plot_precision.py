"""
==============================================
float32 or float64: what the precision changes
==============================================

The convolutional and recurrent estimators train float64 data in float32
when they train on mini-batches (``dtype="auto"``), and predict in float64
for float64 input. This example trains the same
:class:`~skdl.ConvNetClassifier` on digits twice, in float32 (the default
here) and in float64 (``dtype=np.float64``), from the same initial weights
and batches, and compares what they learned.
"""

# %%
# Two fits that differ only in precision
# --------------------------------------

import time
import warnings

import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split

from skdl import ConvNetClassifier

warnings.simplefilter("ignore", ConvergenceWarning)  # a short training, on purpose

X, y = load_digits(return_X_y=True)
X_train, X_test, y_train, y_test = train_test_split(X / 16, y, random_state=0)

models, seconds = {}, {}
for name, dtype in (("default (auto)", "auto"), ("float64", np.float64)):
    start = time.perf_counter()
    models[name] = ConvNetClassifier(input_shape=(8, 8), filters=(8,), max_iter=20,
                                     random_state=0, dtype=dtype).fit(X_train, y_train)
    seconds[name] = time.perf_counter() - start

trained_in = {name: np.dtype(model.network_.dtype).name for name, model in models.items()}
accuracy = {name: model.score(X_test, y_test) for name, model in models.items()}
for name, model in models.items():
    print(f"{name:15s} trained in {trained_in[name]}: test accuracy {accuracy[name]:.3f}, "
          f"final training loss {model.loss_curve_[-1]:.4f}, fit {seconds[name]:.2f} s")

# %%
# What prediction returns
# -----------------------
# Prediction computes in float64 unless both the model and the input are
# float32: the float32 model gives float64 probabilities for float64 input.

fast = models["default (auto)"]
output_dtypes = {
    "float64 input": fast.predict_proba(X_test).dtype.name,
    "float32 input": fast.predict_proba(X_test.astype(np.float32)).dtype.name,
}
print(f"the float32 model's probabilities: {output_dtypes}")
gap = float(np.abs(fast.predict_proba(X_test) - models["float64"].predict_proba(X_test)).max())
agree = float(np.mean(fast.predict(X_test) == models["float64"].predict(X_test)))
print(f"largest probability difference between the two models {gap:.1e}, "
      f"same predicted digit on {agree:.1%} of the test set")

# %%
# The two loss curves lie on top of each other, the two models' probabilities
# differ by less than 1e-4, and they predict the same digit for every test
# image: on this problem float32 costs nothing that a prediction shows. The
# fit times are those of the machine that built this page; the ratios per
# estimator and data size are in the benchmarks.

fig, ax = plt.subplots(figsize=(6, 4))
for name, model in models.items():
    ax.plot(np.arange(1, model.n_iter_ + 1), model.loss_curve_,
            linestyle="-" if name == "float64" else "--", label=f"{name}: {trained_in[name]}")
ax.set_xlabel("epoch")
ax.set_ylabel("training loss")
ax.set_yscale("log")
ax.set_title("The same ConvNet trained in float32 and in float64")
ax.legend()
fig.tight_layout()
plt.show()
