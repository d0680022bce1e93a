"""Acquire the Wasmtime shared library that cwasmtime binds to.

Resolution order (first hit wins)::

    1. $CWASMTIME_LIBRARY            an explicit path, used as-is (version-checked)
    2. the cache                      <cache>/<version>/<platform>/<libname> + sidecar
    3. download, under a file lock:
       a. the official wasmtime-py wheel from the package index (PEP 503 simple
          pages, $CWASMTIME_INDEX_URL, default https://pypi.org/simple/); the
          wheel's sha256 is pinned below for every platform;
       b. if (a) fails: Wasmtime's C-API release archive from GitHub
          ($CWASMTIME_RELEASE_URL overrides the base URL); its sha256 cannot be
          pinned here, so it is checked against $CWASMTIME_SHA256 when set.

Whatever the source, the library must report Wasmtime 50.0.x (see
:func:`library_version`): a wrong version means wrong struct layouts.

Environment variables:

    CWASMTIME_LIBRARY      path of a libwasmtime to use instead of the cache/download
    CWASMTIME_CACHE_DIR    cache root (default: the user cache dir, see cache_root())
    CWASMTIME_INDEX_URL    package index (PEP 503 simple API), for mirrors
    CWASMTIME_RELEASE_URL  base URL of the C-API release archives, for mirrors
    CWASMTIME_SHA256       required sha256 of the C-API release archive

Cache layout::

    <cache>/<WASMTIME_VERSION>/<platform>/<libname>        the verified library
    <cache>/<WASMTIME_VERSION>/<platform>/<libname>.json   sidecar (see below)
    <cache>/<WASMTIME_VERSION>/<platform>/.lock            the fetch lock

The sidecar is JSON: ``{"format": 1, "sha256": <of the library>, "size": ...,
"version": "50.0.0", "platform": ..., "source": "wheel"|"release", "url": ...,
"archive_sha256": ..., "fetched_at": ...}``. It is written (atomically) after
the library, so it marks a complete entry; a cache hit re-hashes the library and
refetches when it does not match.

Errors are :class:`LibraryError` (a ``RuntimeError``) subclasses. Only the
standard library is used.
"""
from __future__ import annotations

import contextlib
import datetime
import hashlib
import html.parser
import http.client
import json
import mmap
import os
import platform as _platform
import re
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
import warnings
from pathlib import Path
from typing import IO, Any, Dict, Iterator, List, NamedTuple, Optional, Tuple, Union

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
NETWORK_TIMEOUT = 60.0  # seconds, per blocking socket operation
SIDECAR_FORMAT = 1

_VERSION_RE = re.compile(rb"resolve_vmctx_memory_ptr_(\d+)_(\d+)_(\d+)\x00")
_CHUNK = 1 << 16


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
    """The package index (and the release fallback) could not be reached."""


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


def current_platform(sys_platform: Optional[str] = None, machine: Optional[str] = None,
                     musl: Optional[bool] = None) -> Platform:
    """Detect this machine's platform (arguments override detection, for tests)."""
    if sys_platform is None:
        sys_platform = "android" if hasattr(sys, "getandroidapilevel") else sys.platform
    if machine is None:
        machine = _platform.machine()
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

def library_version(path: StrPath) -> Optional[Tuple[int, int, int]]:
    """The Wasmtime version a library file reports, or None.

    Wasmtime exports version-marked symbols (``resolve_vmctx_memory_ptr_50_0_0``);
    their names are in the dynamic string table of ELF, Mach-O and PE files alike,
    so a scan of the file's bytes finds them without loading the library.
    """
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


def check_version(path: StrPath, what: str = "library") -> Tuple[int, int, int]:
    """Return the version of the library at *path*; raise WrongVersionError unless 50.0.x."""
    version = library_version(path)
    want = WASMTIME_VERSION_TUPLE
    if version is None:
        raise WrongVersionError(
            "cwasmtime: %s %s is not a Wasmtime %d.%d.x library: it exports no "
            "resolve_vmctx_memory_ptr_<version> symbol. cwasmtime needs exactly Wasmtime "
            "%d.%d.x (a wrong version means wrong struct layouts); point "
            "CWASMTIME_LIBRARY at a Wasmtime %s libwasmtime, or unset it to download one."
            % (what, path, want[0], want[1], want[0], want[1], WASMTIME_VERSION))
    if version[:2] != want[:2]:
        raise WrongVersionError(
            "cwasmtime: %s %s is Wasmtime %s, but cwasmtime needs Wasmtime %d.%d.x (a "
            "wrong version means wrong struct layouts); point CWASMTIME_LIBRARY at a "
            "Wasmtime %s libwasmtime, or unset it to download one."
            % (what, path, ".".join(map(str, version)), want[0], want[1], WASMTIME_VERSION))
    return version


