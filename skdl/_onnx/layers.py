r"""ONNX converters of skdl's layers: one small function per layer class.

``convert_layer(layer, graph, value)`` finds the converter of the layer's
class (or of its nearest base class: ``Conv1D`` uses ``Conv2D``'s) in
:data:`CONVERTERS` and returns the value of the layer's output. A new layer
is exported by registering one function with ``@converts(LayerClass)``; each
converter is tested against the layer's own ``forward`` (tests/test_onnx.py).

What flows between converters mirrors what flows between the layers:

* :class:`Tensor`: an array. ONNX convolutions and pools want channels at
  axis 1 (NCHW) while skdl computes channels last (NHWC), so a tensor
  records how the ONNX array is laid out relative to skdl's: ``perm`` is the
  permutation with ``onnx = numpy.transpose(skdl, perm)`` (None: the same
  layout). Images stay NCHW from the input reshape through every
  convolution and pool; a transpose is inserted only where a layer needs
  skdl's own order (``Flatten`` before the first dense layer, whose weights
  expect the ``(y, x, channel)`` order of skdl's flattening).
* :class:`Sequence`: time-major ``(T, N, d)`` values and the ``(T, N, 1)``
  boolean mask of real steps (None when every step is real), as skdl's
  sequence layers pass ``(X, valid)``.

Recurrent layers become an ONNX ``Scan`` over time whose body is one step of
the cell, with the state held on masked steps exactly as skdl does (ONNX's
``RNN``/``LSTM`` operators only know trailing padding through
``sequence_lens``, and have no Jordan cell); the input projection of every
step is one ``MatMul`` before the loop. A new cell is one ``step`` function
(see :func:`simple_rnn`, :func:`lstm`).
"""

from typing import NamedTuple, Optional

import numpy as np
from onnx import TensorProto, helper

from ..activations import LEAKY_RELU_SLOPE
from ..layers import (Activation, BatchNormalization, Conv2D, Dense, Dropout, Embedding, Flatten,
                      Reshape, SequenceInput)
from ..layers.pooling import AvgPool2D, MaxPool2D, _Pool1D
from ..layers.recurrent import LSTM, Bidirectional, SimpleRNN


class Tensor(NamedTuple):
    """An array: its ONNX name, its rank, and its layout relative to skdl's (``perm``)."""

    name: str
    ndim: int
    perm: Optional[tuple] = None


class Sequence(NamedTuple):
    """Time-major ``(T, N, d)`` values and the ``(T, N, 1)`` mask of real steps (or None)."""

    name: str
    valid: Optional[str] = None


#: Layer class -> converter ``f(layer, graph, value) -> value``.
CONVERTERS = {}


def converts(*classes):
    """Register the decorated function as the ONNX converter of ``classes``."""
    def register(function):
        for cls in classes:
            CONVERTERS[cls] = function
        return function
    return register


def convert_layer(layer, g, value):
    """The output of ``layer`` for the input ``value`` (a Tensor or a Sequence).

    Parameters
    ----------
    layer : Layer
        A built layer.
    g : Graph
        Where the nodes go.
    value : Tensor or Sequence
        The layer's input.

    Returns
    -------
    value : Tensor or Sequence
    """
    for cls in type(layer).__mro__:
        if cls in CONVERTERS:
            return CONVERTERS[cls](layer, g, value)
    raise NotImplementedError(f"skdl cannot export {type(layer).__name__} layers to ONNX.")


def convert_network(network, g, value):
    """The logits of a built :class:`~skdl.network.Sequential` for the input ``value``."""
    for layer in network.layers:
        value = convert_layer(layer, g, value)
    return value


# ------------------------------------------------------------------ layouts
def channels_first(ndim):
    """The permutation that moves the last axis (channels) to axis 1: NHWC -> NCHW."""
    return (0, ndim - 1) + tuple(range(1, ndim - 1))


def in_layout(g, x, perm):
    """``x`` with the ONNX layout ``perm`` (relative to skdl's; None: skdl's own)."""
    identity = tuple(range(x.ndim))
    current, wanted = x.perm or identity, perm or identity
    if current == wanted:
        return x
    order = [current.index(axis) for axis in wanted]
    return Tensor(g.op("Transpose", x.name, perm=order), x.ndim, perm)


