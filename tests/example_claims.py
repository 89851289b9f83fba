"""What each example's text says, checked against the numbers its run computes.

Every script in ``examples/`` explains what its run shows. The function
registered here for an example receives the example's module globals after a
full run and asserts each statement of its text (and of the user-guide pages
that quote it) on the numbers the example computed. Two callers apply them:

- ``tests/test_examples.py`` runs every example and checks its claims;
- the documentation build (``docs/sphinxext/gallery_claims.py``) checks the
  very run whose output and figures it publishes, so a build with ``-W``
  fails when a page would contradict its own numbers.

When an example changes, change its claims in the same commit. Where the
honest result differs from the story, the story or the experiment changes,
never the number. Timings are printed by some examples but never asserted
(the team's rule: speed is measured in ``benchmarks/``).
"""

import numpy as np

CLAIMS = {}


def claim(example):
    """Register the decorated function as the claims of ``examples/<example>.py``."""
    def register(function):
        CLAIMS[example] = function
        return function
    return register


def check(example, namespace):
    """Assert the claims of ``example`` (a file stem) on its module globals."""
    if example not in CLAIMS:
        raise KeyError(f"examples/{example}.py has no claims: register them in "
                       "tests/example_claims.py")
    CLAIMS[example](namespace)


def _near(value, target, tolerance, what):
    assert abs(value - target) <= tolerance, (
        f"{what}: the text says about {target}, the run gives {value:.4f}")


@claim("plot_xor")
def xor(ns):
    accuracy = ns["accuracy"]
    # "no line can be right on more than two thirds of the points ...
    # logistic regression ... does not even reach that" (a test sample of 400
    # points can exceed 2/3 by sampling noise only slightly)
    assert accuracy["logistic regression"] < 2 / 3, accuracy
    # "The MLP classifies nearly every test point correctly."
    assert accuracy["MLP, 8 hidden units"] >= 0.97, accuracy
    # "... the output layer gives the two XOR classes" for the quadrant centres.
    assert list(ns["corner_predictions"]) == [0, 1, 1, 0], ns["corner_predictions"]


@claim("plot_vanishing_gradients")
def vanishing_gradients(ns):
    ratio, accuracy = ns["ratio"], ns["accuracy"]
    # "the gradient of the first layer is about a million times smaller than
    # the output layer's" (also quoted by the user guide's MLP page)
    assert 1e-7 <= ratio["sigmoid"] <= 1e-5, ratio
    # "With ReLU all layers receive gradients of the same order."
    assert 0.1 <= ratio["ReLU"] <= 10, ratio
    # "The deep sigmoid network has barely left chance ... the ReLU network
    # learned the task."
    assert accuracy["sigmoid"] < 0.3, accuracy
    assert accuracy["ReLU"] > 0.85, accuracy


@claim("plot_regularization")
def regularization(ns):
    curves, accuracy, epochs = ns["curves"], ns["accuracy"], ns["EPOCHS"]
    train, test = curves["no regularisation"]
    # "the training loss goes to zero, and the test loss, after reaching its
    # minimum within the first epochs, climbs back"
    assert train[-1] < 0.01, train[-1]
    assert np.argmin(test) < epochs // 4, np.argmin(test)
    assert test[-1] > 1.1 * test.min(), (test.min(), test[-1])
    # "L2 and dropout keep the test loss low and raise the test accuracy."
    for name in ("L2, alpha=5", "dropout 0.5"):
        assert curves[name][1][-1] < test[-1], (name, curves[name][1][-1], test[-1])
        assert accuracy[name] > accuracy["no regularisation"], (name, accuracy)
    # "it stopped once the validation accuracy had not improved for 10
    # epochs, long before the other runs end, and kept ... its best epoch"
    stopper = ns["stopper"]
    assert stopper.n_iter_ < epochs // 2, stopper.n_iter_
    assert stopper.n_iter_ - ns["best_epoch"] >= stopper.n_iter_no_change, (
        ns["best_epoch"], stopper.n_iter_)
    # "its test accuracy is the lowest of the four"
    assert accuracy["early stopping"] == min(accuracy.values()), accuracy


