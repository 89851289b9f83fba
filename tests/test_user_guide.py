"""The user guide's printed outputs are those of its snippets, run as shown.

A page of the user guide that shows what a snippet prints puts the output in
a ```` ```text ```` block right after the code. This test runs the page's
```` ```python ```` blocks in order, in one namespace (as a reader pasting
them one after the other would), and compares what they printed since the
previous output block with each output block. Numbers that differ between
runs by nature (seconds) are written in the page with the placeholder
``…`` (``0.47 s`` becomes ``… s``), and the comparison ignores what the run
prints there. A snippet or an output block preceded by a comment
``<!-- not run by the tests: <why> -->`` is left out: a snippet whose output
is drawn on the terminal (a progress bar) rather than printed, or that needs
a package the tests do not install. The output of a snippet left out is not
compared either.

As in the example tests, BLAS runs one thread, so the numbers do not depend
on the number of cores.
"""

import contextlib
import io
import re
import warnings
from pathlib import Path

import pytest
from sklearn.exceptions import ConvergenceWarning
from threadpoolctl import threadpool_limits

DOCS = Path(__file__).resolve().parents[1] / "docs"

#: The pages whose snippets print what the page shows, with the modules their
#: snippets need beyond the test requirements.
PAGES = {"user_guide/training.md": ["sklearn.callback"]}

NOT_RUN = "<!-- not run by the tests:"
_FENCE = re.compile(r"^```(\w+)\s*$")


def blocks(text):
    """The page's fenced blocks, in order: ``(language, body, marked_not_run)``."""
    found, lines, i = [], text.splitlines(), 0
    while i < len(lines):
        match = _FENCE.match(lines[i])
        if match is None:
            i += 1
            continue
        end = next(j for j in range(i + 1, len(lines)) if lines[j].startswith("```"))
        previous = next((lines[j] for j in range(i - 1, -1, -1) if lines[j].strip()), "")
        found.append((match.group(1), "\n".join(lines[i + 1:end]), previous.strip().startswith(NOT_RUN)))
        i = end + 1
    return found


def matches(expected, printed):
    """Whether ``printed`` is ``expected`` with each ``…`` standing for one token."""
    pattern = r"\s+".join(re.escape(word).replace("…", r"\S+") for word in expected.split())
    return re.fullmatch(pattern, " ".join(printed.split())) is not None


@pytest.mark.parametrize("page", sorted(PAGES))
def test_snippets_print_what_the_page_shows(page, tmp_path, monkeypatch):
    for module in PAGES[page]:
        pytest.importorskip(module, reason=f"{page} shows {module}")
    monkeypatch.chdir(tmp_path)  # snippets that write files write them here
    namespace, printed = {"__name__": "__main__"}, io.StringIO()
    checked, skipping = 0, False
    with threadpool_limits(limits=1), warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)  # snippets cut training short
        for language, body, not_run in blocks((DOCS / page).read_text(encoding="utf-8")):
            if language == "python":
                skipping = not_run
                if not not_run:
                    with contextlib.redirect_stdout(printed):
                        exec(compile(body, f"{page} snippet", "exec"), namespace)
            elif language == "text":
                if not (skipping or not_run):
                    assert matches(body, printed.getvalue()), (
                        f"{page}: the page shows\n{body}\nthe snippets print\n"
                        f"{printed.getvalue()}")
                    checked += 1
                printed = io.StringIO()
    assert checked, f"{page} shows no output to check"