# ------------------------------------------------------------- dense layers
@converts(Dense)
def dense(layer, g, x):
    x = in_layout(g, x, None)
    params = layer.parameters()
    W = g.weight(params["W"], "W")
    if layer.use_bias:
        return Tensor(g.op("Gemm", x.name, W, g.weight(params["b"], "b")), 2)
    return Tensor(g.op("MatMul", x.name, W), 2)


#: skdl's hidden activations, each ``f(graph, x) -> output name``.
ACTIVATIONS = {
    "identity": lambda g, x: x,
    "logistic": lambda g, x: g.op("Sigmoid", x),
    "sigmoid": lambda g, x: g.op("Sigmoid", x),
    "tanh": lambda g, x: g.op("Tanh", x),
    "relu": lambda g, x: g.op("Relu", x),
    # max(z, a z) as skdl computes it (ONNX's LeakyRelu has no float64
    # kernel in onnxruntime before opset 16).
    "leaky_relu": lambda g, x: g.op("Max", x, g.op("Mul", x, g.weight(LEAKY_RELU_SLOPE, "slope"))),
}


def activation(g, name, x):
    """The tensor name of activation ``name`` applied to ``x``."""
    return ACTIVATIONS[name](g, x)


@converts(Activation)
def activation_layer(layer, g, x):
    return x._replace(name=activation(g, layer.name, x.name))


@converts(Dropout)
def dropout(layer, g, x):
    return x                    # the identity at inference


@converts(BatchNormalization)
def batch_normalization(layer, g, x):
    # skdl's inference form, y = x * scale + shift, with the constants
    # computed as skdl computes them (in the network's dtype).
    params, state = layer.parameters(), layer.state()
    scale = params["gamma"] / np.sqrt(state["running_var"] + layer.epsilon)
    shift = params["beta"] - state["running_mean"] * scale
    # Channels are skdl's last axis; in the ONNX array they are at `axis`.
    axis = (x.perm or tuple(range(x.ndim))).index(x.ndim - 1)
    shape = (-1,) + (1,) * (x.ndim - 1 - axis)
    scaled = g.op("Mul", x.name, g.weight(scale.reshape(shape), "scale"))
    return x._replace(name=g.op("Add", scaled, g.weight(shift.reshape(shape), "shift")))


# ----------------------------------------------------------- shape layers
@converts(Reshape)
def reshape(layer, g, x):
    x = in_layout(g, x, None)
    target = tuple(layer._target)
    ndim = 1 + len(target)
    # Rows hold channels-first values: reshaped, they are NCHW, which is
    # skdl's channels-last array transposed by channels_first().
    y = g.op("Reshape", x.name, g.int64s((-1,) + target, "shape"))
    return Tensor(y, ndim, channels_first(ndim) if layer.channels_last else None)


@converts(Flatten)
def flatten(layer, g, x):
    x = in_layout(g, x, None)       # skdl's order: (y, x, channel) after convolutions
    return Tensor(g.op("Flatten", x.name, axis=1), 2)


# ------------------------------------------------- convolutions and pools
def _spatial_layout(layer, ndim):
    """ONNX's NCHW layout, relative to the layer's skdl layout."""
    return channels_first(ndim) if layer.data_format == "channels_last" else None


def _float32_op(g, op_type, x, *weights, **attrs):
    """``op_type`` computed in float32 whatever the graph's precision.

    onnxruntime has no float64 kernel for ``Conv`` and ``AveragePool``: in a
    float64 graph these layers compute in float32 between two casts.
    """
    double = g.float_dtype != np.float32
    if double:
        x = g.op("Cast", x, to=TensorProto.FLOAT)
    inputs = [g.const(np.asarray(w, dtype=np.float32), "weight") for w in weights]
    y = g.op(op_type, x, *inputs, **attrs)
    return g.op("Cast", y, to=g.float_type) if double else y


