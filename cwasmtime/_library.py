"""Find the Wasmtime shared library cwasmtime binds to.

Every start goes through :func:`resolve`, so this module imports little: on a cache hit
it stats the library and reads its sidecar, nothing more. Downloading (HTTP, TLS,
archives, the progress display) lives in :mod:`cwasmtime._download`, imported only when
a download actually happens.

Resolution order (first hit wins)::

    1. $CWASMTIME_LIBRARY            an explicit path, used as-is (version-checked)
    2. the cache                      <cache>/<version>/<platform>/<libname> + sidecar
    3. a download (see cwasmtime._download), verified, then cached

Whatever the source, the library must report Wasmtime 50.0.x (see
:func:`library_version`): a wrong version means wrong struct layouts.

Cache layout::

    <cache>/<WASMTIME_VERSION>/<platform>/<libname>        the verified library
    <cache>/<WASMTIME_VERSION>/<platform>/<libname>.json   sidecar (see below)
    <cache>/<WASMTIME_VERSION>/<platform>/.lock            the fetch lock

The sidecar is JSON: ``{"format": 2, "sha256": <of the library>, "size": ...,
"version": "50.0.0", "platform": ..., "source": "wheel"|"release", "url": ...,
"archive_sha256": ..., "fetched_at": ..., "stamp": {"size", "mtime_ns", "ino",
"dev"}}``, written atomically after the library, so it marks a complete entry. The
library is hashed in full when it is downloaded; a later load trusts the ``stamp`` (the
file's size, mtime, inode and device when it was last hashed) and its recorded version,
and re-hashes only when the file no longer matches it (then re-stamps, or fetches again
if the hash is wrong). ``python -m cwasmtime info --verify`` re-hashes on demand.
Format-1 sidecars (no stamp) are re-hashed once and re-stamped.

Errors are :class:`LibraryError` (a ``RuntimeError``) subclasses, exported by the
``cwasmtime`` package. Only the standard library is used.
"""
from __future__ import annotations

import json
import os
import re
import sys
from typing import Any, Dict, NamedTuple, Optional, Tuple, Union

#: A filesystem path argument.
StrPath = Union[str, "os.PathLike[str]"]

# ---------------------------------------------------------------------------
# Pins: the ONE place that names the Wasmtime version.
# ---------------------------------------------------------------------------

#: The Wasmtime (C API) version cwasmtime is built against; the cache key.
WASMTIME_VERSION = "50.0.0"
#: Versions accepted from the library itself: (major, minor) must match.
WASMTIME_VERSION_TUPLE = (50, 0, 0)
#: The wasmtime-py release whose wheels carry the library.
WASMTIME_PY_VERSION = "50.0.1"
WHEEL_PROJECT = "wasmtime"
DEFAULT_INDEX_URL = "https://pypi.org/simple/"
DEFAULT_RELEASE_URL = (
    "https://github.com/bytecodealliance/wasmtime/releases/download/v" + WASMTIME_VERSION + "/"
)
#: platform -> (wheel platform tag, sha256 of wasmtime-50.0.1-py3-none-<tag>.whl)
WHEELS = {
    "linux-x86_64": ("manylinux1_x86_64",
                     "cc14c3a17654e0394e0225b11813532ef0cd7bd1e222a0c5494cdedaabeddac4"),
    "linux-aarch64": ("manylinux2014_aarch64",
                      "675484e525c028dc02762b777f1db4477ea70caa3fec6775426daff4d64edfb1"),
    "linux-musl-x86_64": ("musllinux_1_2_x86_64",
                          "e3e2051b02b8a47e2418f569e380843e87c1d74c40cd843bfa14c223245d420b"),
    "linux-musl-aarch64": ("musllinux_1_2_aarch64",
                           "f9c6973ae735946b3387b7a8e812ecd350eac3152c4b73998a57899dd9c4345c"),
    "darwin-x86_64": ("macosx_10_13_x86_64",
                      "13fe813b922712a9e10fe0f48b2c56da06432eea4b24269bb7cd3a6b2720560b"),
    "darwin-aarch64": ("macosx_11_0_arm64",
                       "ff4fc58ed3cbdb919d056accd4d280be13962a542754aaefd8a9b4654efa9bd9"),
    "win32-x86_64": ("win_amd64",
                     "a8999581230471f4ff62073b1111eff3a01d45ccec0a908da3f2ae3a499d459c"),
    "win32-aarch64": ("win_arm64",
                      "83ddab2358ebde392a065581f2c66995a711ccc25ad0aee7b1d20f8c688075d2"),
    "android-aarch64": ("android_26_arm64_v8a",
                        "62e4d9b9371b4766a3deb044618c17adad3983ab3333d1598df0e981ec88206f"),
    "android-x86_64": ("android_26_x86_64",
                       "612ebd1874eeab5f3eb3f18e529ab8af4bff885b7450c58593e3c3889868406b"),
}
#: platform -> Wasmtime release "build" name (wasmtime-v50.0.0-<build>-c-api.tar.xz|.zip)
RELEASE_BUILDS = {
    "linux-x86_64": "x86_64-linux",
    "linux-aarch64": "aarch64-linux",
    "linux-musl-x86_64": "x86_64-musl",
    "darwin-x86_64": "x86_64-macos",
    "darwin-aarch64": "aarch64-macos",
    "win32-x86_64": "x86_64-windows",
    "win32-aarch64": "aarch64-windows",
    "android-aarch64": "aarch64-android",
    "android-x86_64": "x86_64-android",
}
SIDECAR_FORMAT = 2

