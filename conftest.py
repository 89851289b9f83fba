"""Root pytest configuration, loaded before anything imports scipy.

scikit-learn's array-API estimator checks run only when scipy's array-API
support is switched on, which must happen before scipy is first imported.
"""

import os

os.environ.setdefault("SCIPY_ARRAY_API", "1")
