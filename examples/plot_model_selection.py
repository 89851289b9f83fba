"""
================================================================
Model selection: polynomial degree, bias versus variance, and L2
================================================================

A *model* is a family of functions, here the polynomials of one degree; fitting
picks one *function* in it. Which degree should we use? We draw 20 noisy
samples of a smooth curve and fit
``PolynomialFeatures(degree) -> StandardScaler -> skdl.LinearRegression``
for degrees 1 to 12 (:class:`~skdl.LinearRegression` fitted by L-BFGS).

1. **Bias versus variance.** A low degree cannot bend enough: training and
   validation errors are both high (high bias, *underfitting*). A high degree
   follows the noise of the training samples: its training error keeps
   falling while its validation error rises (high variance, *overfitting*).
   The degree we want balances the two.
2. **Choosing the degree by k-fold cross-validation.** ``GridSearchCV``
   splits the training set into 5 folds, fits each degree on 4 folds, measures
   the error on the fifth, and averages over the 5 rotations; the degree with
   the lowest mean validation error wins. The test set is never looked at
   until the end.
3. **L2 smoothing an over-flexible model.** Keep degree 12 but penalise large
   weights, :math:`J = \\frac{1}{2n}\\sum_i (y_i - \\hat y_i)^2
   + \\frac{\\alpha}{2n}\\lVert w \\rVert^2`: as ``alpha`` grows the curve gets
   smoother, its training error rises a little and its validation error falls,
   until too large an ``alpha`` underfits again.

The errors printed are mean squared errors (the noise variance, 0.09, is the
best any model can do on new data).
"""

# %%
# The data
# --------
# Twenty noisy samples of a smooth curve to learn from (fit and validate),
# and 500 fresh samples, drawn from the range the training samples cover, to
# test the final choice.

import warnings

import matplotlib.pyplot as plt
import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import mean_squared_error
from sklearn.model_selection import GridSearchCV, KFold, train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import PolynomialFeatures, StandardScaler

from skdl import LinearRegression

warnings.simplefilter("ignore", ConvergenceWarning)  # high degrees stop at max_iter


def truth(x):
    return np.sin(2.0 * x) + 0.5 * x


rng = np.random.default_rng(0)
x_train = rng.uniform(-2.0, 2.0, size=20)
y_train = truth(x_train) + rng.normal(scale=0.3, size=x_train.size)
x_test = rng.uniform(x_train.min(), x_train.max(), size=500)
y_test = truth(x_test) + rng.normal(scale=0.3, size=x_test.size)
X_train, X_test = x_train[:, None], x_test[:, None]
# The hold-out split of part 1: fit on 14, validate on 6.
X_fit, X_val, y_fit, y_val = train_test_split(X_train, y_train, test_size=6,
                                              random_state=0)

degrees = list(range(1, 13))


def polynomial_model(degree, alpha=0.0):
    return make_pipeline(
        PolynomialFeatures(degree, include_bias=False),
        StandardScaler(),
        LinearRegression(alpha=alpha, max_iter=500, tol=1e-8, random_state=0),
    )


# %%
# 1. Training versus validation error: bias and variance
# -------------------------------------------------------
# Fit every degree on 14 of the 20 samples and measure its error on the
# other 6.

print(f"{'degree':>6} {'train MSE':>10} {'val MSE':>10}")
train_errors, val_errors = [], []
for degree in degrees:
    model = polynomial_model(degree).fit(X_fit, y_fit)
    train_errors.append(mean_squared_error(y_fit, model.predict(X_fit)))
    val_errors.append(mean_squared_error(y_val, model.predict(X_val)))
    print(f"{degree:6d} {train_errors[-1]:10.4f} {val_errors[-1]:10.4f}")

# %%
# Degrees 1 and 2 underfit: even their training error is about twice the
# noise variance. From degree 3 on the training error keeps falling with the
# degree, but the validation error is lowest for degrees 3 to 5 and then
# grows by orders of magnitude: the higher degrees fit the noise.

# %%
# 2. The degree chosen by 5-fold cross-validation
# -----------------------------------------------
# Six validation samples give a noisy verdict. ``GridSearchCV`` uses every
# sample for validation once, averages over 5 folds, and refits the winner
# on all 20 training samples.