_VERSION_RE = re.compile(rb"resolve_vmctx_memory_ptr_(\d+)_(\d+)_(\d+)\x00")


# ---------------------------------------------------------------------------
# Errors
# ---------------------------------------------------------------------------

class LibraryError(RuntimeError):
    """The Wasmtime library could not be provided. The message says what to do."""


class UnsupportedPlatformError(LibraryError):
    """No wheel or release archive exists for this OS/architecture."""


class WrongVersionError(LibraryError):
    """The library is not Wasmtime 50.0.x (or its version cannot be determined)."""


class LibraryNotFoundError(LibraryError):
    """``CWASMTIME_LIBRARY`` names a file that does not exist."""


class DownloadError(LibraryError):
    """A download failed (HTTP error, missing wheel link, bad archive...)."""


class OfflineError(DownloadError):
    """The package index (and the release fallback) could not be reached in time."""


class TruncatedDownloadError(DownloadError):
    """The server closed the connection before sending the whole file."""


class ChecksumError(LibraryError):
    """A downloaded file does not have the pinned/required sha256."""


class CacheDirError(LibraryError):
    """Neither the cache dir nor the temp fallback is writable."""


class CacheDirWarning(UserWarning):
    """The cache dir is unwritable; a temp dir is used instead."""


# ---------------------------------------------------------------------------
# Platform
# ---------------------------------------------------------------------------

class Platform(NamedTuple):
    tag: str            # cache dir name and key of WHEELS / RELEASE_BUILDS
    os: str             # "linux", "darwin", "win32", "android" (wasmtime-py naming)
    machine: str        # "x86_64" or "aarch64"
    libname: str        # the file name in the cache

    @property
    def wheel_tag(self) -> Optional[str]:
        entry = WHEELS.get(self.tag)
        return entry[0] if entry else None

    @property
    def wheel_filename(self) -> Optional[str]:
        tag = self.wheel_tag
        if tag is None:
            return None
        return "%s-%s-py3-none-%s.whl" % (WHEEL_PROJECT, WASMTIME_PY_VERSION, tag)

    @property
    def wheel_member(self) -> str:
        # Mirrors wasmtime-py's loader (_ffi.py): wasmtime/<sys.platform>-<machine>/<lib>;
        # musl wheels use "linux" too.
        lib = {"win32": "_wasmtime.dll", "darwin": "_libwasmtime.dylib"}.get(
            self.os, "_libwasmtime.so")
        return "wasmtime/%s-%s/%s" % (self.os, self.machine, lib)

    @property
    def release_build(self) -> Optional[str]:
        return RELEASE_BUILDS.get(self.tag)

    @property
    def release_archive(self) -> Optional[str]:
        build = self.release_build
        if build is None:
            return None
        ext = ".zip" if self.os == "win32" else ".tar.xz"
        return "wasmtime-v%s-%s-c-api%s" % (WASMTIME_VERSION, build, ext)

    @property
    def release_member(self) -> Optional[str]:
        build = self.release_build
        if build is None:
            return None
        return "wasmtime-v%s-%s-c-api/lib/%s" % (WASMTIME_VERSION, build, self.libname)


