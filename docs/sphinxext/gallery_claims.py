"""The published gallery must not contradict itself: check each example's claims.

sphinx-gallery runs every example once, in full, in the Sphinx process; the
numbers on an example's page (and in the figures the user guide embeds) come
from that run. Two hooks of sphinx-gallery's public configuration check that
run against what the example's text says:

- :func:`record_namespace` is an *image scraper*: sphinx-gallery calls it
  after every code block with the example's globals, and it keeps them;
- :func:`check_claims` is a *reset hook*, called after the example ran: it
  hands the globals to the example's claims in ``tests/example_claims.py``
  (the functions ``tests/test_examples.py`` applies) and turns a claim that
  does not hold into a build warning, which ``-W`` makes an error.

So a build with ``-W`` fails whenever a published page would state something
its own run does not show.
"""

import importlib.util
from pathlib import Path

from sphinx.util import logging

ROOT = Path(__file__).resolve().parents[2]
CLAIMS_FILE = ROOT / "tests" / "example_claims.py"

_namespaces = {}


def _claims_module():
    spec = importlib.util.spec_from_file_location("example_claims", CLAIMS_FILE)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def record_namespace(block, block_vars, gallery_conf):
    """Image scraper that draws nothing: it keeps the example's globals.

    Returns
    -------
    rst : str
        Always empty (no image).
    """
    _namespaces[Path(block_vars["src_file"]).stem] = block_vars["example_globals"]
    return ""


def check_claims(gallery_conf, fname, when):
    """After an example ran, check its claims on its globals; warn on a failure."""
    if when != "after" or fname is None:
        return
    name = Path(fname).stem
    namespace = _namespaces.pop(name, None)
    logger = logging.getLogger(__name__)
    if namespace is None:
        logger.warning("examples/%s.py: no globals recorded, its claims were not checked", name)
        return
    try:
        _claims_module().check(name, namespace)
    except Exception as error:  # noqa: BLE001 - every failure becomes a build warning
        logger.warning("examples/%s.py states something its run does not show: %s: %s",
                       name, type(error).__name__, error)
    else:
        logger.info("examples/%s.py: its claims hold in the published run", name)