search = GridSearchCV(
    polynomial_model(1),
    {"polynomialfeatures__degree": degrees},
    cv=KFold(n_splits=5, shuffle=True, random_state=0),
    scoring="neg_mean_squared_error",
)
search.fit(X_train, y_train)
cv_errors = -search.cv_results_["mean_test_score"]
best_degree = search.best_params_["polynomialfeatures__degree"]
print(f"{'degree':>6} {'mean val MSE':>12} {'std':>8}")
for degree, error, std in zip(degrees, cv_errors, search.cv_results_["std_test_score"]):
    print(f"{degree:6d} {error:12.4f} {std:8.4f}" + ("  <- best" if degree == best_degree else ""))
test_error = mean_squared_error(y_test, search.predict(X_test))
print(f"chosen degree {best_degree}: test MSE {test_error:.4f} (noise variance 0.09)")

# %%
# The errors against the degree draw the familiar picture: bias on the left,
# variance on the right, the chosen model at the bottom. Its test error,
# measured once at the end, is of the order of the noise variance, which no
# model can beat.

fig, axes = plt.subplots(1, 2, figsize=(11, 4))
ax = axes[0]
ax.semilogy(degrees, train_errors, "o-", label="training error")
ax.semilogy(degrees, val_errors, "o-", label="validation error")
ax.semilogy(degrees, cv_errors, "s--", label="5-fold CV error")
ax.axhline(0.09, color="gray", lw=0.8, ls=":", label="noise variance")
ax.set_xlabel("polynomial degree")
ax.set_ylabel("mean squared error")
ax.set_title("bias (left) versus variance (right)")
ax.legend()

grid = np.linspace(-2.0, 2.0, 300)[:, None]
ax = axes[1]
ax.scatter(X_fit[:, 0], y_fit, s=15, color="k", label="training samples")
ax.plot(grid[:, 0], truth(grid[:, 0]), color="gray", ls=":", label="truth")
for degree in sorted({1, best_degree, max(degrees)}):
    fitted = polynomial_model(degree).fit(X_fit, y_fit)
    ax.plot(grid[:, 0], fitted.predict(grid), label=f"degree {degree}")
ax.set_ylim(-3, 3)
ax.set_title("underfit, chosen, overfit")
ax.legend(fontsize="small")
fig.tight_layout()
plt.show()

# %%
# 3. L2 regularisation smooths the degree-12 polynomial
# -----------------------------------------------------
# Keep the most flexible model and penalise large weights instead.

alphas = [0.0, 1e-3, 1e-2, 0.1, 1.0, 10.0, 100.0]
high = max(degrees)
print(f"degree {high}")
print(f"{'alpha':>8} {'train MSE':>10} {'val MSE':>10} {'|w|':>9}")
alpha_rows = []
for alpha in alphas:
    model = polynomial_model(high, alpha).fit(X_fit, y_fit)
    train_error = mean_squared_error(y_fit, model.predict(X_fit))
    val_error = mean_squared_error(y_val, model.predict(X_val))
    weight_norm = np.linalg.norm(model[-1].coef_)
    alpha_rows.append((alpha, train_error, val_error))
    print(f"{alpha:8g} {train_error:10.4f} {val_error:10.4f} {weight_norm:9.2f}")

alpha_search = GridSearchCV(
    polynomial_model(high), {"linearregression__alpha": alphas},
    cv=KFold(n_splits=5, shuffle=True, random_state=0), scoring="neg_mean_squared_error",
).fit(X_train, y_train)
best_alpha = alpha_search.best_params_["linearregression__alpha"]
alpha_test_error = mean_squared_error(y_test, alpha_search.predict(X_test))
print(f"alpha chosen by 5-fold CV: {best_alpha:g}, test MSE {alpha_test_error:.4f}")

# %%
# As ``alpha`` grows the weights shrink, the training error rises and the
# validation error falls, by orders of magnitude at first, until a large
# ``alpha`` flattens the curve and underfits. ``alpha`` is chosen like the
# degree, by cross-validation.

fig, ax = plt.subplots(figsize=(6, 4))
ax.scatter(X_fit[:, 0], y_fit, s=15, color="k", label="training samples")
ax.plot(grid[:, 0], truth(grid[:, 0]), color="gray", ls=":", label="truth")
for alpha in sorted({0.0, best_alpha, max(alphas)}):
    fitted = polynomial_model(high, alpha).fit(X_fit, y_fit)
    ax.plot(grid[:, 0], fitted.predict(grid), label=f"alpha={alpha:g}")
ax.set_ylim(-3, 3)
ax.set_title(f"degree {high} smoothed by L2")
ax.legend(fontsize="small")
fig.tight_layout()
plt.show()