@converts(Conv2D)
def convolution(layer, g, x):
    params = layer.parameters()
    W = params["W"]                             # kernel + (C, F), channels last
    nd = W.ndim - 2                             # 2 for Conv2D, 1 for Conv1D
    layout = _spatial_layout(layer, nd + 2)
    x = in_layout(g, x, layout)
    kernel = np.transpose(W, (nd + 1, nd) + tuple(range(nd)))      # (F, C) + kernel
    weights = [kernel] + ([params["b"]] if layer.use_bias else [])
    pads = layer._pad[-nd:]
    y = _float32_op(g, "Conv", x.name, *weights, kernel_shape=list(kernel.shape[2:]),
                    strides=list(layer._stride[-nd:]),
                    pads=[int(p[0]) for p in pads] + [int(p[1]) for p in pads])
    return Tensor(y, nd + 2, layout)


@converts(MaxPool2D, AvgPool2D)
def pooling(layer, g, x):
    nd = 1 if isinstance(layer, _Pool1D) else 2
    layout = _spatial_layout(layer, nd + 2)
    x = in_layout(g, x, layout)
    attrs = dict(kernel_shape=list(layer._pool[-nd:]), strides=list(layer._strides[-nd:]))
    if isinstance(layer, MaxPool2D):
        y = g.op("MaxPool", x.name, **attrs)
    else:
        y = _float32_op(g, "AveragePool", x.name, **attrs)
    return Tensor(y, nd + 2, layout)


# --------------------------------------------------------- sequence inputs
@converts(Embedding)
def embedding(layer, g, x):
    x = in_layout(g, x, None)
    ids = g.op("Transpose", g.op("Cast", x.name, to=TensorProto.INT64), perm=[1, 0])  # (T, N)
    known = g.op("Less", ids, g.int64s(layer.n_tokens, "n_tokens"))
    ids = g.op("Where", known, ids, g.int64s(layer.unknown_index, "unknown"))
    values = g.op("Gather", g.weight(layer.parameters()["E"], "E"), ids, axis=0)
    real = g.op("Not", g.op("Equal", ids, g.int64s(layer.padding_index, "padding")))
    return Sequence(values, g.op("Unsqueeze", real, g.int64s([2], "axes")))


@converts(SequenceInput)
def sequence_input(layer, g, x):
    x = in_layout(g, x, None)
    T, d = layer.sequence_shape
    values, valid = x.name, None
    if layer.lengths:
        # Rows are [length, x_1, ..., x_T]: steps at or past the length are padding.
        lengths = g.op("Slice", x.name, g.int64s([0]), g.int64s([1]), g.int64s([1]))
        values = g.op("Slice", x.name, g.int64s([1]), g.int64s([1 + T * d]), g.int64s([1]))
        steps = g.weight(np.arange(T).reshape(T, 1), "steps")
        real = g.op("Less", steps, g.op("Transpose", lengths, perm=[1, 0]))
        valid = g.op("Unsqueeze", real, g.int64s([2], "axes"))
    steps_first = g.op("Transpose", g.op("Reshape", values, g.int64s([-1, T, d], "shape")),
                       perm=[1, 0, 2])
    return Sequence(steps_first, valid)


