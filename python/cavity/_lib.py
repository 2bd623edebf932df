"""Finding libcavity and declaring the functions of its binding API (cavity/api.h) for ctypes.

The library is looked for, in order:
  1. the path in the environment variable CAVITY_LIBRARY;
  2. the build/ folder of the source checkout this package sits in (python/cavity in the
     repository), when it is imported from there;
  3. the lib folder pkg-config reports for cavity (honours PKG_CONFIG_PATH);
  4. the dynamic linker's cache (ldconfig, ctypes.util.find_library);
  5. the lib folders of this Python's prefix and of /usr/local.
ctypes.CDLL releases the GIL for the duration of every call into the library, so Python threads
keep running while it computes.
"""
import ctypes
import ctypes.util
import os
import shutil
import subprocess
import sys

_NAMES = ("libcavity.so", "libcavity.so.0")


def _candidates():
    env = os.environ.get("CAVITY_LIBRARY")
    if env:
        yield env, "CAVITY_LIBRARY"
        return
    here = os.path.dirname(os.path.abspath(__file__))
    root = os.path.dirname(os.path.dirname(here))
    if os.path.isfile(os.path.join(root, "include", "cavity", "api.h")):
        for n in _NAMES:
            yield os.path.join(root, "build", n), "the checkout's build/"
    if shutil.which("pkg-config"):
        try:
            libdir = subprocess.run(["pkg-config", "--variable=libdir", "cavity"],
                                    capture_output=True, text=True, timeout=10).stdout.strip()
        except (OSError, subprocess.SubprocessError):
            libdir = ""
        if libdir:
            for n in _NAMES:
                yield os.path.join(libdir, n), "pkg-config"
    found = ctypes.util.find_library("cavity")
    if found:
        yield found, "ldconfig"
    for prefix in (sys.prefix, "/usr/local"):
        for n in _NAMES:
            yield os.path.join(prefix, "lib", n), "prefix " + prefix


def _load():
    tried = []
    for path, how in _candidates():
        if os.sep in path and not os.path.exists(path):
            tried.append("%s (%s: absent)" % (path, how))
            continue
        try:
            return ctypes.CDLL(path), path
        except OSError as e:
            tried.append("%s (%s: %s)" % (path, how, e))
    raise ImportError("cavity: libcavity not found; build it (scripts/setup.sh), install it "
                      "(cmake --install build), or set CAVITY_LIBRARY to its path. Tried: " +
                      "; ".join(tried))


lib, path = _load()

_P = ctypes.c_void_p
_S = ctypes.c_char_p
_SA = ctypes.POINTER(ctypes.c_char_p)
_I = ctypes.c_int
_L = ctypes.c_long


def _decl(name, restype, *argtypes):
    f = getattr(lib, name)
    f.restype = restype
    f.argtypes = list(argtypes)
    return f


api_new = _decl("cav_api_new", _P)
api_free = _decl("cav_api_free", None, _P)
api_cancel = _decl("cav_api_cancel", None, _P, _I)
api_text = _decl("cav_api_text", _S, _P)
api_message = _decl("cav_api_message", _S, _P)
api_warnings = _decl("cav_api_warnings", _S, _P)
api_total = _decl("cav_api_total", _L, _P)
api_failed = _decl("cav_api_failed", _L, _P)
api_stored = _decl("cav_api_stored", _L, _P)
api_models = _decl("cav_api_models", _I, _P)
api_help = _decl("cav_api_help", _I, _P, _S)
api_sweep = _decl("cav_api_sweep", _I, _P, _S, _S, _I, _SA, _SA, _P, _P, _I)
api_quantity = _decl("cav_api_quantity", _I, _P, _S, _S, _I, _SA, _SA)
api_load = _decl("cav_api_load", _I, _P, _S, _S, _S, _I, _SA, _I)
status_name = _decl("cav_status_name", _S, _I)
version = _decl("cav_version", _S)

OK, EINVAL, ENOMEM, EIO, ECANCEL = 0, 1, 2, 5, 8
FMT_CSV = 0