def _is_musl() -> bool:
    try:
        if (os.confstr("CS_GNU_LIBC_VERSION") or "").startswith("glibc"):
            return False
    except (AttributeError, ValueError, OSError):
        pass
    # The ELF interpreter path of the running Python sits near the file's start.
    try:
        with open(sys.executable, "rb") as f:
            head = f.read(8192)
        if b"ld-musl" in head:
            return True
        if b"ld-linux" in head:
            return False
    except OSError:
        pass
    import glob
    return bool(glob.glob("/lib/ld-musl-*.so.1"))


def host_machine() -> str:
    """This machine's architecture, as ``platform.machine()`` names it."""
    uname = getattr(os, "uname", None)  # POSIX; importing `platform` costs a few ms
    if uname is not None:
        return str(uname().machine)
    import platform
    return platform.machine()


def current_platform(sys_platform: Optional[str] = None, machine: Optional[str] = None,
                     musl: Optional[bool] = None) -> Platform:
    """Detect this machine's platform (arguments override detection, for tests)."""
    if sys_platform is None:
        sys_platform = "android" if hasattr(sys, "getandroidapilevel") else sys.platform
    if machine is None:
        machine = host_machine()
    arch = {"amd64": "x86_64", "x86_64": "x86_64", "x64": "x86_64",
            "arm64": "aarch64", "aarch64": "aarch64"}.get(machine.lower())
    if sys_platform.startswith("linux"):
        os_name = "linux"
        if musl is None:
            musl = _is_musl()
    elif sys_platform in ("darwin", "win32", "android"):
        os_name, musl = sys_platform, False
    else:
        os_name = None
    if os_name is None or arch is None or sys.maxsize <= 2 ** 32:
        raise UnsupportedPlatformError(
            "cwasmtime: unsupported platform %s/%s%s: Wasmtime %s is provided for 64-bit "
            "Linux (glibc, musl), macOS, Windows and Android on x86_64 and aarch64. Build "
            "libwasmtime yourself (Wasmtime's crates/c-api) and set "
            "CWASMTIME_LIBRARY=/path/to/libwasmtime."
            % (sys_platform, machine, "" if sys.maxsize > 2 ** 32 else " (32-bit Python)",
               WASMTIME_VERSION))
    tag = "%s-%s%s" % (os_name, "musl-" if musl else "", arch)
    libname = {"win32": "wasmtime.dll", "darwin": "libwasmtime.dylib"}.get(
        os_name, "libwasmtime.so")
    return Platform(tag, os_name, arch, libname)


# ---------------------------------------------------------------------------
# Version and hashing
# ---------------------------------------------------------------------------

Version = Tuple[int, int, int]


def library_version(path: StrPath) -> Optional[Version]:
    """The Wasmtime version a library file reports, or None.

    Wasmtime exports version-marked symbols (``resolve_vmctx_memory_ptr_50_0_0``);
    their names are in the dynamic string table of ELF, Mach-O and PE files alike,
    so a scan of the file's bytes finds them without loading the library.
    """
    import mmap
    try:
        with open(path, "rb") as f:
            if os.fstat(f.fileno()).st_size == 0:
                return None
            with mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) as m:
                match = _VERSION_RE.search(m)
                if match is None:
                    return None
                return (int(match.group(1)), int(match.group(2)), int(match.group(3)))
    except (OSError, ValueError):
        return None


def _version_ok(version: Optional[Version]) -> bool:
    return version is not None and version[:2] == WASMTIME_VERSION_TUPLE[:2]


def check_version(path: StrPath, subject: str, remedy: str) -> Version:
    """The version of the library at *path*; WrongVersionError unless 50.0.x.

    *subject* names the file in the message (e.g. ``CWASMTIME_LIBRARY=/x/lib.so``);
    *remedy* says what to do about it."""
    version = library_version(path)
    if _version_ok(version):
        assert version is not None
        return version
    want = "%d.%d.x" % WASMTIME_VERSION_TUPLE[:2]
    if version is None:
        what = ("is not a Wasmtime library: it exports no resolve_vmctx_memory_ptr_<version> "
                "symbol")
    else:
        what = "is Wasmtime %s" % ".".join(map(str, version))
    raise WrongVersionError(
        "cwasmtime: %s %s, but cwasmtime needs Wasmtime %s (a wrong version means wrong "
        "struct layouts); %s." % (subject, what, want, remedy))


