r"""Weights-only files: a fitted model as NumPy arrays and JSON, loaded without unpickling.

``estimator.save_weights(path)`` writes a NumPy ``.npz`` archive that
``numpy.load(path, allow_pickle=False)`` reads: plain arrays, and one JSON
header (``"header"``). Nothing in it names a class to instantiate, so loading
it cannot run code. It holds:

* ``header["params"]``: the estimator's parameters as plain JSON (tuples
  become lists; a dict with non-string keys, such as a ``class_weight``, is
  ``{"__items__": [[key, value], ...]}``);
* ``header["network"]``: the architecture, as built: dtype, input and output
  shapes, and per layer its class, its public configuration and the shapes
  of its parameters and state; the arrays ``network/flat_params`` (every
  weight, once) and ``network/state/<layer>/<name>`` (running statistics);
* ``header["helpers"]``: the fitted attributes of the estimator's input
  adapter and label binarizer (null for an estimator without one);
* ``header["fitted"]``: every other fitted attribute (``classes_``,
  ``n_features_in_``, ``feature_names_in_``, ``loss_curve_``, the Gaussian
  classifier's means and covariances, ...), as JSON or arrays under
  ``fitted/...``;
* the skdl version and the format version.

Nothing is listed per estimator: the network part comes from the network's
layers and the rest from the estimator's attributes, so a new layer or
estimator is saved without changes here (and an attribute of a kind that
cannot be stored fails loudly in ``save_weights``). The optimizer, the
training history and the random generator are not stored: a loaded model
predicts, and a warm-started ``fit`` or ``partial_fit`` starts them afresh.

Loading, ``Estimator(**same_params).load_weights(path)``, never trusts the
file for the architecture: the estimator builds its network from its own
parameters and the input shape recorded in the file, and the two
architectures must agree layer by layer before any weight is copied. A file
that does not fit raises a ``ValueError`` naming the layer, the shapes and
the parameters that differ. An estimator without a network (the Gaussian
classifier) must have the file's parameters, since each of them shapes its
fitted arrays.
"""

import json
import os

import numpy as np
from sklearn.preprocessing import LabelBinarizer
from sklearn.utils.validation import check_is_fitted

from . import _version
from ._codec import decode, encode, from_plain, plain
from ._persistence import VersionedState, check_version
from .layers.base import Layer
from .network import Sequential
from .utils.validation import validate_params

#: Identifies an skdl weights file, and the version of its layout.
FORMAT = "skdl-weights"
FORMAT_VERSION = 1
HEADER_KEY = "header"

#: Fitted helper objects, and how the loader makes a fresh one to restore
#: their attributes into: the class comes from the estimator, never from the file.
HELPERS = {
    "_input": lambda estimator: estimator._make_input_adapter(),
    "_label_binarizer": lambda estimator: LabelBinarizer(),
}

#: Training state that a weights file does not hold; ``_reset_training_state``
#: starts it afresh in a loaded model.
TRAINING_STATE = ("_rng", "_history", "_optimizer", "_optimizer_signature",
                  "_schedule", "_schedule_signature")


