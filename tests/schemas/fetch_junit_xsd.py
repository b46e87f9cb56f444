"""Fetch the JUnit schema the tests validate mailcheck's ``--junit`` output against.

    .venv/bin/python tests/schemas/fetch_junit_xsd.py      (``make install`` runs it)

It is Jenkins' ``junit-10.xsd`` (the xUnit plugin's, MIT), the schema Jenkins
and the CI systems that follow it read JUnit reports by. pytest ships a copy in
its source distribution (``testing/example_scripts/junit-10.xsd``) to validate
its own ``--junitxml`` output, so it comes from PyPI like every other test
dependency, and is not committed here. Run once; a no-op when the file exists.
"""

from __future__ import annotations

import subprocess
import sys
import tarfile
import tempfile
from importlib.metadata import version
from pathlib import Path

TARGET = Path(__file__).resolve().parent / "junit-10.xsd"
MEMBER = "testing/example_scripts/junit-10.xsd"


def main() -> int:
    if TARGET.exists():
        return 0
    release = version("pytest")
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run(
            [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps",
             "--no-binary", ":all:", "--dest", tmp, f"pytest=={release}"],
            check=True,
        )  # fmt: skip
        archive = next(Path(tmp).glob("pytest-*.tar.gz"))
        with tarfile.open(archive) as tar:
            member = tar.extractfile(f"pytest-{release}/{MEMBER}")
            if member is None:
                print(f"fetch: {MEMBER} is not in {archive.name}", file=sys.stderr)
                return 1
            data = member.read()
    partial = TARGET.with_suffix(".part")
    partial.write_bytes(data)
    partial.replace(TARGET)
    print(f"fetch: {TARGET.name} from pytest {release}'s sdist")
    return 0


if __name__ == "__main__":
    sys.exit(main())