def sha256_file(path: StrPath) -> str:
    import hashlib
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


# ---------------------------------------------------------------------------
# The cache
# ---------------------------------------------------------------------------

# Paths here are strings (os.path), not pathlib: importing pathlib costs every start a
# few milliseconds on a cache hit.

def cache_root(sys_platform: Optional[str] = None) -> str:
    """``$CWASMTIME_CACHE_DIR``, else the per-user cache dir for cwasmtime."""
    env = os.environ.get("CWASMTIME_CACHE_DIR")
    if env:
        return os.path.expanduser(env)
    sys_platform = sys_platform or sys.platform
    home = os.path.expanduser("~")
    if sys_platform == "win32":
        base = os.environ.get("LOCALAPPDATA") or os.path.join(home, "AppData", "Local")
        return os.path.join(base, "cwasmtime", "Cache")
    if sys_platform == "darwin":
        return os.path.join(home, "Library", "Caches", "cwasmtime")
    xdg = os.environ.get("XDG_CACHE_HOME")
    if xdg and os.path.isabs(xdg):
        return os.path.join(xdg, "cwasmtime")
    return os.path.join(home, ".cache", "cwasmtime")


def cache_entry_dir(root: StrPath, plat: Platform) -> str:
    return os.path.join(root, WASMTIME_VERSION, plat.tag)


def sidecar_path(lib: StrPath) -> str:
    return os.fspath(lib) + ".json"


def read_sidecar(lib: StrPath) -> Optional[Dict[str, Any]]:
    try:
        with open(sidecar_path(lib), "r", encoding="utf-8") as f:
            data = json.load(f)
        return data if isinstance(data, dict) else None
    except (OSError, ValueError):
        return None


def write_sidecar(lib: StrPath, sidecar: Dict[str, Any]) -> None:
    """Replace the sidecar of *lib* atomically (a temp file renamed over it)."""
    import tempfile
    with tempfile.NamedTemporaryFile("w", encoding="utf-8", dir=os.path.dirname(lib),
                                     prefix=".tmp-", suffix=".json", delete=False) as f:
        json.dump(sidecar, f, indent=1, sort_keys=True)
    try:
        os.chmod(f.name, 0o644)
        os.replace(f.name, sidecar_path(lib))
    except BaseException:
        os.unlink(f.name)
        raise


def file_stamp(st: os.stat_result) -> Dict[str, int]:
    """What identifies one unmodified file cheaply: rewritten, replaced or copied, it
    differs."""
    return {"size": st.st_size, "mtime_ns": st.st_mtime_ns, "ino": st.st_ino,
            "dev": st.st_dev}


def _parse_version(text: Any) -> Optional[Version]:
    parts = text.split(".") if isinstance(text, str) else []
    if len(parts) != 3 or not all(p.isdigit() for p in parts):
        return None
    return (int(parts[0]), int(parts[1]), int(parts[2]))


class CacheState(NamedTuple):
    ok: bool
    problem: Optional[str]       # why a present entry is unusable (None: absent / ok)
    sha256: Optional[str]
    version: Optional[Version]
    sidecar: Optional[Dict[str, Any]]


