"""Values as JSON and NumPy arrays: how a weights file stores parameters and fitted attributes.

Two encodings, both free of pickle:

* :func:`plain` / :func:`from_plain`: a parameter as plain JSON, readable by
  anyone (tuples become lists, NumPy scalars and dtypes Python values; a
  dict with non-string keys is ``{"__items__": [[key, value], ...]}``).
* :func:`encode` / :func:`decode`: a fitted attribute as JSON whose arrays
  and NumPy scalars are stored beside it (in the ``.npz``), tagged so that
  tuples, dicts, dtypes and scalar types come back exactly.
"""

import numpy as np


def plain(value, name):
    """``value`` as plain JSON: tuples as lists, NumPy scalars and dtypes as Python values.

    Parameters
    ----------
    value : object
        A parameter value.
    name : str
        Its name, for the error message.

    Returns
    -------
    json_value : None, bool, int, float, str, list or dict

    Raises
    ------
    ValueError
        For values JSON cannot represent (random generators, estimators,
        functions...).
    """
    if value is None or isinstance(value, (bool, str)) or type(value) in (int, float):
        return value
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, (type, np.dtype)):
        try:
            return np.dtype(value).name
        except TypeError:
            pass
    if isinstance(value, (list, tuple)) or (isinstance(value, np.ndarray) and value.dtype != object):
        return [plain(item, name) for item in value]
    if isinstance(value, dict):
        if all(isinstance(key, str) for key in value):
            return {key: plain(item, name) for key, item in value.items()}
        return {"__items__": [[plain(key, name), plain(item, name)] for key, item in value.items()]}
    raise ValueError(f"The parameter {name}={value!r} cannot be written as JSON in a weights "
                     "file. Set it to a plain value (an int seed for random_state) before "
                     "saving.")


def encode(value, key, arrays):
    """``value`` as JSON, its NumPy arrays and scalars moved to ``arrays`` under ``key/...``.

    Tuples, dicts, arrays and NumPy scalars are tagged so that :func:`decode`
    gives back the same types and dtypes.

    Parameters
    ----------
    value : object
        A fitted attribute: None, bool, int, float, str, NumPy arrays and
        scalars, and lists, tuples and dicts of them.
    key : str
        Where its arrays go in ``arrays`` (a path such as ``fitted/classes_``).
    arrays : dict of str to ndarray
        Filled with the arrays.

    Returns
    -------
    node : JSON-able

    Raises
    ------
    TypeError
        For other objects, and for arrays of Python objects other than
        strings: they cannot be stored without pickle.
    """
    if value is None or isinstance(value, (bool, str)) or type(value) in (int, float):
        return value
    if isinstance(value, (np.ndarray, np.generic)):
        array = np.asarray(value)
        strings = array.dtype == object
        if strings:
            if not all(isinstance(item, str) for item in array.flat):
                raise TypeError(f"{key} is an array of Python objects, which a weights file "
                                "cannot hold without pickle (strings and numbers only).")
            array = array.astype(str)
        arrays[key] = array
        return {"__array__": key, "object": bool(strings),
                "scalar": isinstance(value, np.generic)}
    if isinstance(value, tuple):
        return {"__tuple__": [encode(item, f"{key}/{i}", arrays) for i, item in enumerate(value)]}
    if isinstance(value, list):
        return [encode(item, f"{key}/{i}", arrays) for i, item in enumerate(value)]
    if isinstance(value, dict):
        if all(isinstance(name, str) for name in value):
            return {"__dict__": {name: encode(item, f"{key}/{name}", arrays)
                                 for name, item in value.items()}}
        return {"__items__": [[encode(name, f"{key}/{i}/key", arrays),
                               encode(item, f"{key}/{i}/value", arrays)]
                              for i, (name, item) in enumerate(value.items())]}
    raise TypeError(f"{key} is a {type(value).__name__}, which a weights file cannot hold "
                    "(numbers, strings, NumPy arrays and containers of them only).")


def decode(node, arrays):
    """The value :func:`encode` stored as ``node``.

    Parameters
    ----------
    node : JSON value
    arrays : dict of str to ndarray
        The file's arrays.

    Returns
    -------
    value : object
    """
    if isinstance(node, list):
        return [decode(item, arrays) for item in node]
    if not isinstance(node, dict):
        return node
    if "__array__" in node:
        array = arrays[node["__array__"]]
        if node["object"]:
            array = array.astype(object)
        return array[()] if node["scalar"] else array
    if "__tuple__" in node:
        return tuple(decode(item, arrays) for item in node["__tuple__"])
    if "__dict__" in node:
        return {name: decode(item, arrays) for name, item in node["__dict__"].items()}
    if "__items__" in node:
        return {decode(name, arrays): decode(item, arrays) for name, item in node["__items__"]}
    raise ValueError(f"Unknown entry in a weights file: {sorted(node)}.")


def from_plain(value):
    """A parameter value back from :func:`plain` (lists stay lists)."""
    if isinstance(value, list):
        return [from_plain(item) for item in value]
    if isinstance(value, dict):
        if "__items__" in value:
            return {_hashable(from_plain(key)): from_plain(item)
                    for key, item in value["__items__"]}
        return {key: from_plain(item) for key, item in value.items()}
    return value


def _hashable(key):
    return tuple(key) if isinstance(key, list) else key