class WeightsMixin(VersionedState):
    """``save_weights`` and ``load_weights``: a fitted model in a file that loads without pickle."""

    def save_weights(self, path):
        """Save the fitted model as a NumPy ``.npz`` file that loads without pickle.

        The file holds the weights and non-trainable state of the network,
        the fitted attributes prediction needs (``classes_``,
        ``n_features_in_``, ``feature_names_in_``, the input shapes, the
        vocabulary size of token input...), the parameters as JSON and the
        skdl version; not the optimizer state or the training history. See
        the user guide, "Saving, loading and serving models".

        Parameters
        ----------
        path : str, path-like or file-like object
            Where to write, as for :func:`numpy.savez` (which adds ``.npz``
            to a name without it).

        Raises
        ------
        ValueError
            If a parameter cannot be written as JSON (a ``RandomState`` as
            ``random_state``, for instance: set an int before saving).
        """
        check_is_fitted(self)
        header, arrays = weights_content(self)
        np.savez(path, **{HEADER_KEY: np.array(json.dumps(header))}, **arrays)

    def load_weights(self, path):
        """Replace the fitted state by the one saved in a weights file.

        The estimator must have the parameters of the saved one
        (``Estimator(**same_params).load_weights(path)``): its network is
        built from its own parameters and must match the file's layer by
        layer, or a ``ValueError`` says what differs. Predictions are then
        bit-identical to the saved model's. The file is read with
        ``numpy.load(allow_pickle=False)``: nothing is unpickled. A warm
        start after loading continues from the loaded weights with a fresh
        optimizer and history.

        Parameters
        ----------
        path : str, path-like or file-like object
            A file written by :meth:`save_weights`.

        Returns
        -------
        self : object
            The estimator, fitted.

        Raises
        ------
        ValueError
            If the file is not a weights file of this estimator class, was
            written in a newer format, or does not fit this estimator.

        Warns
        -----
        skdl.exceptions.InconsistentVersionWarning
            If the file was written by another skdl version.
        """
        where = f"The weights file {os.fspath(path)!r}" if isinstance(path, (str, os.PathLike)) \
            else "The weights file"
        with np.load(path, allow_pickle=False) as data:
            header = read_header(data, type(self).__name__, where)
            arrays = {key: data[key] for key in data.files if key != HEADER_KEY}
        restored = restore(self, header, arrays, where)
        self.__dict__.clear()
        self.__dict__.update(restored)
        return self

    def _reset_training_state(self):
        """Start the training state afresh (nothing to do without a training loop)."""


# ------------------------------------------------------------------ writing
def weights_content(estimator):
    """The header (a JSON-able dict) and the arrays of a fitted estimator's weights file.

    Parameters
    ----------
    estimator : estimator
        A fitted skdl estimator.

    Returns
    -------
    header : dict
    arrays : dict of str to ndarray
    """
    params = estimator.get_params(deep=False)
    arrays = {}
    header = {"format": FORMAT, "format_version": FORMAT_VERSION,
              "skdl_version": _version.__version__, "estimator": type(estimator).__name__,
              "params": {name: plain(value, name) for name, value in params.items()},
              "network": None, "helpers": {}, "fitted": {}}
    for name, value in vars(estimator).items():
        if name in params or name in TRAINING_STATE:
            continue
        if name == "network_":
            header["network"] = save_network(value, arrays)
        elif name in HELPERS:
            header["helpers"][name] = None if value is None else {
                "class": type(value).__name__,
                "state": encode(vars(value), f"helpers/{name}", arrays)}
        else:
            header["fitted"][name] = encode(value, f"fitted/{name}", arrays)
    return header, arrays


def save_network(network, arrays):
    """Put a network's weights and state in ``arrays``; return its architecture summary."""
    arrays["network/flat_params"] = network.flat_params
    for index, state in enumerate(network.state()):
        for name, array in state.items():
            arrays[f"network/state/{index}/{name}"] = array
    return network_summary(network)


def network_summary(network):
    """The architecture of a built network, as JSON: what must agree for weights to fit.

    Parameters
    ----------
    network : Sequential
        A built network.

    Returns
    -------
    summary : dict
        ``dtype``, ``input_shape``, ``output_shape`` and ``layers`` (see
        :func:`layer_summary`).
    """
    return {"dtype": network.dtype.name, "input_shape": list(network.input_shape),
            "output_shape": list(network.output_shape),
            "layers": [layer_summary(layer) for layer in network.layers]}


def layer_summary(layer):
    """A layer's class, public configuration, and parameter and state shapes.

    The configuration is the layer's public attributes (its constructor
    arguments, scikit-learn style); layers inside it (the two directions of
    a ``Bidirectional``) are summarised in turn.
    """
    config = {name: _describe(value, name) for name, value in sorted(vars(layer).items())
              if not name.startswith("_")}
    return {"class": type(layer).__name__, "config": config,
            "parameters": {name: list(array.shape) for name, array in layer.parameters().items()},
            "state": {name: list(array.shape) for name, array in layer.state().items()}}


