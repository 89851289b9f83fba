"""ConvNetClassifier and ConvNetRegressor: inputs, layouts, shapes, errors, numerics."""

import pickle
import warnings

import numpy as np
import pytest
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

import skdl.network
from reference_layers import conv2d_reference, pool2d_reference
from skdl.convnet import ConvNetClassifier, ConvNetRegressor
from skdl.layers.conv import Conv1D, Conv2D
from skdl.utils.gradient_check import numerical_gradient, relative_error
from skdl._training import Trainer
from skdl.losses import LOSSES


@pytest.fixture(autouse=True)
def _quiet():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        yield


@pytest.fixture(scope="module")
def digits():
    X, y = load_digits(return_X_y=True)
    return train_test_split(X / 16.0, y, test_size=0.3, random_state=0)


def _sequences(rng, n=300, channels=3, length=20):
    """Class 1 iff a fixed 3-step motif occurs somewhere in a noisy sequence."""
    X = 0.5 * rng.standard_normal((n, channels, length))
    y = rng.integers(0, 2, n)
    motif = np.array([[1.0, -1.0, 1.0], [0.0, 2.0, 0.0], [-1.0, 0.0, 1.0]])[:channels]
    for i in np.flatnonzero(y):
        start = rng.integers(0, length - 3)
        X[i, :, start:start + 3] += 2 * motif
    return X, y


def test_learns_digits_from_flat_rows(digits):
    X_train, X_test, y_train, y_test = digits
    clf = ConvNetClassifier(input_shape=(8, 8), filters=(6,), max_iter=30,
                            learning_rate_init=0.003, random_state=0).fit(X_train, y_train)
    assert clf.score(X_test, y_test) > 0.93
    assert clf.input_shape_ == (1, 8, 8)
    assert clf.n_features_in_ == 64
    assert clf.predict_proba(X_test[:5]).shape == (5, 10)


def test_image_layouts_give_the_same_model(digits):
    X_train, X_test, y_train, _ = digits
    X_train, y_train = X_train[:200], y_train[:200]
    params = dict(filters=(3,), hidden_layer_sizes=(8,), max_iter=3, random_state=0)
    flat = ConvNetClassifier(input_shape=(8, 8), **params).fit(X_train, y_train)
    images = ConvNetClassifier(**params).fit(X_train.reshape(-1, 8, 8), y_train)
    channels = ConvNetClassifier(input_shape=(1, 8, 8), **params).fit(
        X_train.reshape(-1, 1, 8, 8), y_train)
    expected = flat.predict_proba(X_test)
    for clf in (images, channels):
        assert clf.input_shape_ == (1, 8, 8)
        np.testing.assert_array_equal(clf.predict_proba(X_test.reshape(-1, 1, 8, 8)), expected)
        np.testing.assert_array_equal(clf.predict_proba(X_test.reshape(-1, 8, 8)), expected)
        np.testing.assert_array_equal(clf.predict_proba(X_test), expected)


def test_multichannel_images_and_pipeline(rng):
    # Colour images (n, 3, 6, 6): class 1 has a bright red square.
    X = rng.random((120, 3, 6, 6))
    y = rng.integers(0, 2, 120)
    X[y == 1, 0, 1:4, 1:4] += 1.5
    pipe = make_pipeline(StandardScaler(), ConvNetClassifier(
        input_shape=(3, 6, 6), filters=(4,), hidden_layer_sizes=(), max_iter=60,
        learning_rate_init=0.01, random_state=0))
    pipe.fit(X.reshape(120, -1), y)
    assert pipe.score(X.reshape(120, -1), y) > 0.95
    clf = pipe[-1]
    assert clf.conv_coefs_[0].shape == (3, 3, 3, 4)
    assert clf.conv_intercepts_[0].shape == (4,)


