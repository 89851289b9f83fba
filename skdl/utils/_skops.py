"""The types skdl models are made of, for loading them with skops."""

import inspect


def trusted_types():
    """Names of the types in skdl models, to pass as ``trusted=`` to ``skops.io.load``.

    skops (https://skops.readthedocs.io) stores a model without pickle and,
    when loading, builds only the types the caller trusts; everything else
    raises an error. Its defaults cover NumPy arrays and generators, Python
    containers and scikit-learn's estimators (the ``LabelBinarizer`` in a
    classifier, a ``Pipeline``...). This function lists the rest of what a
    fitted skdl model holds, derived from the package rather than written out
    per estimator, so it grows with skdl:

    * the public estimators and transformers of ``skdl.__all__``;
    * :class:`~skdl.network.Sequential`, every layer (subclasses of
      :class:`~skdl.layers.Layer`), every optimizer (subclasses of
      :class:`~skdl.optimizers.Optimizer`), every learning-rate schedule
      (subclasses of :class:`~skdl.schedules.LearningRateSchedule`, which a
      fitted model keeps running) and the training
      :class:`~skdl.callbacks.History`;
    * the input adapters of the estimators (images, sequences, token ids);
    * ``numpy.dtype``, the network's compute precision, which skops does not
      trust by default although it rebuilds it from an empty ``.npy`` array.

    Why trusting them is safe: each of these classes holds only numbers,
    strings, NumPy arrays and other types of this list, and skops rebuilds
    them without calling any of their methods but ``__setstate__`` (which
    re-binds the network's parameter views, compiles a ``TextEncoder``'s
    token pattern and checks the skdl version). skdl is
    written in NumPy, whose indexing is bounds-checked, so a tampered file can
    make a model raise or predict nonsense, not run code. Trust only the
    files whose predictions you are ready to trust.

    Returns
    -------
    names : list of str
        Fully qualified type names, sorted.

    Examples
    --------
    >>> from skdl.utils import trusted_types
    >>> "skdl.mlp.MLPClassifier" in trusted_types()
    True
    >>> "skdl.layers.dense.Dense" in trusted_types()
    True

    A round trip (with skops installed)::

        import skops.io as sio
        sio.dump(model, "model.skops")
        model = sio.load("model.skops", trusted=trusted_types())
    """
    import skdl
    from .. import _inputs
    from ..callbacks import History
    from ..layers import Layer
    from ..network import Sequential
    from ..optimizers import Optimizer
    from ..schedules import LearningRateSchedule

    public = {getattr(skdl, name) for name in skdl.__all__}
    adapters = {obj for obj in vars(_inputs).values()
                if inspect.isclass(obj) and obj.__module__ == _inputs.__name__}
    classes = {cls for cls in public | adapters if inspect.isclass(cls)}
    classes |= {Sequential, History} | _subclasses(Layer) | _subclasses(Optimizer)
    classes |= _subclasses(LearningRateSchedule)
    names = {f"{cls.__module__}.{cls.__name__}" for cls in classes
             if cls.__module__.startswith("skdl.")}
    return sorted(names | {"numpy.dtype"})


def _subclasses(cls):
    """``cls`` and all its subclasses, recursively."""
    found = {cls}
    for sub in cls.__subclasses__():
        found |= _subclasses(sub)
    return found
