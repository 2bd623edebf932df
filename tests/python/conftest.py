"""Shared fixtures of the Python package's tests.

Run by CTest (tests/python/extra.cmake) with CAVITY_CLI set to the command-line binary and
CAVITY_LIBRARY to the library of the same build; by hand:
    PYTHONPATH=python /usr/bin/python3 -m pytest tests/python
(the package then finds build/libcavity.so and build/cavity of the checkout).
"""
import csv
import io
import os
import struct
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
if os.path.join(ROOT, "python") not in sys.path:
    sys.path.insert(0, os.path.join(ROOT, "python"))

CLI = os.environ.get("CAVITY_CLI", os.path.join(ROOT, "build", "cavity"))


def run_cli(*args, cwd=None, check=True):
    """Run the command line: (exit code, stdout, stderr) as text."""
    p = subprocess.run([CLI] + [str(a) for a in args], capture_output=True, cwd=cwd,
                       stdin=subprocess.DEVNULL, env=dict(os.environ, OMP_NUM_THREADS="1"))
    out, err = p.stdout.decode("utf-8", "replace"), p.stderr.decode("utf-8", "replace")
    if check and p.returncode != 0:
        raise AssertionError("cavity %s: exit %d: %s" % (" ".join(map(str, args)),
                                                          p.returncode, err))
    return p.returncode, out, err


def cli_table(text):
    """The CLI's CSV as a header and rows of texts."""
    rows = list(csv.reader(io.StringIO(text)))
    return rows[0], rows[1:]


def bits(x):
    return struct.pack("<d", float(x))


def assert_same_table(df, text):
    """The DataFrame holds exactly the CLI table's columns, rows and values (numbers bit for
    bit: the CLI prints shortest round-trip forms, so float() of its text is its double)."""
    head, rows = cli_table(text)
    assert list(df.columns) == head
    assert len(df) == len(rows)
    for j, name in enumerate(head):
        col = df[name].tolist()
        for i, r in enumerate(rows):
            want, got = r[j], col[i]
            if isinstance(got, str) or got is None:
                assert (got or "") == want, (name, i, got, want)
            elif want == "":
                assert got != got, (name, i, got)  # NaN where the CLI leaves the field empty
            elif want == "nan":
                assert got != got, (name, i, got)
            else:
                assert bits(got) == bits(float(want)), (name, i, repr(got), want)


@pytest.fixture(scope="session")
def cavity():
    import cavity as c
    return c