@claim("plot_learning_rates")
def learning_rates(ns):
    curves = ns["curves"]
    tiny, small, good, huge = (curves[rate] for rate in (1e-4, 1e-2, 0.5, 1e4))
    # "At 1e-4 the loss has hardly moved from its starting value"
    assert tiny[-1] > 0.95 * tiny[0], tiny
    # "1e-2 descends steadily"
    assert all(b < a for a, b in zip(small, small[1:])), small
    # "0.5 is the fastest and reaches the lowest loss"
    assert good[-1] == min(curve[-1] for curve in curves.values())
    assert good[0] == min(curve[0] for curve in curves.values())
    # "At 1e4 ... after the first epoch the loss is hundreds of times the
    # starting loss of the small rates, and ... stays more than ten times
    # higher than that"
    assert huge[0] > 100 * tiny[0], (huge[0], tiny[0])
    assert min(huge) > 10 * tiny[0], (min(huge), tiny[0])


@claim("plot_optimizers")
def optimizers(ns):
    curves, accuracy, epochs = ns["curves"], ns["accuracy"], ns["EPOCHS"]
    # "Momentum makes plain SGD much faster: ... its training loss after 40
    # epochs is about ten times lower."
    ratio = curves["SGD"][-1] / curves["SGD + momentum"][-1]
    assert 5 <= ratio <= 20, ratio
    # "The adaptive methods reach low losses" (below plain SGD's)
    for name in ("Adagrad", "RMSProp", "Adam", "SWATS"):
        assert curves[name][-1] < curves["SGD"][-1], (name, curves[name][-1])
    # "Every optimizer ends with a test accuracy above 0.9"
    assert min(accuracy.values()) > 0.9, accuracy
    # "SWATS ... switches": the epoch is printed and marked in the figure.
    assert ns["switch_epoch"] is not None and 1 <= ns["switch_epoch"] < epochs, ns["switch_epoch"]


@claim("plot_feature_scaling")
def feature_scaling(ns):
    runs, target, rates = ns["runs"], ns["TARGET"], ns["RATES"]
    reach = ns["epochs_to_reach"]
    # "On raw features the largest rate diverges, and no rate brings the loss
    # below 0.2 in 100 epochs"
    assert runs["raw", max(rates)] is None
    assert all(curve is None or reach(curve, target) is None
               for (features, _), curve in runs.items() if features == "raw")
    # "On standardised features a wide range of rates reaches the target
    # within a few epochs" (three orders of magnitude, within 10 epochs)
    fast = [rate for rate in rates
            if runs["standardised", rate] is not None
            and (reach(runs["standardised", rate], target) or np.inf) <= 10]
    assert len(fast) >= 3 and max(fast) / min(fast) >= 100, fast
    # "On raw features L-BFGS uses its whole budget of 1,000 iterations ...;
    # on standardised features it converges in a few dozen."
    iterations = ns["lbfgs_iterations"]
    assert iterations["raw"] == 1000, iterations
    assert iterations["standardised"] < 100, iterations


@claim("plot_model_selection")
def model_selection(ns):
    noise = 0.09
    train, val, degrees = ns["train_errors"], ns["val_errors"], ns["degrees"]
    # "Degrees 1 and 2 underfit: even their training error is about twice the
    # noise variance."
    assert all(1.5 * noise <= train[d - 1] <= 2.5 * noise for d in (1, 2)), train[:2]
    # "From degree 3 on the training error keeps falling with the degree"
    assert all(b <= a for a, b in zip(train[2:], train[3:])), train
    # "the validation error is lowest for degrees 3 to 5 and then grows by
    # orders of magnitude"
    assert 3 <= degrees[int(np.argmin(val))] <= 5, val
    assert max(val) > 100 * min(val), val
    # "Its test error ... is of the order of the noise variance" (chosen by CV)
    assert ns["test_error"] < 2 * noise, ns["test_error"]
    # "As alpha grows ... the training error rises and the validation error
    # falls, by orders of magnitude at first, until a large alpha ... underfits"
    rows = ns["alpha_rows"]
    train_a = [r[1] for r in rows]
    val_a = [r[2] for r in rows]
    assert all(b >= a for a, b in zip(train_a, train_a[1:])), train_a
    assert val_a[0] > 100 * min(val_a), val_a
    assert val_a[-1] > 5 * min(val_a), val_a


