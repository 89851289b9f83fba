"""
========================================================
Time series in aeon's layout: channels first, any length
========================================================

aeon and sktime hold a collection of equal-length series as a 3-D array
``(n_cases, n_channels, n_timepoints)``, and series of unequal lengths as a
list of 2-D ``(n_channels, n_timepoints_i)`` arrays; tslearn pads unequal
series at the end with NaN in a ``(n_ts, sz, d)`` array. The recurrent
estimators (:class:`~skdl.RNNClassifier` here, with a GRU cell) read all of
them: ``data_format="channels_first"`` says that channels come before time
(the default, ``"channels_last"``, is Keras's and tslearn's
``(n, time, channels)``), and a recurrent network reads any number of steps,
so test series may be longer than every training series.
"""

# %%
# Series of unequal lengths
# -------------------------
# The data are generated here in those layouts (aeon, sktime and tslearn are
# not needed): three channels; the class (one of four) is the frequency of an
# oscillation in channels 0 and 1, slow or fast, and the sign of their
# coupling, under noise. Training series have 30 to 60 steps; the test sets
# have series of 30 to 60 steps and of 60 to 120 steps.

import warnings

import matplotlib.pyplot as plt
import numpy as np
from sklearn.exceptions import ConvergenceWarning

from skdl import ConvNetClassifier, RNNClassifier

N_TRAIN, N_TEST, EPOCHS = 400, 300, 10


def make_series(n, low, high, seed):
    """aeon's layout for unequal lengths: a list of (3, T_i) arrays, and the labels."""
    rng = np.random.default_rng(seed)
    series, labels = [], rng.integers(0, 4, n)
    for label in labels:
        t = np.arange(rng.integers(low, high + 1))
        wave = np.sin(2 * np.pi * (0.06 if label % 2 == 0 else 0.13) * t
                      + rng.uniform(0, 2 * np.pi))
        x = 0.7 * rng.standard_normal((3, len(t)))
        x[0] += wave
        x[1] += (1.0 if label < 2 else -1.0) * np.roll(wave, 2)
        series.append(x)
    return series, labels


def nan_padded(series):
    """tslearn's layout: (n, T_max, channels), NaN after the end of each series."""
    out = np.full((len(series), max(x.shape[1] for x in series), 3), np.nan)
    for row, x in zip(out, series):
        row[:x.shape[1]] = x.T
    return out


def fixed_length(series, length):
    """(n, channels, length): zero-padded at the end, or cut."""
    out = np.zeros((len(series), 3, length))
    for row, x in zip(out, series):
        row[:, :min(length, x.shape[1])] = x[:, :length]
    return out


train, y_train = make_series(N_TRAIN, 30, 60, seed=0)
tests = {"30-60 steps": make_series(N_TEST, 30, 60, seed=1),
         "60-120 steps": make_series(N_TEST, 60, 120, seed=2)}

# %%
# One model, two layouts
# ----------------------
# The same GRU classifier is fitted on the list of unequal series (aeon's
# layout, ``data_format="channels_first"``) and on the NaN-padded 3-D array
# (tslearn's layout, the default ``"channels_last"``). The NaN steps are
# padding, which the recurrent layers skip, so the two fits see the same data
# and give the same weights, bit for bit.


def fit(model, X):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)  # a short training, on purpose
        return model.fit(X, y_train)


gru = dict(cell="gru", recurrent_layer_sizes=24, batch_size=32, learning_rate_init=0.005,
           max_iter=EPOCHS, random_state=0, dtype=np.float32)
aeon = fit(RNNClassifier(data_format="channels_first", **gru), train)
tslearn = fit(RNNClassifier(data_format="channels_last", **gru), nan_padded(train))
same_model = bool(np.array_equal(aeon.network_.flat_params, tslearn.network_.flat_params))
print(f"aeon list and tslearn NaN-padded array give the same model: {same_model}")

# %%
# The wrong layout, and a fixed-length model
# ------------------------------------------
# An equal-length aeon array ``(n, 3, 60)`` given with the default layout is
# read as 3 steps of 60 features: nothing in the data says which axis is
# time. That model can only read series of exactly 60 time points, so the
# longer test series are cut to their first 60. A 1-D
# :class:`~skdl.ConvNetClassifier`, whose dense layer reads a fixed length,
# gets the same zero-padded or cut series.

equal = fixed_length(train, 60)
wrong = fit(RNNClassifier(**gru), equal)
print(f"the list, read channels first: sequence_shape_={aeon.sequence_shape_}; "
      f"(n, 3, 60) read channels last: sequence_shape_={wrong.sequence_shape_}")
cnn = fit(ConvNetClassifier(conv_dim=1, filters=(16, 32), kernel_size=5,
                            hidden_layer_sizes=(64,), batch_size=32, learning_rate_init=0.003,
                            max_iter=EPOCHS, random_state=0, dtype=np.float32), equal)

rows = {
    "GRU, aeon list (any length)": lambda series: aeon.predict(series),
    "GRU, tslearn NaN-padded": lambda series: tslearn.predict(nan_padded(series)),
    "GRU, (n, 3, 60), wrong layout": lambda series: wrong.predict(fixed_length(series, 60)),
    "ConvNet, (n, 3, 60) fixed": lambda series: cnn.predict(fixed_length(series, 60)),
}
print(f"\ntest accuracy (chance = 0.25), {N_TRAIN} training series of 30-60 steps, "
      f"{EPOCHS} epochs")
print(f"{'model':32s}" + "".join(f"{name:>14s}" for name in tests))
accuracy = {}
for name, predict in rows.items():
    accuracy[name] = [float(np.mean(predict(series) == labels))
                      for series, labels in tests.values()]
    print(f"{name:32s}" + "".join(f"{a:14.3f}" for a in accuracy[name]))

# %%
# The GRU that reads time classifies the longer test series, up to twice the
# longest training series, at least as well as series of the training
# lengths. Read with the wrong layout, the same network trained for the same
# epochs is a different model, and a worse one here, most of all on the
# longer series, of which it sees only the first 60 time points. The
# fixed-length ConvNet does well on this task, whose classes can be told
# from any 60 steps; it cannot read a series whole beyond the length it was
# built for.

fig, (left, right) = plt.subplots(1, 2, figsize=(10, 3.5))
for k, (x, label) in enumerate(zip(train[:2], y_train[:2])):
    for c in range(2):
        left.plot(x[c] + 4 * k, label=f"series {k} (class {label}), channel {c}")
left.set_xlabel("step")
left.set_title("Two training series of different lengths")
left.legend(fontsize=7)
width = 0.8 / len(tests)
for j, test in enumerate(tests):
    right.bar(np.arange(len(rows)) + j * width, [accuracy[n][j] for n in rows], width,
              label=test)
right.axhline(0.25, color="grey", linestyle=":", label="chance")
right.set_xticks(np.arange(len(rows)) + width / 2)
right.set_xticklabels(["GRU\naeon list", "GRU\ntslearn NaN", "GRU\nwrong layout",
                       "ConvNet\nfixed 60"], fontsize=8)
right.set_ylabel("test accuracy")
right.set_title("Test series of the training lengths and longer")
right.legend(fontsize=7)
fig.tight_layout()
plt.show()
