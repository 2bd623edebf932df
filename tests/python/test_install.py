"""Installation: `cmake --install` into a temporary prefix puts the libraries, headers,
pkg-config and CMake package files, the command, its man page and bash completion in place;
the C example compiles against the installed library found by pkg-config (and by
find_package(cavity)) and prints the command line's numbers; the Python package installs with
pip from the checkout (offline, into a virtual environment that sees Debian's numpy and pandas)
and, imported away from the checkout, finds the installed library."""
import os
import shutil
import subprocess
import sys

import pytest

from conftest import ROOT, run_cli

BUILD = os.environ.get("CAVITY_BUILD", os.path.join(ROOT, "build"))


def sh(cmd, **kw):
    p = subprocess.run(cmd, capture_output=True, text=True, **kw)
    assert p.returncode == 0, "%s: %s%s" % (cmd, p.stdout[-2000:], p.stderr[-2000:])
    return p.stdout


@pytest.fixture(scope="module")
def prefix(tmp_path_factory):
    p = tmp_path_factory.mktemp("prefix")
    sh(["cmake", "--install", BUILD, "--prefix", str(p)])
    return p


def test_installed_files(prefix):
    for f in ["bin/cavity", "lib/libcavity.a", "lib/libcavity.so", "include/cavity/api.h",
              "include/cavity/model.h", "include/cavity/models/raf.h",
              "lib/pkgconfig/cavity.pc", "lib/cmake/cavity/cavityConfig.cmake",
              "lib/cmake/cavity/cavityConfigVersion.cmake", "lib/cmake/cavity/cavityTargets.cmake",
              "share/man/man1/cavity.1", "share/bash-completion/completions/cavity"]:
        assert (prefix / f).exists(), f
    headers = {os.path.relpath(os.path.join(d, f), os.path.join(ROOT, "include"))
               for d, _, fs in os.walk(os.path.join(ROOT, "include")) for f in fs}
    for h in headers:
        assert (prefix / "include" / h).exists(), h
    assert (prefix / "share/man/man1/cavity.1").read_text().startswith(".TH CAVITY 1")
    out = sh([str(prefix / "bin/cavity"), "list"])
    assert out.split()[0] == "raf"


def test_bash_completion(prefix):
    script = """
source "$1"
comp() { COMP_WORDS=("$@"); COMP_CWORD=$((${#COMP_WORDS[@]}-1)); COMP_WORDS[0]="$CAV"; _cavity;
         echo "${COMPREPLY[*]}"; }
comp cavity th
comp cavity theory ra
comp cavity theory raf --lea
comp cavity theory raf --learner ""
comp cavity simulate raf --see
"""
    out = sh(["bash", "-c", script, "x", str(prefix / "share/bash-completion/completions/cavity")],
             env=dict(os.environ, CAV=str(prefix / "bin/cavity"))).splitlines()
    assert out == ["theory threshold", "raf", "--learner", "linear kernel rf bayes",
                   "--seeds --seed"]


def pc_env(prefix):
    return dict(os.environ, PKG_CONFIG_PATH=str(prefix / "lib/pkgconfig"),
                LD_LIBRARY_PATH=str(prefix / "lib"))


def test_c_example_through_pkg_config(prefix, tmp_path):
    env = pc_env(prefix)
    flags = sh(["pkg-config", "--cflags", "--libs", "cavity"], env=env).split()
    assert "-lcavity" in flags
    exe = tmp_path / "curve"
    sh(["cc", "-std=c11", "-Wall", "-Wextra", "-Werror",
        os.path.join(ROOT, "examples/c/curve.c")] + flags + ["-o", str(exe)], env=env)
    assert str(prefix / "lib" / "libcavity.so") in sh(["ldd", str(exe)], env=env) or \
        "libcavity.so.0 => " + str(prefix) in sh(["ldd", str(exe)], env=env)
    out = sh([str(exe)], env=env).splitlines()
    rc, cli, _ = run_cli("theory", "raf", "--alpha", "0.1:4:40", "--no-store")
    rows = [l.split(",") for l in cli.splitlines()]
    cols = [rows[0].index(c) for c in ("alpha", "egen", "emem", "status")]
    assert out == [",".join(r[c] for c in cols) for r in rows]
    assert len(out) == 41


def test_find_package(prefix, tmp_path):
    (tmp_path / "CMakeLists.txt").write_text(
        "cmake_minimum_required(VERSION 3.18)\nproject(use C)\n"
        "find_package(cavity 0.1 REQUIRED)\n"
        "add_executable(curve %s)\ntarget_link_libraries(curve PRIVATE cavity::cavity)\n"
        "add_executable(curve_static %s)\n"
        "target_link_libraries(curve_static PRIVATE cavity::cavity_static)\n"
        % ((os.path.join(ROOT, "examples/c/curve.c"),) * 2))
    sh(["cmake", "-S", str(tmp_path), "-B", str(tmp_path / "b"),
        "-DCMAKE_PREFIX_PATH=" + str(prefix)])
    sh(["cmake", "--build", str(tmp_path / "b"), "-j2"])
    a = sh([str(tmp_path / "b/curve")])
    b = sh([str(tmp_path / "b/curve_static")])
    assert a == b and a.count("\n") == 41


def test_pip_install_and_import(prefix, tmp_path):
    venv = tmp_path / "venv"
    sh([sys.executable, "-m", "venv", "--system-site-packages", str(venv)])
    src = tmp_path / "src"
    shutil.copytree(os.path.join(ROOT, "python"), src,
                    ignore=shutil.ignore_patterns("__pycache__", "build", "*.egg-info"))
    sh([str(venv / "bin/python"), "-m", "pip", "install", "-q", "--no-build-isolation",
        "--no-index", str(src)], cwd=tmp_path)
    env = dict(os.environ, PKG_CONFIG_PATH=str(prefix / "lib/pkgconfig"))
    env.pop("CAVITY_LIBRARY", None)
    env.pop("PYTHONPATH", None)
    code = ("import cavity, os; print(os.path.realpath(cavity.__file__)); "
            "print(os.path.realpath(cavity.library_path)); print(cavity.__version__); "
            "print(cavity.theory('raf', alpha=2)['egen'][0].hex())")
    out = sh([str(venv / "bin/python"), "-c", code], cwd=tmp_path, env=env).splitlines()
    assert out[0].startswith(str(venv))  # the installed package, not the checkout's
    assert out[1] == os.path.realpath(prefix / "lib/libcavity.so")  # the installed library
    assert out[2] == "0.1.0"
    import cavity
    assert out[3] == cavity.theory("raf", alpha=2)["egen"][0].hex()