# --------------------------------------------------------- recurrent layers
def recurrence(layer, g, sequence, W, b, n_states, step):
    """A recurrent layer as an ONNX ``Scan``, with skdl's masking, direction and outputs.

    Parameters
    ----------
    layer : Recurrent
        The layer (``units``, ``reverse``, ``return_sequences``).
    g : Graph
    sequence : Sequence
        The input.
    W, b : ndarray
        Input weights and bias: ``x_t W + b`` of every step is computed
        before the loop, in one product.
    n_states : int
        Number of state tensors of the cell (LSTM: 2, ``h`` and ``c``); the
        first one is the layer's output.
    step : callable
        ``step(body, states, projected) -> new states``: one step of the cell,
        built in the loop's body graph from tensor names.

    Returns
    -------
    value : Tensor or Sequence
        The final output state ``(N, units)``, or every step's output with
        the input's mask when ``return_sequences``.
    """
    H = layer.units
    values, valid = sequence
    projected = g.op("Add", g.op("MatMul", values, g.weight(W, "W")), g.weight(b, "b"))
    batch = g.op("Slice", g.op("Shape", values), g.int64s([1]), g.int64s([2]))
    zeros = g.op("ConstantOfShape", g.op("Concat", batch, g.int64s([H]), axis=0),
                 value=helper.make_tensor("zero", g.float_type, [1], [0.0]))

    body = g.subgraph()
    states = [body.unique("state") for _ in range(n_states)]
    projected_t = body.unique("projected_t")
    valid_t = body.unique("valid_t") if valid is not None else None
    new_states = step(body, states, projected_t)
    if valid is not None:        # padded steps keep the previous state
        new_states = [body.op("Where", valid_t, new, old) for new, old in zip(new_states, states)]
    outputs = list(new_states)
    if layer.return_sequences:
        outputs.append(body.op("Identity", new_states[0]))

    def info(name, width, elem_type=g.float_type):
        return helper.make_tensor_value_info(name, elem_type, [None, width])

    inputs = [info(s, H) for s in states] + [info(projected_t, int(np.shape(b)[0]))]
    scanned = [projected]
    if valid is not None:
        inputs.append(info(valid_t, 1, TensorProto.BOOL))
        scanned.append(valid)
    graph = body.backend.graph(g.unique("step"), inputs, [info(name, H) for name in outputs])
    direction = [int(layer.reverse)]
    results = g.op("Scan", *([zeros] * n_states), *scanned, outputs=len(outputs), body=graph,
                   num_scan_inputs=len(scanned), scan_input_directions=direction * len(scanned),
                   **({"scan_output_directions": direction} if layer.return_sequences else {}))
    results = [results] if isinstance(results, str) else results
    if layer.return_sequences:
        return Sequence(results[-1], valid)
    return Tensor(results[0], 2)


@converts(SimpleRNN)
def simple_rnn(layer, g, sequence):
    params = layer.parameters()

    def elman(body, states, projected):                    # h = tanh(x W + b + h U)
        recurrent = body.op("MatMul", states[0], body.weight(params["U"], "U"))
        return [body.op("Tanh", body.op("Add", projected, recurrent))]

    def jordan(body, states, projected):                   # h = tanh(x W + b + y U)
        recurrent = body.op("MatMul", states[0], body.weight(params["U"], "U"))
        hidden = body.op("Tanh", body.op("Add", projected, recurrent))
        output = body.op("MatMul", hidden, body.weight(params["V"], "V"))
        return [body.op("Tanh", body.op("Add", output, body.weight(params["c"], "c")))]

    step = elman if layer.feedback == "elman" else jordan
    return recurrence(layer, g, sequence, params["W"], params["b"], 1, step)


@converts(LSTM)
def lstm(layer, g, sequence):
    params = layer.parameters()
    H = layer.units

    def step(body, states, projected):
        h, c = states
        gates = body.op("Add", projected, body.op("MatMul", h, body.weight(params["U"], "U")))
        # skdl's gate blocks are output, input, forget, candidate.
        o, i, f, candidate = body.op("Split", gates, body.int64s([H] * 4, "split"), axis=1,
                                     outputs=4)
        if layer.peephole:
            p_o, p_i, p_f = (body.weight(row, "peephole") for row in params["P"])
            i = body.op("Add", i, body.op("Mul", p_i, c))            # i, f see c_{t-1}
            f = body.op("Add", f, body.op("Mul", p_f, c))
        kept = body.op("Mul", body.op("Sigmoid", f), c)
        written = body.op("Mul", body.op("Sigmoid", i), body.op("Tanh", candidate))
        c_new = body.op("Add", kept, written)
        if layer.peephole:
            o = body.op("Add", o, body.op("Mul", p_o, c_new))        # o sees c_t
        h_new = body.op("Mul", body.op("Sigmoid", o), body.op("Tanh", c_new))
        return [h_new, c_new]

    return recurrence(layer, g, sequence, params["W"], params["b"], 2, step)


@converts(Bidirectional)
def bidirectional(layer, g, sequence):
    forward = convert_layer(layer.forward_layer, g, sequence)
    backward = convert_layer(layer.backward_layer, g, sequence)
    return forward._replace(name=g.op("Concat", forward.name, backward.name, axis=-1))
