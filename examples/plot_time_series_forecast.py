"""
======================================================================
Forecasting a time series: MLP, 1-D ConvNet, Elman and LSTM regressors
======================================================================

A regression target can be the next value of a series. Each sample is a
window of the last 20 observations and its target the value that follows.
:class:`~skdl.MLPRegressor` reads the window as 20 unrelated features;
:class:`~skdl.ConvNetRegressor` slides filters of 5 steps along it;
:class:`~skdl.RNNRegressor` and :class:`~skdl.LSTMRegressor` read it step by
step, in time order, carrying a state from one step to the next. We compare
them with the simplest forecast, "tomorrow equals today".
"""

# %%
# The series
# ----------
# Two oscillations of different periods plus noise; the first 1,500 windows
# train the models, the next 500 test them (the test windows come after the
# training ones in time, as in any real forecast).

import warnings

import matplotlib.pyplot as plt
import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import r2_score

from skdl import ConvNetRegressor, LSTMRegressor, MLPRegressor, RNNRegressor

rng = np.random.default_rng(0)
t = np.arange(2100)
signal = np.sin(2 * np.pi * t / 50) + 0.5 * np.sin(2 * np.pi * t / 13)
NOISE = 0.1
series = signal + NOISE * rng.normal(size=t.size)
WINDOW = 20
X = np.lib.stride_tricks.sliding_window_view(series[:-1], WINDOW)  # (n, 20)
y = series[WINDOW:]
X_train, y_train, X_test, y_test = X[:1500], y[:1500], X[1500:2000], y[1500:2000]

# %%
# Four models and a baseline
# --------------------------
# The 1-D ConvNet reads each row as one channel of 20 steps; the recurrent
# estimators read a 2-D ``X`` of shape ``(n, T)`` as ``n``
# univariate sequences of ``T`` steps.

models = {
    "MLP": MLPRegressor(hidden_layer_sizes=(32,), learning_rate_init=0.003, max_iter=100,
                        random_state=0),
    "1-D ConvNet": ConvNetRegressor(conv_dim=1, input_shape=(1, WINDOW), filters=(8,),
                                    kernel_size=5, hidden_layer_sizes=(32,),
                                    learning_rate_init=0.003, max_iter=60, random_state=0),
    "Elman RNN": RNNRegressor(recurrent_layer_sizes=16, learning_rate_init=0.01, max_iter=30,
                              random_state=0),
    "LSTM": LSTMRegressor(recurrent_layer_sizes=16, learning_rate_init=0.01, max_iter=30,
                          random_state=0),
}
scores = {"tomorrow equals today": r2_score(y_test, X_test[:, -1])}
predictions = {}
for name, model in models.items():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(X_train, y_train)
    predictions[name] = model.predict(X_test)
    scores[name] = r2_score(y_test, predictions[name])
for name, score in scores.items():
    print(f"{name:22s} test R^2 {score:.3f}")
best_possible = 1 - NOISE**2 / y_test.var()  # R^2 of the noise-free signal itself
print(f"{'best possible':22s} test R^2 {best_possible:.3f} (the noise is unpredictable)")

# %%
# Each of the four networks explains more than half of the variance that
# the baseline misses: each learned how the two oscillations continue a
# window. None can pass the best possible score, that of the noise-free
# signal: the noise of the next value cannot be predicted from the past.

fig, ax = plt.subplots(figsize=(8, 3.5))
shown = slice(0, 150)
ax.plot(y_test[shown], color="k", lw=1, label="series")
for name, prediction in predictions.items():
    ax.plot(prediction[shown], lw=1, label=f"{name} (R$^2$ {scores[name]:.2f})")
ax.set_xlabel("time step (test period)")
ax.legend(ncol=2, fontsize="small")
fig.tight_layout()
plt.show()
