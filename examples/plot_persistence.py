"""
Saving, loading and serving a model
===================================

One fitted model, four ways to keep it: a ``joblib`` pickle, a skops file
that loads without running code, a weights-only ``.npz`` file, and an ONNX
graph served by onnxruntime without skdl. Each route is a small function
(shown in the user guide, "Saving, loading and serving models"); the script
runs them on a ConvNet, on a scaler + MLP pipeline and on a GRU that reads
sequences of any length, and prints how far the reloaded predictions are
from the original ones.

Needs skops, onnx, skl2onnx and onnxruntime (``pip install "skdl[onnx]" skops
onnxruntime``).
"""

import json
import tempfile
import warnings
from pathlib import Path

import joblib
import matplotlib.pyplot as plt
import numpy as np
import onnxruntime as ort
import skl2onnx
import skops.io as sio
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

import skdl.onnx
from skdl import ConvNetClassifier, MLPClassifier, RNNClassifier, to_onnx
from skdl.exceptions import InconsistentVersionWarning
from skdl.utils import trusted_types

warnings.filterwarnings("ignore", category=ConvergenceWarning)


# %%
# The four routes
# ---------------


def joblib_round_trip(model, folder):
    """Pickle with joblib: everything, fast; loading runs code from the file."""
    path = folder / "model.joblib"
    joblib.dump(model, path)
    return joblib.load(path)             # only ever load a pickle you made yourself


def skops_round_trip(model, folder):
    """skops: the same content, but loading builds only the types you trust."""
    path = folder / "model.skops"
    sio.dump(model, path)
    untrusted = sio.get_untrusted_types(file=path)     # review them before trusting
    print(f"  skops: {len(untrusted)} types outside skops' defaults, all in "
          f"skdl.utils.trusted_types(): {set(untrusted) <= set(trusted_types())}")
    return sio.load(path, trusted=trusted_types())


def weights_round_trip(model, folder):
    """Weights only: arrays and JSON, read with numpy.load(allow_pickle=False)."""
    path = folder / "model.npz"
    model.save_weights(path)
    with np.load(path, allow_pickle=False) as data:      # what the file holds
        header = json.loads(str(data["header"]))
        print(f"  weights file: {len(data.files) - 1} arrays, saved by skdl "
              f"{header['skdl_version']}, {len(header['network']['layers'])} layers")
    fresh = type(model)(**model.get_params(deep=False))      # the same parameters
    return fresh.load_weights(path)


def onnx_session(model, X):
    """ONNX: a graph that onnxruntime runs without Python objects (float32 input)."""
    graph = to_onnx(model, X[:1])
    return ort.InferenceSession(graph.SerializeToString(), providers=["CPUExecutionProvider"])


def pipeline_session(pipeline, X):
    """A whole scikit-learn pipeline, converted by skl2onnx once skdl is registered."""
    skdl.onnx.register()
    graph = skl2onnx.to_onnx(pipeline, X[:1].astype(np.float32),
                             options={MLPClassifier: {"zipmap": False}})
    return ort.InferenceSession(graph.SerializeToString(), providers=["CPUExecutionProvider"])


def weights_that_do_not_fit(folder):
    """A weights file loaded into a network of another shape: a clear error, nothing loaded."""
    other = ConvNetClassifier(input_shape=(8, 8), filters=(16,))
    try:
        other.load_weights(folder / "model.npz")
    except ValueError as error:
        print(f"  {error}")
        return str(error)
    return None


def load_strictly(path):
    """Refuse a model saved by another skdl version instead of warning."""
    with warnings.catch_warnings():
        warnings.simplefilter("error", InconsistentVersionWarning)
        return sio.load(path, trusted=trusted_types())


# %%
# A ConvNet and a pipeline
# ------------------------

X, y = load_digits(return_X_y=True)
X_train, X_test, y_train, y_test = train_test_split(X / 16, y, random_state=0)
epochs = 30
convnet = ConvNetClassifier(input_shape=(8, 8), filters=(8,), max_iter=epochs,
                            random_state=0).fit(X_train, y_train)
pipeline = make_pipeline(StandardScaler(), MLPClassifier((64,), max_iter=epochs,
                                                         random_state=0)).fit(X_train, y_train)
