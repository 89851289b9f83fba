"""A small builder of ONNX graphs, writing into skl2onnx's container or into a subgraph.

Converters call :meth:`Graph.op` and :meth:`Graph.const` and get tensor
names back; where the nodes go is the backend's business:
:class:`ContainerBackend` adds them to the model skl2onnx is building,
:class:`Collector` keeps them for a subgraph (the body of a ``Scan``) or for
a standalone model (the tests of each layer's converter).
"""

import numpy as np
from onnx import TensorProto, helper, numpy_helper

#: NumPy float dtype -> ONNX element type.
ONNX_FLOAT = {np.dtype(np.float32): TensorProto.FLOAT, np.dtype(np.float64): TensorProto.DOUBLE}


class Graph:
    """Adds nodes and constants to an ONNX graph under construction.

    Parameters
    ----------
    backend : ContainerBackend or Collector
        Where the nodes and initializers go.
    float_dtype : dtype, default=np.float32
        Precision of the computation: weights are stored in it.
    """

    def __init__(self, backend, float_dtype=np.float32):
        self.backend = backend
        self.float_dtype = np.dtype(float_dtype)

    @property
    def float_type(self):
        """The ONNX element type of :attr:`float_dtype`."""
        return ONNX_FLOAT[self.float_dtype]

    def unique(self, hint):
        """A tensor name not used anywhere in the model yet."""
        return self.backend.unique(hint)

    def const(self, array, hint="const"):
        """A constant (initializer) holding ``array`` as it is; returns its name."""
        name = self.unique(hint)
        self.backend.add_initializer(name, np.asarray(array))
        return name

    def weight(self, array, hint="weight"):
        """A constant holding ``array`` in the graph's float precision."""
        return self.const(np.asarray(array, dtype=self.float_dtype), hint)

    def int64s(self, values, hint="ints"):
        """A constant int64 vector (shapes, axes, indices)."""
        return self.const(np.asarray(values, dtype=np.int64), hint)

    def op(self, op_type, *inputs, outputs=1, hint=None, **attrs):
        """Add a node; return its output name (or the list of ``outputs`` names)."""
        names = [self.unique(hint or op_type.lower()) for _ in range(outputs)]
        self.backend.add_node(op_type, list(inputs), names, **attrs)
        return names[0] if outputs == 1 else names

    def subgraph(self):
        """A graph for the body of a loop, with names unique in the whole model."""
        return Graph(Collector(self.unique), self.float_dtype)


class ContainerBackend:
    """Nodes and initializers into skl2onnx's ``ModelComponentContainer``."""

    def __init__(self, scope, container):
        self.scope = scope
        self.container = container

    def unique(self, hint):
        return self.scope.get_unique_variable_name(hint)

    def add_initializer(self, name, array):
        if array.dtype.kind in "US":
            self.container.add_initializer(name, TensorProto.STRING, list(array.shape),
                                           [str(s).encode("utf-8") for s in array.ravel()])
        else:
            tensor = numpy_helper.from_array(array, name)
            self.container.add_initializer(name, tensor.data_type, list(array.shape), tensor)

    def add_node(self, op_type, inputs, outputs, **attrs):
        self.container.add_node(op_type, inputs, outputs,
                                name=self.scope.get_unique_operator_name(op_type), **attrs)


class Collector:
    """Nodes and initializers kept in lists, made into a ``GraphProto`` by :meth:`graph`.

    Parameters
    ----------
    unique : callable or None, default=None
        The name generator of the enclosing model (names in a subgraph must
        not clash with the outer graph's); None numbers names locally.
    """

    def __init__(self, unique=None):
        self.nodes, self.initializers = [], []
        self._unique = unique
        self._count = 0

    def unique(self, hint):
        if self._unique is not None:
            return self._unique(hint)
        self._count += 1
        return f"{hint}_{self._count}"

    def add_initializer(self, name, array):
        if array.dtype.kind == "U":
            array = array.astype(object)
        self.initializers.append(numpy_helper.from_array(array, name))

    def add_node(self, op_type, inputs, outputs, **attrs):
        self.nodes.append(helper.make_node(op_type, inputs, outputs,
                                           name=f"{outputs[0]}_{op_type}", **attrs))

    def graph(self, name, inputs, outputs):
        """The collected nodes as a ``GraphProto`` with these inputs and outputs.

        Parameters
        ----------
        name : str
        inputs, outputs : list of ValueInfoProto
            Made with ``onnx.helper.make_tensor_value_info``.

        Returns
        -------
        graph : onnx.GraphProto
        """
        return helper.make_graph(self.nodes, name, inputs, outputs, self.initializers)
