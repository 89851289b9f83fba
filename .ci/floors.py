"""Print the runtime dependencies of pyproject.toml pinned to their floors, one a line.

``"numpy>=1.24"`` becomes ``numpy==1.24``: the oldest versions the project
declares it supports, which CI installs to test that claim (see .ci/run).
"""

import pathlib
import re
import tomllib

project = tomllib.loads(pathlib.Path(__file__).parent.parent.joinpath("pyproject.toml")
                        .read_text(encoding="utf-8"))["project"]
for requirement in project["dependencies"]:
    match = re.fullmatch(r"([A-Za-z0-9_.-]+)\s*>=\s*([0-9][0-9A-Za-z.]*)", requirement.strip())
    if match is None:
        raise SystemExit(f"{requirement!r} has no plain '>=' floor to pin")
    print(f"{match.group(1)}=={match.group(2)}")
