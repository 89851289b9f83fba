"""Sphinx configuration of the skdl documentation.

Build (warnings are errors; the gallery runs every example in full and checks
its claims)::

    python -m pip install -e ".[docs]"
    python -m sphinx -W --keep-going -b html docs docs/_build/html

``-D plot_gallery=0`` skips running the examples (for work on the text only).
"""

import os
import sys
from pathlib import Path

DOCS = Path(__file__).resolve().parent
ROOT = DOCS.parent
sys.path.insert(0, str(ROOT))  # document this checkout, installed or not
sys.path.insert(0, str(DOCS / "sphinxext"))

# Agg renders the gallery's figures without a display; set before anything
# imports matplotlib.
os.environ.setdefault("MPLBACKEND", "Agg")

import skdl  # noqa: E402
from api_reference import positional_parameters, user_guide_links  # noqa: E402
from threadpoolctl import threadpool_limits  # noqa: E402

# The examples run in this process. Their arrays are small, so a second BLAS
# thread buys little, and on a busy machine it costs a lot (measured: the
# gallery took 3-6 times the CPU time with two OpenBLAS threads than with
# one, on 2 cores shared with other jobs). One thread also makes the
# published numbers the same as those tests/test_examples.py checks,
# whatever the number of cores.
threadpool_limits(limits=1)

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
    "sphinx_design",
    "sphinx_gallery.gen_gallery",
    "api_reference",
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
# One page per public class and function, from the templates in
# _templates/autosummary (class.rst, function.rst, module.rst); see api.rst.
autosummary_generate = True
autosummary_ignore_module_all = False  # a module's __all__ decides its members
autodoc_typehints = "none"  # the numpydoc sections carry the types
autodoc_default_options = {"inherited-members": True}
autodoc_member_order = "groupwise"
autosummary_context = {
    # "Read more in the User Guide" on each API page.
    "skdl_user_guide": user_guide_links(),
}
rst_epilog = f"\n.. |positional-parameters| replace:: {positional_parameters()}\n"
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

# -- sphinx-gallery: every example runs in full, and its claims are checked --
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
    # The matplotlib figures, and (drawing nothing) each example's globals,
    # which check_claims hands to tests/example_claims.py after the run.
    "image_scrapers": ("matplotlib", "gallery_claims.record_namespace"),
    "reset_modules": ("matplotlib", "gallery_claims.check_claims"),
    "reset_modules_order": "both",
    "show_memory": False,
    "show_signature": False,
    "min_reported_time": 3600,  # no per-example timing banners in the pages
    "write_computation_times": False,
    # "Examples using X" on each API page (the minigallery in the templates).
    "doc_module": ("skdl",),
    "backreferences_dir": "generated/backreferences",
}

# -- HTML: pydata-sphinx-theme, as scikit-learn's site ------------------------
html_theme = "pydata_sphinx_theme"
html_title = f"skdl {release}"
html_static_path = ["_static"]
html_css_files = ["skdl.css"]
html_show_sourcelink = False
toc_object_entries_show_parents = "hide"  # "fit()", not "MLPClassifier.fit()", in the in-page contents
html_theme_options = {
    "logo": {"text": "skdl"},
    "navbar_align": "left",
    "header_links_before_dropdown": 6,
    "navigation_with_keys": False,
    "show_toc_level": 2,
    "show_prev_next": False,
    # The in-page table of contents on the right of every page, and the
    # download links of the examples; the landing page has neither sidebar.
    "secondary_sidebar_items": {
        "**": ["page-toc", "sg_download_links", "sg_launcher_links"],
        "index": [],
    },
    "footer_start": ["copyright"],
    "footer_end": ["sphinx-version", "theme-version"],
}
html_sidebars = {"index": [], "installation": []}
html_context = {"default_mode": "light"}


def _benchmarks_fallback(app, docname, source):
    """Keep the build green while ``benchmarks/README.md`` does not exist yet."""
    if docname == "benchmarks" and not (ROOT / "benchmarks" / "README.md").is_file():
        text = source[0]
        start = text.find("```{include}")
        end = text.find("```", start + 3)
        if start != -1 and end != -1:
            source[0] = (text[:start]
                         + "*`benchmarks/README.md` is not in this checkout yet.*\n"
                         + text[end + 3:])


def setup(app):
    app.connect("source-read", _benchmarks_fallback)
