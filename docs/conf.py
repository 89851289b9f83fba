"""Sphinx configuration of the skdl documentation.

Build (warnings are errors; the examples run in their fast mode)::

    python -m pip install -e ".[docs]"
    python -m sphinx -W --keep-going -b html docs docs/_build/html
"""

import os
import re
import sys
from pathlib import Path

DOCS = Path(__file__).resolve().parent
ROOT = DOCS.parent
sys.path.insert(0, str(ROOT))  # document this checkout, installed or not

# The gallery executes every example; their fast mode keeps the build short,
# and Agg renders figures without a display. Set before anything imports
# matplotlib or runs an example.
os.environ.setdefault("SKDL_EXAMPLES_FAST", "1")
os.environ.setdefault("MPLBACKEND", "Agg")

import skdl  # noqa: E402

project = "skdl"
author = "the skdl developers"
copyright = "the skdl developers, BSD-3-Clause"
version = release = skdl.__version__

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.mathjax",
    "sphinx.ext.intersphinx",
    "numpydoc",
    "myst_parser",
    "sphinx_gallery.gen_gallery",
]

source_suffix = {".rst": "restructuredtext", ".md": "markdown"}
root_doc = "index"
templates_path = ["_templates"]
exclude_patterns = [
    "_build",
    "Thumbs.db",
    ".DS_Store",
    # sphinx-gallery writes these beside the sources; they are not pages.
    "auto_examples/*.ipynb",
    "auto_examples/*.py",
    "auto_examples/*.zip",
    "auto_examples/*.json",
    "auto_examples/*.md5",
]
nitpicky = False

# -- MyST (the user guide is Markdown with $...$ and $$...$$ math) ----------
myst_enable_extensions = ["dollarmath", "amsmath", "colon_fence", "deflist"]
myst_heading_anchors = 3
myst_dmath_double_inline = True

# -- autodoc / autosummary / numpydoc ----------------------------------------
autosummary_generate = True
autosummary_ignore_module_all = False  # a package's __all__ decides its members
autodoc_typehints = "none"  # the numpydoc sections carry the types
autodoc_default_options = {"inherited-members": True}
autodoc_member_order = "groupwise"
autosummary_context = {"skdl_estimators": list(skdl.__all__)}  # see class.rst
# Members are listed by the templates in _templates/autosummary; numpydoc's
# own member tables would point at stub pages that do not exist.
numpydoc_show_class_members = False
numpydoc_show_inherited_class_members = False
numpydoc_class_members_toctree = False
numpydoc_attributes_as_param_list = True
numpydoc_xref_param_type = False
# numpydoc's docstring validation: off by default (the lead fixes docstrings
# in skdl/); `SKDL_DOCS_VALIDATE=1` reports every failing check as a warning.
if os.environ.get("SKDL_DOCS_VALIDATE") == "1":
    numpydoc_validation_checks = {
        "all", "ES01", "EX01", "SA01", "SS05", "RT02", "GL08", "PR02",
    }
    # Constants documented with `#:` comments: numpydoc validates the value's
    # type docstring (dict, tuple, bool) instead, which it cannot pass.
    numpydoc_validation_exclude = {
        r"\.HIDDEN_ACTIVATIONS$", r"\.OUTPUT_ACTIVATION$", r"\.ignored_by_adam$",
    }

intersphinx_mapping = {}  # offline builds: no inventories are fetched

# -- sphinx-gallery: every script in examples/ is executed -------------------
sphinx_gallery_conf = {
    "examples_dirs": str(ROOT / "examples"),
    "gallery_dirs": "auto_examples",
    "filename_pattern": r"\.py$",  # run every example, not only plot_*
    "ignore_pattern": r"__init__\.py",
    "within_subsection_order": "FileNameSortKey",
    "download_all_examples": False,
    "remove_config_comments": True,
    "abort_on_example_error": False,  # report every failing example, then fail (-W)
    "only_warn_on_example_error": False,
    "plot_gallery": "True",
    "image_scrapers": ("matplotlib",),
    "reset_modules": ("matplotlib",),
    "show_memory": False,
    "show_signature": False,
    "min_reported_time": 3600,  # no per-example timing banners in the pages
    "write_computation_times": False,
    # "Examples using X" on each estimator's page (the minigallery in
    # _templates/autosummary/class.rst).
    "doc_module": ("skdl",),
    "backreferences_dir": "generated/backreferences",
}

# -- HTML --------------------------------------------------------------------
html_theme = "alabaster"
html_title = f"skdl {release}"
html_theme_options = {
    "description": "Deep-learning estimators for scikit-learn, in pure NumPy and SciPy",
    "fixed_sidebar": True,
    "page_width": "1100px",
    "sidebar_width": "240px",
}
html_static_path = []
html_show_sourcelink = False


# -- checks and fallbacks ----------------------------------------------------
BENCHMARKS_README = ROOT / "benchmarks" / "README.md"


def _benchmarks_fallback(app, docname, source):
    """Keep the build green while ``benchmarks/README.md`` does not exist yet."""
    if docname == "benchmarks" and not BENCHMARKS_README.is_file():
        text = source[0]
        start = text.find("```{include}")
        end = text.find("```", start + 3)
        if start != -1 and end != -1:
            source[0] = (text[:start]
                         + "*`benchmarks/README.md` is not in this checkout yet.*\n"
                         + text[end + 3:])


def _check_api_lists_every_estimator(app):
    """Fail the build (as a warning under -W) when api.rst misses a public name."""
    from sphinx.util import logging

    api = (DOCS / "api.rst").read_text(encoding="utf-8")
    listed = {line.strip() for line in api.splitlines()}
    missing = [name for name in skdl.__all__ if f"skdl.{name}" not in listed]
    if missing:
        logging.getLogger(__name__).warning(
            "docs/api.rst does not list these names of skdl.__all__: %s",
            ", ".join(missing))


_SKLEARN_ROLE = re.compile(r":(?:ref|term):`([^`<]*?)\s*(?:<[^`>]*>)?`")


def _strip_sklearn_cross_references(app, what, name, obj, options, lines):
    """Methods inherited from scikit-learn (``score``, ``set_fit_request``, ...)
    point at labels and glossary terms of scikit-learn's own documentation;
    render them as plain text rather than as broken references."""
    module = getattr(obj, "__module__", None) or ""
    if module.startswith("sklearn"):
        lines[:] = [_SKLEARN_ROLE.sub(lambda m: m.group(1) or "", line) for line in lines]


def setup(app):
    app.connect("source-read", _benchmarks_fallback)
    app.connect("autodoc-process-docstring", _strip_sklearn_cross_references)
    app.connect("builder-inited", _check_api_lists_every_estimator)