def sha256_file(path: StrPath) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


# ---------------------------------------------------------------------------
# Cache directory
# ---------------------------------------------------------------------------

def cache_root(sys_platform: Optional[str] = None) -> Path:
    """``$CWASMTIME_CACHE_DIR``, else the per-user cache dir for cwasmtime."""
    env = os.environ.get("CWASMTIME_CACHE_DIR")
    if env:
        return Path(env).expanduser()
    sys_platform = sys_platform or sys.platform
    if sys_platform == "win32":
        base = os.environ.get("LOCALAPPDATA") or str(Path.home() / "AppData" / "Local")
        return Path(base) / "cwasmtime" / "Cache"
    if sys_platform == "darwin":
        return Path.home() / "Library" / "Caches" / "cwasmtime"
    xdg = os.environ.get("XDG_CACHE_HOME")
    if xdg and os.path.isabs(xdg):
        return Path(xdg) / "cwasmtime"
    return Path.home() / ".cache" / "cwasmtime"


def fallback_cache_root() -> Path:
    """Per-user cache under the temp dir, used when cache_root() is unwritable."""
    getuid = getattr(os, "getuid", None)  # POSIX only
    if getuid is not None:
        user = str(getuid())
    else:
        user = re.sub(r"[^A-Za-z0-9_.-]", "_", os.environ.get("USERNAME", "user"))
    return Path(tempfile.gettempdir()) / ("cwasmtime-cache-" + user)


def cache_entry_dir(root: Path, plat: Platform) -> Path:
    return root / WASMTIME_VERSION / plat.tag


def _sidecar_path(lib: Path) -> Path:
    return lib.with_name(lib.name + ".json")


def read_sidecar(lib: StrPath) -> Optional[Dict[str, Any]]:
    try:
        with open(_sidecar_path(Path(lib)), "r", encoding="utf-8") as f:
            data = json.load(f)
        return data if isinstance(data, dict) else None
    except (OSError, ValueError):
        return None


class _CacheState(NamedTuple):
    ok: bool
    problem: Optional[str]       # why a present entry is unusable (None: absent / ok)
    sha256: Optional[str]
    version: Optional[Tuple[int, int, int]]
    sidecar: Optional[Dict[str, Any]]


def _check_cached(lib: Path) -> _CacheState:
    if not lib.is_file():
        return _CacheState(False, None, None, None, None)
    sidecar = read_sidecar(lib)
    if sidecar is None or not isinstance(sidecar.get("sha256"), str):
        return _CacheState(False, "its sidecar %s is missing or unreadable"
                           % _sidecar_path(lib), None, None, None)
    try:
        digest = sha256_file(lib)
    except OSError as exc:
        return _CacheState(False, "it cannot be read (%s)" % exc, None, None, sidecar)
    if digest != sidecar["sha256"]:
        return _CacheState(False, "its sha256 %s does not match the sidecar's %s (corrupted)"
                           % (digest, sidecar["sha256"]), digest, None, sidecar)
    version = library_version(lib)
    if version is None or version[:2] != WASMTIME_VERSION_TUPLE[:2]:
        return _CacheState(False, "it reports version %s" % (version,), digest, version, sidecar)
    return _CacheState(True, None, digest, version, sidecar)