def test_text_cnn_with_conv_dim_1(rng):
    X, y = _sequences(rng)
    clf = ConvNetClassifier(input_shape=(3, 20), conv_dim=1, filters=(8,), kernel_size=3,
                            padding="valid", pool_size=18, hidden_layer_sizes=(),
                            max_iter=80, learning_rate_init=0.01, random_state=0)
    clf.fit(X.reshape(len(X), -1), y)
    assert clf.input_shape_ == (3, 20)
    assert isinstance(clf.network_.layers[1], Conv1D)
    assert clf.conv_coefs_[0].shape == (3, 3, 8)  # each filter spans all 3 features
    X_new, y_new = _sequences(np.random.default_rng(5))
    assert clf.score(X_new, y_new) > 0.9
    # 3-D input (n, C, L) is read the same way.
    np.testing.assert_array_equal(clf.predict(X_new), clf.predict(X_new.reshape(300, -1)))


def test_2d_input_without_shape_is_a_one_channel_signal(rng):
    X = rng.standard_normal((60, 7))
    y = (X[:, 2] > 0).astype(int)
    clf = ConvNetClassifier(max_iter=5, random_state=0).fit(X, y)
    assert clf.input_shape_ == (1, 7)
    assert isinstance(clf.network_.layers[1], Conv1D)


@pytest.mark.parametrize("n_features", [1, 2, 3])
def test_tiny_signals_fit_with_clipped_pooling(rng, n_features):
    X = rng.standard_normal((30, n_features))
    y = (X[:, 0] > 0).astype(int)
    clf = ConvNetClassifier(filters=(2, 2), max_iter=3, random_state=0).fit(X, y)
    assert clf.predict(X).shape == (30,)


def test_max_pooling_before_activation_is_the_textbook_network(rng):
    """The network equals conv -> relu -> pool -> ... computed with plain loops."""
    X = rng.standard_normal((3, 2 * 9 * 8))
    y = np.array([0, 1, 2])
    clf = ConvNetClassifier(input_shape=(2, 9, 8), filters=(3, 2), padding="valid",
                            hidden_layer_sizes=(4,), max_iter=2, random_state=0).fit(X, y)
    A = X.reshape(3, 2, 9, 8)
    for W, b in zip(clf.conv_coefs_, clf.conv_intercepts_):
        A = np.maximum(conv2d_reference(A, W, b, 1, "valid"), 0)
        window = tuple(min(2, n) for n in A.shape[2:])
        A, _ = pool2d_reference(A, window, window, "max")
    H = np.maximum(A.transpose(0, 2, 3, 1).reshape(3, -1) @ clf.coefs_[0] + clf.intercepts_[0], 0)
    logits = H @ clf.coefs_[1] + clf.intercepts_[1]
    np.testing.assert_allclose(clf.decision_function(X), logits, atol=1e-10)


@pytest.mark.parametrize("pooling", ["max", "avg", None])
def test_network_gradient_matches_finite_differences(rng, pooling):
    X = rng.standard_normal((4, 2 * 6 * 5))
    y = np.array([0, 1, 2, 1])
    clf = ConvNetClassifier(input_shape=(2, 6, 5), filters=(3, 2), pooling=pooling,
                            activation="tanh", hidden_layer_sizes=(4,), max_iter=1,
                            random_state=0).fit(X, y)
    network = clf.network_
    Y = np.eye(3)[y]
    trainer = Trainer(network, LOSSES["log_loss"], alpha=0.0)
    trainer.objective(X, Y, None)
    analytic = trainer.flat_grads.copy()
    numeric = numerical_gradient(lambda: trainer.objective(X, Y, None), network.flat_params)
    assert relative_error(analytic, numeric) < 1e-7


def test_same_random_state_same_model_and_pickle(digits):
    X_train, X_test, y_train, _ = digits
    params = dict(input_shape=(8, 8), filters=(4,), hidden_layer_sizes=(16,), max_iter=4,
                  dropout=0.2, dtype=np.float32, random_state=7)
    a = ConvNetClassifier(**params).fit(X_train, y_train)
    b = ConvNetClassifier(**params).fit(X_train, y_train)
    np.testing.assert_array_equal(a.network_.flat_params, b.network_.flat_params)
    assert a.network_.flat_params.dtype == np.float32
    clone = pickle.loads(pickle.dumps(a))
    np.testing.assert_array_equal(clone.predict_proba(X_test), a.predict_proba(X_test))