def _describe(value, name):
    if isinstance(value, Layer):
        return layer_summary(value)
    return plain(value, name)


# ------------------------------------------------------------------ reading
def read_header(data, estimator_name, where):
    """The checked JSON header of an opened weights file.

    Parameters
    ----------
    data : numpy.lib.npyio.NpzFile
        The opened file.
    estimator_name : str
        Class name of the estimator loading it.
    where : str
        How the messages name the file.

    Returns
    -------
    header : dict
    """
    if HEADER_KEY not in data.files:
        raise ValueError(f"{where} is not an skdl weights file: it has no {HEADER_KEY!r} entry.")
    header = json.loads(str(data[HEADER_KEY]))
    if not isinstance(header, dict) or header.get("format") != FORMAT:
        raise ValueError(f"{where} is not an skdl weights file.")
    if header["format_version"] > FORMAT_VERSION:
        raise ValueError(
            f"{where} was written by skdl {header['skdl_version']} in weights format "
            f"{header['format_version']}; skdl {_version.__version__} reads formats up to "
            f"{FORMAT_VERSION}. Upgrade skdl to load it.")
    if header["estimator"] != estimator_name:
        raise ValueError(f"{where} holds the weights of a {header['estimator']}, not of a "
                         f"{estimator_name}.")
    check_version(header["skdl_version"], estimator_name)
    return header


def restore(estimator, header, arrays, where):
    """The attributes (``__dict__``) of ``estimator`` with the file's fitted state.

    Everything is built aside and checked before the caller replaces the
    estimator's attributes, so a file that does not fit leaves the
    estimator as it was.

    Parameters
    ----------
    estimator : estimator
        The estimator loading the file (unchanged here).
    header : dict
        The file's header (:func:`read_header`).
    arrays : dict of str to ndarray
        The file's arrays.
    where : str
        How the messages name the file.

    Returns
    -------
    attributes : dict
        The new ``__dict__``: the estimator's parameters and the restored
        fitted attributes.
    """
    params = estimator.get_params(deep=False)
    probe = type(estimator).__new__(type(estimator))
    probe.__dict__.update({name: value for name, value in vars(estimator).items()
                           if name in params})
    if hasattr(probe, "_parameter_constraints"):
        validate_params(probe)
    probe._check_params()
    saved = saved_estimator(header, probe)
    for name, entry in header["helpers"].items():
        if entry is None:               # no adapter: the estimator reads 2-D tables
            setattr(probe, name, None)
            continue
        helper, reference = HELPERS[name](probe), HELPERS[name](saved)
        # The helper's configuration comes from the parameters: it must be
        # the saved one's before its fitted attributes are restored into it.
        if type(helper).__name__ != entry["class"] or not _same_state(helper, reference):
            raise _mismatch(where, probe, header, f"its parameters configure {name} (a "
                            f"{type(helper).__name__}) unlike the file's {entry['class']}")
        vars(helper).update(decode(entry["state"], arrays))
        setattr(probe, name, helper)
    if header["network"] is not None:
        probe.network_ = rebuild_network(probe, header, arrays, where)
    else:
        if differing_params(header["params"], probe):
            raise _mismatch(where, probe, header, "its fitted arrays depend on every parameter")
    probe._reset_training_state()
    for name, node in header["fitted"].items():
        if name in params or name in HELPERS or name in TRAINING_STATE or name == "network_":
            raise ValueError(f"{where} is corrupt: its fitted attributes include {name!r}.")
        setattr(probe, name, decode(node, arrays))
    return vars(probe)


def saved_estimator(header, estimator):
    """An unfitted estimator of ``estimator``'s class with the file's parameters.

    Parameters the file does not know (saved by another version) keep the
    estimator's values.
    """
    params = estimator.get_params(deep=False)
    params.update({name: from_plain(value) for name, value in header["params"].items()
                   if name in params})
    return type(estimator)(**params)


def _same_state(a, b):
    """Whether two helper objects have equal attributes (arrays compared by value)."""
    arrays_a, arrays_b = {}, {}
    if encode(vars(a), "", arrays_a) != encode(vars(b), "", arrays_b):
        return False
    return all(np.array_equal(arrays_a[key], arrays_b[key]) for key in arrays_a)