print(f"ConvNet test accuracy {convnet.score(X_test, y_test):.3f}, "
      f"pipeline {pipeline.score(X_test, y_test):.3f}")


differences = {}  # route: (largest probability difference, share of equal labels)


def report(route, proba, labels, model, X):
    gap = np.abs(proba - model.predict_proba(X)).max()
    agree = np.mean(labels == model.predict(X))
    differences[route] = (float(gap), float(agree))
    print(f"  {route:<18} max |probability difference| {gap:.1e}, same labels: {agree:.0%}")


# %%
# Round trips
# -----------
# The pickle, skops and weights files give back exactly the same model
# (differences of 0); onnxruntime computes in float32, from float32 inputs.

X32 = X_test.astype(np.float32)
with tempfile.TemporaryDirectory() as tmp:
    folder = Path(tmp)
    for name, model in (("ConvNet", convnet), ("pipeline", pipeline)):
        print(name)
        for route, round_trip in (("joblib", joblib_round_trip), ("skops", skops_round_trip)):
            loaded = round_trip(model, folder)
            report(f"{name} {route}", loaded.predict_proba(X_test), loaded.predict(X_test),
                   model, X_test)
    loaded = weights_round_trip(convnet, folder)
    report("ConvNet weights", loaded.predict_proba(X_test), loaded.predict(X_test), convnet,
           X_test)
    mismatch = weights_that_do_not_fit(folder)
    load_strictly(folder / "model.skops")      # saved by this version: no warning

session = onnx_session(convnet, X32)
labels, proba = session.run(None, {"X": X32})
report("ConvNet ONNX", proba, labels, convnet, X32)
session = pipeline_session(pipeline, X32)
labels, proba = session.run(None, {session.get_inputs()[0].name: X32})
report("pipeline ONNX", proba, labels, pipeline, X32)


# %%
# Sequences of any length
# -----------------------
# A GRU fitted on each digit read as 5 to 8 rows of pixels (NaN-padded at the
# end, tslearn's and aeon's convention) is saved as a weights file and
# exported once to ONNX, whose time axis is dynamic; both are then asked about
# sequences of 3 to 8 rows, NaN-padded in one float32 array.


def nan_padded(images, lengths):
    """Digits as sequences of rows, each cut to its length by NaN padding at the end."""
    sequences = images.reshape(-1, 8, 8).astype(np.float32)
    for sequence, length in zip(sequences, lengths):
        sequence[length:] = np.nan
    return sequences


rng = np.random.default_rng(0)
S_train = nan_padded(X_train, rng.integers(5, 9, len(X_train)))
S_test = nan_padded(X_test, rng.integers(3, 9, len(X_test)))
gru = RNNClassifier(cell="gru", recurrent_layer_sizes=32, max_iter=epochs,
                    random_state=0).fit(S_train, y_train)
print(f"GRU test accuracy on 3 to 8 rows {gru.score(S_test, y_test):.3f}")
with tempfile.TemporaryDirectory() as tmp:
    loaded = weights_round_trip(gru, Path(tmp))
report("GRU weights", loaded.predict_proba(S_test), loaded.predict(S_test), gru, S_test)
session = onnx_session(gru, S_train[:2])
labels, proba = session.run(None, {"X": S_test})
report("GRU ONNX", proba, labels, gru, S_test)
# %%
# What comes back
# ---------------
# The pickle, skops and weights files give back the model's probabilities
# exactly (differences of 0, drawn at the left edge); the ONNX graphs,
# computed by onnxruntime in float32, to about 1e-7, and every predicted
# label is the same. A weights file that does not fit the network it is
# loaded into is refused with a message naming the layer and the parameters
# that differ, and nothing is loaded.

fig, ax = plt.subplots(figsize=(7, 3.5))
routes = list(differences)
gaps = [differences[route][0] for route in routes]
ax.barh(routes, gaps, color=["C0" if gap == 0 else "C1" for gap in gaps])
ax.set_xscale("symlog", linthresh=1e-9)
ax.set_xlim(0, 1e-5)
ax.invert_yaxis()
ax.set_xlabel("largest |probability difference| from the fitted model")
ax.set_title("Reloaded and served models against the original")
fig.tight_layout()
plt.show()