def test_prediction_in_chunks_equals_one_pass(digits, monkeypatch):
    X_train, X_test, y_train, _ = digits
    clf = ConvNetClassifier(input_shape=(8, 8), filters=(3,), max_iter=2,
                            random_state=0).fit(X_train, y_train)
    whole = clf.predict_proba(X_test)
    monkeypatch.setattr(skdl.network, "INFERENCE_BUDGET", 7 * 8 * 1000)
    assert clf.network_.chunk_rows(X_test) < 20
    np.testing.assert_allclose(clf.predict_proba(X_test), whole, rtol=1e-12)


def test_inputs_are_left_untouched(digits):
    X_train, _, y_train, _ = digits
    images = X_train[:100].reshape(-1, 8, 8).copy()
    before = images.copy()
    clf = ConvNetClassifier(filters=(2,), max_iter=2, random_state=0).fit(images, y_train[:100])
    clf.predict(images)
    np.testing.assert_array_equal(images, before)


def test_shape_mismatches_are_clear_errors(digits):
    X_train, _, y_train, _ = digits
    with pytest.raises(ValueError, match="holds 49 values per sample, but X has 64"):
        ConvNetClassifier(input_shape=(7, 7)).fit(X_train, y_train)
    with pytest.raises(ValueError, match="does not match input_shape"):
        ConvNetClassifier(input_shape=(4, 16)).fit(X_train.reshape(-1, 8, 8), y_train)
    clf = ConvNetClassifier(input_shape=(8, 8), filters=(2,), max_iter=1).fit(X_train, y_train)
    with pytest.raises(ValueError, match=r"samples of shape \(4, 16\)"):
        clf.predict(X_train.reshape(-1, 4, 16))
    with pytest.raises(ValueError, match="features"):
        clf.predict(X_train[:, :50])
    with pytest.raises(ValueError, match="2-D"):
        clf.predict(X_train.reshape(-1, 1, 1, 8, 8))


def test_too_small_maps_are_a_clear_error_at_fit(digits):
    X_train, _, y_train, _ = digits
    clf = ConvNetClassifier(input_shape=(8, 8), filters=(4, 4, 4), kernel_size=3,
                            padding="valid")
    # 8 -> conv 6 -> pool 3 -> conv 1 -> pool 1 -> conv: 3x3 kernel on a 1x1 map.
    with pytest.raises(ValueError, match="Convolution block 3"):
        clf.fit(X_train, y_train)


@pytest.mark.parametrize("params, match", [
    (dict(padding="full"), "padding"),
    (dict(pooling="min"), "pooling"),
    (dict(filters=(4, 0)), "filters"),
    (dict(filters=()), "filters"),
    (dict(kernel_size=(3, 3, 3)), "kernel_size"),
    (dict(pool_size=0), "pool_size"),
    (dict(dropout=1.0), "dropout"),
    (dict(dropout=(0.1, 0.2)), "dropout"),
    (dict(activation="softmax"), "activation"),
    (dict(input_shape=(8, 0)), "input_shape"),
    (dict(input_shape=(1, 8, 8), conv_dim=1), "conv_dim"),
    (dict(conv_dim=3), "conv_dim"),
    (dict(data_format="NHWC"), "data_format"),
    (dict(batch_norm="yes"), "batch_norm"),
])
def test_invalid_parameters_are_rejected(digits, params, match):
    X_train, _, y_train, _ = digits
    with pytest.raises(ValueError, match=match):
        ConvNetClassifier(**{"input_shape": (8, 8), **params}).fit(X_train, y_train)