def rebuild_network(estimator, header, arrays, where):
    """The estimator's own network, checked against the file's and loaded with its weights.

    Parameters
    ----------
    estimator : estimator
        The estimator being loaded, with its input adapter restored.
    header : dict
        The file's header.
    arrays : dict of str to ndarray
        The file's arrays.
    where : str
        How the messages name the file.

    Returns
    -------
    network : Sequential
        Built from the estimator's parameters, holding the file's weights.
    """
    saved = header["network"]
    dtype = np.dtype(saved["dtype"])
    input_shape = tuple(saved["input_shape"])
    wanted = estimator._compute_dtype(np.empty((0,) + input_shape, dtype=dtype))
    if wanted != dtype:
        raise _mismatch(where, estimator, header, f"the network computes in {dtype} in the "
                        f"file, in {wanted} with this estimator's dtype parameter")
    try:
        layers = estimator._build_network(input_shape[0], saved["output_shape"][0])
        network = Sequential(layers).build(input_shape, np.random.default_rng(0), dtype)
    except ValueError as error:
        raise _mismatch(where, estimator, header,
                        f"its network cannot be built for the file's input ({error})") from error
    difference = first_difference(saved, network_summary(network))
    if difference:
        raise _mismatch(where, estimator, header, difference)
    network.flat_params[...] = _saved_array(arrays, "network/flat_params", network.flat_params)
    for index, state in enumerate(network.state()):
        for name, live in state.items():
            live[...] = _saved_array(arrays, f"network/state/{index}/{name}", live)
    return network


def _saved_array(arrays, key, like):
    """The file's array ``key``, checked to have the shape and dtype of ``like``."""
    if key not in arrays:
        raise ValueError(f"The weights file has no {key!r} array.")
    array = arrays[key]
    if array.shape != like.shape or array.dtype != like.dtype:
        raise ValueError(f"The weights file's {key!r} is {array.dtype} of shape {array.shape}; "
                         f"the network needs {like.dtype} of shape {like.shape}.")
    return array


def first_difference(saved, current):
    """The first difference between two network summaries, as a phrase (None if equal)."""
    for key in ("dtype", "input_shape", "output_shape"):
        if saved[key] != current[key]:
            return f"the network's {key.replace('_', ' ')} is {saved[key]} in the file, " \
                   f"{current[key]} here"
    for index, (ours, theirs) in enumerate(zip(saved["layers"], current["layers"])):
        if ours != theirs:
            return (f"layer {index} is {_layer_text(ours)} in the file, "
                    f"{_layer_text(theirs)} here")
    if len(saved["layers"]) != len(current["layers"]):
        return (f"the file's network has {len(saved['layers'])} layers, this estimator's "
                f"{len(current['layers'])}")
    return None


def _layer_text(summary):
    config = ", ".join(f"{name}={value}" for name, value in summary["config"].items()
                       if not isinstance(value, dict))
    shapes = ", ".join(f"{name} {tuple(shape)}" for name, shape in
                       {**summary["parameters"], **summary["state"]}.items())
    return f"{summary['class']}({config})" + (f" with {shapes}" if shapes else "")


def differing_params(saved, estimator):
    """The parameters whose values differ from the file's, as ``name=... in the file, ... here``."""
    current = {}
    for name, value in estimator.get_params(deep=False).items():
        try:
            current[name] = plain(value, name)
        except ValueError:
            current[name] = repr(value)
    absent = "(absent)"
    return [f"{name}={saved.get(name, absent)!r} in the file, {current.get(name, absent)!r} here"
            for name in sorted(set(saved) | set(current))
            if saved.get(name, absent) != current.get(name, absent)]


def _mismatch(where, estimator, header, detail):
    differing = differing_params(header["params"], estimator)
    hint = f" Parameters that differ: {'; '.join(differing)}." if differing else ""
    return ValueError(f"{where} does not fit this {type(estimator).__name__}: {detail}.{hint}")