@contextlib.contextmanager
def _file_lock(path: Path) -> Iterator[None]:
    """An exclusive inter-process lock held on *path* (created if needed)."""
    fd = os.open(str(path), os.O_RDWR | os.O_CREAT, 0o644)
    try:
        if sys.platform == "win32":
            import msvcrt
            while True:
                try:
                    msvcrt.locking(fd, msvcrt.LK_LOCK, 1)  # retries ~10 s, then raises
                    break
                except OSError:
                    continue
            try:
                yield
            finally:
                os.lseek(fd, 0, os.SEEK_SET)
                msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)
        else:
            import fcntl
            fcntl.flock(fd, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


def _prepare_dir(entry: Path) -> Path:
    """Create *entry* and its lock file; return the lock path (OSError if unwritable)."""
    entry.mkdir(parents=True, exist_ok=True)
    lock = entry / ".lock"
    os.close(os.open(str(lock), os.O_RDWR | os.O_CREAT, 0o644))
    probe = tempfile.NamedTemporaryFile(dir=str(entry), prefix=".tmp-probe-", delete=True)
    probe.close()
    return lock


def _remove_stale_temps(entry: Path) -> None:
    # Called with the lock held: any .tmp-* file is a leftover of a killed process.
    for p in entry.glob(".tmp-*"):
        with contextlib.suppress(OSError):
            p.unlink()


# ---------------------------------------------------------------------------
# Network
# ---------------------------------------------------------------------------

def _user_agent() -> str:
    try:
        from importlib.metadata import version
        ours = version("cwasmtime")
    except Exception:
        ours = "unknown"
    return "cwasmtime/%s (wasmtime %s; python %s; %s)" % (
        ours, WASMTIME_VERSION, _platform.python_version(), sys.platform)


def _open(url: str, accept: str = "*/*") -> Any:
    """``urlopen(url)``: an ``http.client.HTTPResponse`` (or ``addinfourl`` for a
    non-HTTP URL); DownloadError/OfflineError on failure."""
    req = urllib.request.Request(url, headers={"User-Agent": _user_agent(), "Accept": accept})
    try:
        return urllib.request.urlopen(req, timeout=NETWORK_TIMEOUT)
    except urllib.error.HTTPError as exc:
        raise DownloadError("HTTP %s %s for %s" % (exc.code, exc.reason, url)) from exc
    except (urllib.error.URLError, OSError, http.client.HTTPException) as exc:
        # refused, DNS, timeout, TLS, garbled response...
        reason = getattr(exc, "reason", exc)
        raise OfflineError("could not reach %s (%s)" % (url, reason)) from exc


class _Progress:
    """A one-line progress bar on stderr; a no-op unless enabled."""

    def __init__(self, label: str, total: Optional[int], enabled: Optional[bool]) -> None:
        self.stream = sys.stderr
        if enabled is None:
            try:
                enabled = bool(self.stream.isatty())
            except (AttributeError, ValueError):
                enabled = False
        self.enabled = enabled
        self.label, self.total, self.done = label, total, 0
        self._last = 0.0

    def update(self, n: int) -> None:
        self.done += n
        if self.enabled:
            now = time.monotonic()
            if now - self._last >= 0.1:
                self._last = now
                self._render()

    def _render(self) -> None:
        mb = self.done / 1e6
        if self.total:
            frac = min(1.0, self.done / self.total)
            bar = "#" * int(frac * 30)
            line = "\rcwasmtime: %s [%-30s] %3d%% %.1f/%.1f MB" % (
                self.label, bar, frac * 100, mb, self.total / 1e6)
        else:
            line = "\rcwasmtime: %s %.1f MB" % (self.label, mb)
        self.stream.write(line)
        self.stream.flush()

    def close(self) -> None:
        if self.enabled:
            self._render()
            self.stream.write("\n")
            self.stream.flush()


def _download(url: str, dest: IO[bytes], label: str, progress: Optional[bool]) -> Tuple[str, int]:
    """Stream *url* into the open binary file *dest*; return (sha256, size)."""
    h = hashlib.sha256()
    with _open(url) as resp:
        length = resp.headers.get("Content-Length")
        try:
            expected = int(length) if length is not None else None
        except ValueError:
            expected = None
        bar = _Progress(label, expected, progress)
        size = 0
        try:
            while True:
                try:
                    chunk = resp.read(_CHUNK)
                except (OSError, ValueError, http.client.HTTPException) as exc:  # reset, timeout
                    raise TruncatedDownloadError(
                        "download of %s broke off after %d bytes (%s); nothing was cached, "
                        "try again" % (url, size, exc)) from exc
                if not chunk:
                    break
                h.update(chunk)
                dest.write(chunk)
                size += len(chunk)
                bar.update(len(chunk))
        finally:
            bar.close()
    if expected is not None and size != expected:
        raise TruncatedDownloadError(
            "download of %s is truncated: got %d of %d bytes; nothing was cached, try again"
            % (url, size, expected))
    dest.flush()
    return h.hexdigest(), size


class _LinkParser(html.parser.HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.links: List[Tuple[str, str]] = []  # (href, text)
        self._href: Optional[str] = None
        self._text: List[str] = []

    def handle_starttag(self, tag: str, attrs: List[Tuple[str, Optional[str]]]) -> None:
        if tag == "a":
            self._href = dict(attrs).get("href")
            self._text = []

    def handle_data(self, data: str) -> None:
        if self._href is not None:
            self._text.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "a" and self._href is not None:
            self.links.append((self._href, "".join(self._text).strip()))
            self._href = None


def index_url() -> str:
    return os.environ.get("CWASMTIME_INDEX_URL") or DEFAULT_INDEX_URL


def release_url() -> str:
    return os.environ.get("CWASMTIME_RELEASE_URL") or DEFAULT_RELEASE_URL


def find_wheel_url(plat: Platform, index: Optional[str] = None) -> str:
    """The URL of the pinned wheel for *plat*, from the index's simple page."""
    filename = plat.wheel_filename
    if filename is None:
        raise UnsupportedPlatformError("no wasmtime-py wheel for %s" % plat.tag)
    page = (index or index_url()).rstrip("/") + "/" + WHEEL_PROJECT + "/"
    with _open(page, accept="text/html") as resp:
        base: str = resp.geturl()
        try:
            body = resp.read()
        except (OSError, ValueError, http.client.HTTPException) as exc:
            raise OfflineError("could not read %s (%s)" % (page, exc)) from exc
        charset = resp.headers.get_content_charset() or "utf-8"
    parser = _LinkParser()
    parser.feed(body.decode(charset, "replace"))
    for href, text in parser.links:
        url, _frag = urllib.parse.urldefrag(urllib.parse.urljoin(base, href))
        name = urllib.parse.unquote(urllib.parse.urlsplit(url).path.rsplit("/", 1)[-1])
        if name == filename or text == filename:
            return url
    raise DownloadError("the index page %s lists no %s" % (page, filename))


# ---------------------------------------------------------------------------
# Fetching
# ---------------------------------------------------------------------------

class LibraryInfo(NamedTuple):
    path: str
    source: str                           # "env", "cache" or "download"
    sha256: Optional[str] = None          # of the library file (None for env: lazy)
    version: Optional[Tuple[int, int, int]] = None  # as the library reports it
    platform: Optional[str] = None        # platform tag (None for env)
    origin: Optional[str] = None          # URL it was downloaded from (cache/download)
    cache_dir: Optional[str] = None       # the cache entry dir (None for env)

    @property
    def version_string(self) -> str:
        return ".".join(map(str, self.version)) if self.version else "unknown"


def _tmpfile(entry: Path, suffix: str) -> IO[bytes]:
    return tempfile.NamedTemporaryFile(dir=str(entry), prefix=".tmp-", suffix=suffix,
                                       delete=False)


def _extract_to(entry: Path, src: IO[bytes], suffix: str) -> Path:
    """Copy the file object *src* to a new temp file in *entry*; return its path."""
    with _tmpfile(entry, suffix) as out:
        for chunk in iter(lambda: src.read(1 << 20), b""):
            out.write(chunk)
    return Path(out.name)


def _fetch_wheel(plat: Platform, entry: Path, progress: Optional[bool],
                 temps: List[Path]) -> Tuple[Path, Dict[str, str]]:
    if plat.wheel_filename is None:
        raise UnsupportedPlatformError("no wasmtime-py %s wheel for %s"
                                       % (WASMTIME_PY_VERSION, plat.tag))
    index = index_url()
    url = find_wheel_url(plat, index)
    with _tmpfile(entry, ".whl") as f:
        temps.append(Path(f.name))
        digest, _ = _download(url, f, "downloading " + plat.wheel_filename, progress)
    pinned = WHEELS[plat.tag][1]
    if digest != pinned:
        raise ChecksumError(
            "checksum mismatch for %s from %s: sha256 %s, pinned %s (the index or something "
            "between you and it served a different file; nothing was cached)"
            % (plat.wheel_filename, url, digest, pinned))
    import zipfile
    try:
        with zipfile.ZipFile(temps[-1]) as z:
            try:
                member = z.open(plat.wheel_member)
            except KeyError:
                raise DownloadError("%s has no member %s" % (url, plat.wheel_member)) from None
            with member:
                lib_tmp = _extract_to(entry, member, ".lib")
                temps.append(lib_tmp)
    except zipfile.BadZipFile as exc:
        raise DownloadError("%s is not a valid wheel (%s)" % (url, exc)) from exc
    return lib_tmp, {"source": "wheel", "url": url, "archive_sha256": digest}


def _fetch_release(plat: Platform, entry: Path, progress: Optional[bool],
                   temps: List[Path]) -> Tuple[Path, Dict[str, str]]:
    archive = plat.release_archive
    if archive is None:
        raise UnsupportedPlatformError("no Wasmtime C-API release archive for %s" % plat.tag)
    url = release_url().rstrip("/") + "/" + archive
    suffix = ".zip" if archive.endswith(".zip") else ".tar.xz"
    with _tmpfile(entry, suffix) as f:
        temps.append(Path(f.name))
        digest, _ = _download(url, f, "downloading " + archive, progress)
    want = (os.environ.get("CWASMTIME_SHA256") or "").strip().lower()
    if want and digest != want:
        raise ChecksumError(
            "checksum mismatch for %s: sha256 %s, but CWASMTIME_SHA256 is %s (nothing was "
            "cached)" % (url, digest, want))
    member = plat.release_member
    suffix_name = "/lib/" + plat.libname
    try:
        if suffix == ".zip":
            import zipfile
            with zipfile.ZipFile(temps[-1]) as z:
                names = z.namelist()
                name = member if member in names else next(
                    (n for n in names if n.endswith(suffix_name)), None)
                if name is None:
                    raise DownloadError("%s has no member %s" % (url, member))
                with z.open(name) as src:
                    lib_tmp = _extract_to(entry, src, ".lib")
        else:
            import tarfile
            with tarfile.open(str(temps[-1]), "r:xz") as t:
                info = None
                for ti in t:
                    if ti.isfile() and (ti.name == member or ti.name.endswith(suffix_name)):
                        info = ti
                        if ti.name == member:
                            break
                if info is None:
                    raise DownloadError("%s has no member %s" % (url, member))
                extracted = t.extractfile(info)
                if extracted is None:
                    raise DownloadError("%s: %s is not a regular file" % (url, info.name))
                with extracted:
                    lib_tmp = _extract_to(entry, extracted, ".lib")
    except DownloadError:
        raise
    except Exception as exc:  # tarfile/zipfile/lzma errors on a bad archive
        raise DownloadError("%s is not a valid archive (%s)" % (url, exc)) from exc
    temps.append(lib_tmp)
    return lib_tmp, {"source": "release", "url": url, "archive_sha256": digest}


def _offline_hint(root: Path) -> str:
    return ("set CWASMTIME_LIBRARY=/path/to/libwasmtime (a Wasmtime %s library), or "
            "CWASMTIME_INDEX_URL to a reachable package index mirror, or run "
            "`python -m cwasmtime fetch` on a connected machine with "
            "CWASMTIME_CACHE_DIR=<dir> and copy <dir> to %s here (or point "
            "CWASMTIME_CACHE_DIR at it)." % (WASMTIME_VERSION, root))


def _fetch_into(plat: Platform, root: Path, entry: Path, progress: Optional[bool]) -> LibraryInfo:
    """Download, verify and install the library into *entry* (the lock is held)."""
    lib = entry / plat.libname
    errors: List[LibraryError] = []
    for fetcher in (_fetch_wheel, _fetch_release):
        temps: List[Path] = []
        try:
            lib_tmp, meta = fetcher(plat, entry, progress, temps)
            version = check_version(lib_tmp, "downloaded library (%s)" % meta["url"])
            digest = sha256_file(lib_tmp)
            os.chmod(str(lib_tmp), 0o755)
            sidecar = dict(format=SIDECAR_FORMAT, sha256=digest, size=lib_tmp.stat().st_size,
                           version=".".join(map(str, version)), platform=plat.tag,
                           fetched_at=datetime.datetime.now(datetime.timezone.utc)
                           .isoformat(timespec="seconds"), **meta)
            with _tmpfile(entry, ".json") as f:
                temps.append(Path(f.name))
                f.write(json.dumps(sidecar, indent=1, sort_keys=True).encode())
            os.chmod(f.name, 0o644)
            # Library first, then the sidecar that marks the entry complete.
            with contextlib.suppress(OSError):
                _sidecar_path(lib).unlink()
            os.replace(str(lib_tmp), str(lib))
            os.replace(f.name, str(_sidecar_path(lib)))
            return LibraryInfo(str(lib), "download", digest, version, plat.tag, meta["url"],
                               str(entry))
        except LibraryError as exc:
            errors.append(exc)
        finally:
            for p in temps:
                with contextlib.suppress(OSError):
                    p.unlink()
    primary, secondary = errors
    if isinstance(primary, UnsupportedPlatformError) and isinstance(
            secondary, UnsupportedPlatformError):
        raise UnsupportedPlatformError(
            "cwasmtime: no prebuilt Wasmtime %s for %s; build libwasmtime yourself and set "
            "CWASMTIME_LIBRARY=/path/to/libwasmtime." % (WASMTIME_VERSION, plat.tag))
    # Report the more telling failure's class: "offline"/"no such build" on the index
    # says less than a checksum or truncation problem with the release archive.
    cls = type(primary)
    if isinstance(primary, (OfflineError, UnsupportedPlatformError)) and not isinstance(
            secondary, (OfflineError, UnsupportedPlatformError)):
        cls = type(secondary)
    raise cls(
        "cwasmtime: could not get the Wasmtime %s library for %s.\n"
        "  - wasmtime-py %s wheel from the index %s: %s\n"
        "  - Wasmtime C-API release archive (fallback): %s\n"
        "To fix: %s"
        % (WASMTIME_VERSION, plat.tag, WASMTIME_PY_VERSION, index_url(), primary, secondary,
           _offline_hint(root))) from primary


def _select_entry(plat: Platform) -> Tuple[Path, Path, Path]:
    """(root, entry dir, lock path): the configured cache, else the temp fallback."""
    root = cache_root()
    entry = cache_entry_dir(root, plat)
    try:
        return root, entry, _prepare_dir(entry)
    except OSError as exc:
        first = exc
    fallback = fallback_cache_root()
    fentry = cache_entry_dir(fallback, plat)
    try:
        fallback.mkdir(mode=0o700, parents=True, exist_ok=True)
        lock = _prepare_dir(fentry)
    except OSError as exc:
        raise CacheDirError(
            "cwasmtime: cannot write the cache dir %s (%s) nor the fallback %s (%s); set "
            "CWASMTIME_CACHE_DIR to a writable directory, or CWASMTIME_LIBRARY to a "
            "Wasmtime %s library." % (entry, first, fentry, exc, WASMTIME_VERSION)) from exc
    warnings.warn(
        "cwasmtime: the cache dir %s is not writable (%s); using %s instead. Set "
        "CWASMTIME_CACHE_DIR to a writable directory to keep the library."
        % (entry, first, fentry), CacheDirWarning, stacklevel=3)
    return fallback, fentry, lock


def _from_cache(lib: Path, state: _CacheState, plat: Platform) -> LibraryInfo:
    return LibraryInfo(str(lib), "cache", state.sha256, state.version, plat.tag,
                       (state.sidecar or {}).get("url"), str(lib.parent))


def fetch(*, progress: Optional[bool] = None, force: bool = False) -> LibraryInfo:
    """Make sure the cache holds a verified library (ignores CWASMTIME_LIBRARY).

    ``progress``: None shows a progress bar only if stderr is a TTY; True/False force it.
    ``force``: download again even if the cache is valid.
    """
    plat = current_platform()
    root = cache_root()
    lib = cache_entry_dir(root, plat) / plat.libname
    problem = None
    if not force:
        state = _check_cached(lib)
        if state.ok:
            return _from_cache(lib, state, plat)
        problem = state.problem and (lib, state.problem)
    root, entry, lock = _select_entry(plat)
    lib = entry / plat.libname
    with _file_lock(lock):
        # Another process may have fetched while we waited for the lock.
        state = _check_cached(lib)
        if state.ok and not force:
            return _from_cache(lib, state, plat)
        if state.problem:
            problem = (lib, state.problem)
            # Never leave an unverifiable library behind, even if the refetch fails.
            for p in (_sidecar_path(lib), lib):
                with contextlib.suppress(OSError):
                    p.unlink()
        _remove_stale_temps(entry)
        try:
            return _fetch_into(plat, root, entry, progress)
        except LibraryError as exc:
            if problem:
                raise type(exc)("%s\n(The cached library %s was unusable: %s.)"
                                % (exc, problem[0], problem[1])) from exc
            raise


def resolve(*, progress: Optional[bool] = None) -> LibraryInfo:
    """The library to load: $CWASMTIME_LIBRARY, else the cache, else a download."""
    env = os.environ.get("CWASMTIME_LIBRARY")
    if env:
        path = Path(env).expanduser()
        if not path.is_file():
            raise LibraryNotFoundError(
                "cwasmtime: CWASMTIME_LIBRARY=%s does not exist (or is not a file); point it "
                "at a Wasmtime %s libwasmtime, or unset it to download one."
                % (env, WASMTIME_VERSION))
        version = check_version(path, "CWASMTIME_LIBRARY=%s" % env)
        # No hashing here (import-time cost); `python -m cwasmtime info` hashes it.
        return LibraryInfo(str(path), "env", None, version)
    return fetch(progress=progress)