def test_1d_geometry_must_be_ints(rng):
    X = rng.standard_normal((20, 10))
    y = np.arange(20) % 2
    with pytest.raises(ValueError, match="must be an int for a 1-D"):
        ConvNetClassifier(kernel_size=(3, 3)).fit(X, y)


def test_first_convolution_skips_its_input_gradient(digits, monkeypatch):
    X_train, _, y_train, _ = digits
    seen = []
    original = Conv2D.backward

    def spy(self, dY, cache, grads, input_grad=True):
        seen.append(input_grad)
        return original(self, dY, cache, grads, input_grad)

    monkeypatch.setattr(Conv2D, "backward", spy)
    ConvNetClassifier(input_shape=(8, 8), filters=(2, 2), max_iter=1,
                      batch_size=len(X_train)).fit(X_train, y_train)
    # One batch: the second convolution computes its input gradient, the
    # first (after the parameter-free input Reshape) does not.
    assert seen == [True, False]


def test_average_pooling_and_no_pooling_train(digits):
    X_train, X_test, y_train, y_test = digits
    for pooling in ("avg", None):
        clf = ConvNetClassifier(input_shape=(8, 8), filters=(4,), pooling=pooling,
                                max_iter=20, learning_rate_init=0.003,
                                class_weight="balanced", random_state=0).fit(X_train, y_train)
        assert clf.score(X_test, y_test) > 0.9, pooling


# ------------------------------------------------------------ data_format
@pytest.mark.parametrize("Est", [ConvNetClassifier, ConvNetRegressor])
def test_channels_last_images_are_the_same_model(rng, Est):
    """(n, H, W, C) with channels_last = (n, C, H, W) with channels_first, bit for bit."""
    X = rng.random((40, 3, 6, 5))
    y = rng.integers(0, 2, 40)
    params = dict(filters=(4,), hidden_layer_sizes=(6,), max_iter=3, random_state=0)
    first = Est(**params).fit(X, y)
    nhwc = np.ascontiguousarray(X.transpose(0, 2, 3, 1))
    last = Est(data_format="channels_last", **params).fit(nhwc, y)
    rows = Est(data_format="channels_last", input_shape=(6, 5, 3), **params).fit(
        nhwc.reshape(40, -1), y)
    for clf in (last, rows):
        assert clf.input_shape_ == (3, 6, 5)
        np.testing.assert_array_equal(clf.network_.flat_params, first.network_.flat_params)
        np.testing.assert_allclose(clf.predict(nhwc), first.predict(X))
    with pytest.raises(ValueError, match=r"fitted on samples of shape \(6, 5, 3\)"):
        last.predict(X)


@pytest.mark.parametrize("Est", [ConvNetClassifier, ConvNetRegressor])
def test_1d_sequences_in_both_layouts(rng, Est):
    X, y = _sequences(rng, n=60)
    params = dict(conv_dim=1, filters=(4,), hidden_layer_sizes=(), max_iter=3, random_state=0)
    first = Est(**params).fit(X, y)                                  # (n, C, L): aeon
    last = Est(data_format="channels_last", **params).fit(X.transpose(0, 2, 1), y)
    assert first.input_shape_ == last.input_shape_ == (3, 20)
    np.testing.assert_array_equal(first.network_.flat_params, last.network_.flat_params)
    assert first.__sklearn_tags__().input_tags.three_d_array


def test_1d_sequences_read_nan_padding_and_short_lists_as_zeros(rng):
    X, y = _sequences(rng, n=60)
    clf = ConvNetClassifier(conv_dim=1, filters=(4,), max_iter=3, random_state=0).fit(X, y)
    short = [x[:, :12] for x in X[:5]]
    zeros = np.zeros((5, 3, 20))
    zeros[:, :, :12] = X[:5, :, :12]
    padded = np.full((5, 3, 20), np.nan)
    padded[:, :, :12] = X[:5, :, :12]
    expected = clf.predict_proba(zeros)
    np.testing.assert_array_equal(clf.predict_proba(short), expected)
    np.testing.assert_array_equal(clf.predict_proba(padded), expected)
    with pytest.raises(ValueError, match="reads sequences of 20 steps"):
        clf.predict(rng.standard_normal((2, 3, 25)))
    padded[0, 1, 3] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        clf.predict(padded)
    images = ConvNetClassifier(filters=(2,), max_iter=1, random_state=0).fit(
        rng.random((10, 4, 4)), np.arange(10) % 2)
    with pytest.raises(ValueError, match="NaN"):               # images: NaN is never padding
        images.predict(np.full((1, 4, 4), np.nan))


