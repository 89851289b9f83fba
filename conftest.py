"""Root pytest configuration, loaded before anything imports scipy.

scikit-learn's array-API estimator checks run only when scipy's array-API
support is switched on, which must happen before scipy is first imported.
"""

import importlib.util
import os

os.environ.setdefault("SCIPY_ARRAY_API", "1")

# pytest also collects the doctests of skdl/. The ONNX converters (skdl/_onnx)
# import onnx and skl2onnx: without the `onnx` extra they are left out
# (tests/test_onnx.py skips its own tests).
collect_ignore_glob = []
if any(importlib.util.find_spec(name) is None for name in ("onnx", "skl2onnx")):
    collect_ignore_glob.append("skdl/_onnx/*")