def check_cached(lib: StrPath, verify: bool = False) -> CacheState:
    """Is *lib* a usable cache entry? Trusts the sidecar's stamp unless *verify*: only
    a file that no longer matches its stamp is hashed (and its version scanned) again;
    when it is still good, the new stamp is recorded."""
    try:
        st = os.stat(lib)
    except OSError:
        return CacheState(False, None, None, None, None)
    sidecar = read_sidecar(lib)
    if sidecar is None or not isinstance(sidecar.get("sha256"), str):
        return CacheState(False, "its sidecar %s is missing or unreadable" % sidecar_path(lib),
                          None, None, None)
    recorded = _parse_version(sidecar.get("version"))
    stamp = file_stamp(st)
    if not verify and sidecar.get("stamp") == stamp and _version_ok(recorded):
        return CacheState(True, None, sidecar["sha256"], recorded, sidecar)
    try:
        digest = sha256_file(lib)
    except OSError as exc:
        return CacheState(False, "it cannot be read (%s)" % exc, None, None, sidecar)
    if digest != sidecar["sha256"]:
        return CacheState(False, "its sha256 %s does not match the sidecar's %s (corrupted)"
                          % (digest, sidecar["sha256"]), digest, None, sidecar)
    version = library_version(lib)
    if not _version_ok(version):
        return CacheState(False, "it reports version %s" % (version,), digest, version, sidecar)
    assert version is not None
    if sidecar.get("stamp") != stamp or recorded != version:
        sidecar = dict(sidecar, format=SIDECAR_FORMAT, stamp=stamp,
                       version=".".join(map(str, version)))
        try:
            write_sidecar(lib, sidecar)
        except OSError:
            pass  # a read-only cache: hashed again next time, still correct
    return CacheState(True, None, digest, version, sidecar)


# ---------------------------------------------------------------------------
# Resolving
# ---------------------------------------------------------------------------

class LibraryInfo(NamedTuple):
    path: str
    source: str                           # "env", "cache" or "download"
    sha256: Optional[str] = None          # of the library file (None for env: lazy)
    version: Optional[Version] = None     # as the library reports it
    platform: Optional[str] = None        # platform tag (None for env)
    origin: Optional[str] = None          # URL it was downloaded from (cache/download)
    cache_dir: Optional[str] = None       # the cache entry dir (None for env)
    replaced: Optional[str] = None        # why a cached copy was discarded (download)

    @property
    def version_string(self) -> str:
        return ".".join(map(str, self.version)) if self.version else "unknown"


def look_up(lib: StrPath, plat: Platform,
            verify: bool) -> Tuple[Optional[LibraryInfo], Optional[str]]:
    """(the cached library *lib*, None) if it is usable, else (None, why not; None when
    there is none)."""
    state = check_cached(lib, verify)
    if state.ok:
        return LibraryInfo(os.fspath(lib), "cache", state.sha256, state.version, plat.tag,
                           (state.sidecar or {}).get("url"), os.path.dirname(lib)), None
    return None, state.problem and "the cached library %s was unusable: %s" % (lib, state.problem)


def fetch(*, progress: Optional[bool] = None, force: bool = False,
          verify: bool = False) -> LibraryInfo:
    """Make sure the cache holds a verified library (ignores CWASMTIME_LIBRARY).

    ``progress``: None shows a progress bar only if stderr is a TTY; True/False force it
    (a download always says on stderr what it fetches, from where, to where).
    ``force``: download again even if the cache is valid.
    ``verify``: re-hash the cached library even if its stamp matches.
    """
    plat = current_platform()
    lib = os.path.join(cache_entry_dir(cache_root(), plat), plat.libname)
    problem = None
    if not force:
        hit, problem = look_up(lib, plat, verify)
        if hit is not None:
            return hit
    from . import _download
    return _download.fetch_locked(plat, progress=progress, force=force, verify=verify,
                                  problem=problem)


def resolve(*, progress: Optional[bool] = None, verify: bool = False) -> LibraryInfo:
    """The library to load: $CWASMTIME_LIBRARY, else the cache, else a download."""
    env = os.environ.get("CWASMTIME_LIBRARY")
    if env:
        path = os.path.expanduser(env)
        if not os.path.isfile(path):
            raise LibraryNotFoundError(
                "cwasmtime: CWASMTIME_LIBRARY=%s does not exist (or is not a file); point it "
                "at a Wasmtime %s libwasmtime, or unset it to download one."
                % (env, WASMTIME_VERSION))
        version = check_version(path, "CWASMTIME_LIBRARY=%s" % env,
                                "point CWASMTIME_LIBRARY at a Wasmtime %s libwasmtime, or "
                                "unset it to download one" % WASMTIME_VERSION)
        # Not hashed here (there is no record to compare with); `info` hashes it.
        return LibraryInfo(path, "env", None, version)
    return fetch(progress=progress, verify=verify)