@claim("plot_generative_vs_discriminative")
def generative_vs_discriminative(ns):
    sizes = ns["TRAIN_SIZES"]
    means = {name: mean for name, (mean, _) in ns["curves"].items()}
    default = means["Gaussian, shared (reg_covar=1e-6)"]
    shrunk = means["Gaussian, shared (reg_covar=0.1)"]
    logistic = means["LogisticRegression (alpha=1)"]
    at = {size: i for i, size in enumerate(sizes)}
    # "the generative model is the worst of the three there" (n < 30 features)
    for size in (10, 20):
        assert default[at[size]] > max(shrunk[at[size]], logistic[at[size]]), size
    # "(about 25% errors at 20 samples)" ... "(about 10% at 20 samples)"
    _near(default[at[20]], 0.25, 0.01, "default Gaussian error at 20 samples")
    _near(shrunk[at[20]], 0.10, 0.01, "reg_covar=0.1 error at 20 samples")
    # "Logistic regression ... has the lowest error at every size"
    assert all(logistic[i] < min(default[i], shrunk[i]) for i in range(len(sizes)))
    # "(about 11% at 10 samples, 3.1% at 320)" ... "(3.6% at 320)"
    _near(logistic[at[10]], 0.11, 0.005, "logistic regression error at 10 samples")
    _near(logistic[at[320]], 0.031, 0.0015, "logistic regression error at 320 samples")
    _near(default[at[320]], 0.036, 0.0015, "default Gaussian error at 320 samples")
    # "The shared covariance ... wins" the cross-validated search.
    assert ns["chosen"]["gaussianclassifier__covariance"] == "shared", ns["chosen"]


@claim("plot_cnn_vs_mlp")
def cnn_vs_mlp(ns):
    accuracy, shifted, parameters = ns["accuracy"], ns["shifted_accuracy"], ns["parameters"]
    # "the CNN is as accurate as the MLP (within a point) with fewer parameters"
    assert accuracy["CNN"] >= accuracy["MLP"] - 0.01, accuracy
    assert parameters["CNN"] < parameters["MLP"], parameters
    # "its first layer has 8 filters of 9 weights plus their biases"
    assert ns["first_layer"]["CNN"] == 8 * 9 + 8, ns["first_layer"]
    # "Both models lose accuracy ..., but the CNN keeps clearly more of it"
    assert all(shifted[name] < accuracy[name] - 0.2 for name in shifted), shifted
    assert shifted["CNN"] > shifted["MLP"] + 0.05, shifted


@claim("plot_cnn_filters")
def cnn_filters(ns):
    assert ns["accuracy"] > 0.9, ns["accuracy"]
    # "several filters are close to [an edge detector] (a correlation above
    # 0.6 in absolute value)"
    strongest = np.abs(ns["edges"]).max(axis=1)
    assert np.sum(strongest > 0.6) >= 3, ns["edges"]
    # "Filters whose edge correlations have opposite signs give maps that
    # are anti-correlated ... Others have learned nearly the same detector"
    correlation, a, b = ns["most_opposite"]
    assert correlation < -0.3, ns["most_opposite"]
    assert np.sign(ns["edges"][a]).tolist() != np.sign(ns["edges"][b]).tolist()
    assert ns["most_similar"][0] > 0.9, ns["most_similar"]


@claim("plot_text_cnn")
def text_cnn(ns):
    # "A bag-of-words model ... stays at chance"
    _near(ns["bag_accuracy"], 0.5, 0.05, "bag-of-words accuracy")
    # "The CNN classifies the test sentences perfectly or nearly so"
    assert ns["cnn_accuracy"] >= 0.98, ns["cnn_accuracy"]
    # "at least one filter's strongest phrase is 'not good'"
    assert "not good" in ns["phrases"], ns["phrases"]


@claim("plot_lstm_memory")
def lstm_memory(ns):
    mean, accuracy = ns["mean_accuracy"], ns["accuracy"]
    short, long = min(ns["LENGTHS"]), max(ns["LENGTHS"])
    # "Every network remembers 10 steps."
    assert all(mean[cell, short] > 0.85 for cell in ns["CELLS"]), mean
    # "With longer sequences, remembering gets harder for every cell, but
    # later for the LSTM."
    assert all(mean[cell, long] < mean[cell, short] for cell in ns["CELLS"]), mean
    assert all(mean["lstm", steps] >= mean["elman", steps] - 0.02
               for steps in ns["LENGTHS"]), mean
    # "At 40 steps no Elman run gets past chance, while the LSTM learns the
    # task from half of the initialisations or more, and its mean accuracy
    # stays well above the Elman network's" (also quoted by the user guide's
    # recurrent page)
    assert accuracy["elman", long].max() < 0.6, accuracy["elman", long]
    assert np.sum(accuracy["lstm", long] > 0.8) >= len(ns["SEEDS"]) / 2, accuracy["lstm", long]
    assert mean["lstm", long] > mean["elman", long] + 0.15, mean