# -------------------------------------------------------------- regressor
def test_regressor_learns_a_signal_and_shares_the_classifier_network(rng):
    X = rng.standard_normal((300, 2, 24))
    Y = np.c_[X[:, 0, 5:8].sum(axis=1) - X[:, 1, 15:18].sum(axis=1), X[:, 1, :4].mean(axis=1)]
    reg = ConvNetRegressor(conv_dim=1, filters=(8,), learning_rate_init=0.01, max_iter=60,
                           random_state=0).fit(X[:200], Y[:200])
    assert reg.predict(X[200:]).shape == (100, 2) and reg.n_outputs_ == 2
    assert reg.score(X[200:], Y[200:]) > 0.7
    clf = ConvNetClassifier(conv_dim=1, filters=(8,), max_iter=1, random_state=0).fit(
        X[:200], (Y[:200, 0] > 0).astype(int))
    assert [type(layer) for layer in clf.network_.layers] == \
        [type(layer) for layer in reg.network_.layers]
    reg.partial_fit(X[:50], Y[:50])
    assert reg.n_iter_ == 1 and len(reg.loss_curve_) == 61   # n_iter_: this call
# ---------------------------------------------------------------- precision
def test_auto_dtype_trains_mini_batches_in_float32_and_one_batch_in_float64(digits):
    X_train, _, y_train, _ = digits              # 1,257 float64 rows
    params = dict(input_shape=(8, 8), filters=(3,), hidden_layer_sizes=(8,), max_iter=1,
                  random_state=0)

    def dtype(X, y, **extra):
        return ConvNetClassifier(**params, **extra).fit(X, y).network_.dtype

    assert ConvNetClassifier().dtype == "auto"
    assert dtype(X_train, y_train) == np.float32                 # batches of 200
    assert dtype(X_train[:200], y_train[:200]) == np.float64     # one batch: full-batch
    assert dtype(X_train[:200], y_train[:200], batch_size=50) == np.float32
    assert dtype(X_train, y_train, solver="lbfgs") == np.float64
    assert dtype(X_train, y_train, dtype=np.float64) == np.float64
    assert dtype(X_train, y_train, dtype=None) == np.float64
    assert dtype(X_train[:100], y_train[:100], dtype="float32") == np.float32
    assert dtype(X_train[:100].astype(np.float32), y_train[:100]) == np.float32


def test_float32_model_predicts_float64_input_in_float64(digits):
    X_train, X_test, y_train, _ = digits
    clf = ConvNetClassifier(input_shape=(8, 8), filters=(3,), max_iter=2,
                            random_state=0).fit(X_train, y_train)
    assert clf.network_.dtype == np.float32
    logits = clf.decision_function(X_test)
    assert logits.dtype == clf.predict_proba(X_test).dtype == np.float64
    # The float32 weights, computed in float64; the network itself is untouched.
    np.testing.assert_array_equal(logits, clf.network_.astype(np.float64).forward(X_test))
    assert clf.network_.dtype == np.float32
    # scikit-learn's sample-order invariance (atol 1e-9) holds to float64 rounding.
    order = np.random.default_rng(0).permutation(len(X_test))
    np.testing.assert_allclose(clf.decision_function(X_test[order]), logits[order],
                               rtol=0, atol=1e-12)
    # float32 input meets a float32 model: float32 all the way.
    assert clf.predict_proba(X_test.astype(np.float32)).dtype == np.float32