@claim("plot_text_sentiment")
def text_sentiment(ns):
    accuracy = ns["accuracy"]
    bag, lstm = accuracy["bag of words + logistic regression"], accuracy["embedding + LSTM"]
    # "its accuracy stays far below the LSTM's, which classifies nearly every
    # test sentence correctly"
    assert lstm >= 0.97, accuracy
    assert bag < lstm - 0.2, accuracy
    # "The codes themselves work too"
    assert accuracy["1-of-N codes + LSTM"] >= 0.95, accuracy
    # "shows that it learned the negation" (a positive word, the same word
    # negated, a negated negative word)
    proba = ns["probe_proba"]
    assert proba[0] > 0.9 and proba[1] < 0.1 and proba[2] > 0.9, proba


@claim("plot_vectorization")
def vectorization(ns):
    # "The three agree to the last digits" and skdl's loss "gives the same"
    # gradient. The timings are printed, never asserted.
    assert ns["largest_difference"] < 1e-12, ns["largest_difference"]
    assert ns["skdl_difference"] < 1e-12, ns["skdl_difference"]
    # "standardising the features subtracts a row of means from every row"
    assert ns["X_standardised"].shape == ns["X"].shape
    assert np.abs(ns["column_means"]).max() < 1e-12


@claim("plot_time_series_forecast")
def time_series_forecast(ns):
    scores, best = ns["scores"], ns["best_possible"]
    baseline = scores["tomorrow equals today"]
    for name in ns["models"]:
        # "more than half of the variance that the baseline misses"
        assert scores[name] - baseline > 0.5 * (1 - baseline), (name, scores[name], baseline)
        # "None can pass the best possible score"
        assert scores[name] < best, (name, scores[name], best)


@claim("plot_aeon_layout")
def aeon_layout(ns):
    accuracy = ns["accuracy"]
    aeon, tslearn = accuracy["GRU, aeon list (any length)"], accuracy["GRU, tslearn NaN-padded"]
    wrong, cnn = accuracy["GRU, (n, 3, 60), wrong layout"], accuracy["ConvNet, (n, 3, 60) fixed"]
    # "the two fits ... give the same weights, bit for bit"
    assert ns["same_model"] and aeon == tslearn, (aeon, tslearn)
    # "read as 3 steps of 60 features"
    assert ns["aeon"].sequence_shape_ == (60, 3), ns["aeon"].sequence_shape_
    assert ns["wrong"].sequence_shape_ == (3, 60), ns["wrong"].sequence_shape_
    # "classifies the longer test series ... at least as well as series of the
    # training lengths"
    assert aeon[1] >= aeon[0] >= 0.95, aeon
    # "a different model, and a worse one here, most of all on the longer series"
    assert wrong[0] < aeon[0] and wrong[1] < aeon[1], (wrong, aeon)
    assert aeon[1] - wrong[1] > aeon[0] - wrong[0], (wrong, aeon)
    # "The fixed-length ConvNet does well on this task"
    assert min(cnn) >= 0.95, cnn


@claim("plot_persistence")
def persistence(ns):
    differences = ns["differences"]
    exact = [route for route in differences if "ONNX" not in route]
    served = [route for route in differences if "ONNX" in route]
    assert len(exact) == 6 and len(served) == 3, list(differences)
    # "The pickle, skops and weights files give back exactly the same model
    # (differences of 0)"
    assert all(differences[route] == (0.0, 1.0) for route in exact), differences
    # "to about 1e-7 for onnxruntime", "every predicted label is the same"
    assert all(1e-9 < differences[route][0] < 1e-6 for route in served), differences
    assert all(differences[route][1] == 1.0 for route in served), differences
    # "refused with a message naming the layer and the parameters that differ"
    assert ns["mismatch"] is not None and "layer 1" in ns["mismatch"], ns["mismatch"]
    assert "Parameters that differ" in ns["mismatch"], ns["mismatch"]


@claim("plot_precision")
def precision(ns):
    # "train float64 data in float32 when they train on mini-batches"
    assert ns["trained_in"] == {"default (auto)": "float32", "float64": "float64"}, ns["trained_in"]
    # "the float32 model gives float64 probabilities for float64 input"
    assert ns["output_dtypes"] == {"float64 input": "float64", "float32 input": "float32"}
    # "the two models' probabilities differ by less than 1e-4, and they
    # predict the same digit for every test image"
    assert ns["gap"] < 1e-4, ns["gap"]
    assert ns["agree"] == 1.0, ns["agree"]
    # "The two loss curves lie on top of each other"
    curves = [np.asarray(model.loss_curve_) for model in ns["models"].values()]
    assert np.allclose(curves[0], curves[1], rtol=1e-3), curves
