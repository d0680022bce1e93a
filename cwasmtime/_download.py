"""Download libwasmtime into the cache; imported only when the cache misses.

Under a file lock (two processes fetching at once both succeed, with one download):

a. the official wasmtime-py wheel from the package index (PEP 503 simple pages):
   ``$CWASMTIME_INDEX_URL``, else pip's own index (``PIP_INDEX_URL``, ``index-url`` in
   pip's configuration files, see :mod:`cwasmtime._pipconfig`), else pypi.org; the
   wheel's sha256 is pinned in :mod:`cwasmtime._library` for every platform; credentials
   in the index URL (``https://user:pass@host/simple/``) are sent to that host only;
b. if (a) fails: Wasmtime's C-API release archive from GitHub
   (``$CWASMTIME_RELEASE_URL`` overrides the base URL); its sha256 cannot be pinned
   here, so it is checked against ``$CWASMTIME_SHA256`` when set.

A connection must be made within CONNECT_TIMEOUT (tried twice); after that every read
(the response, each chunk) may wait READ_TIMEOUT. Each download says on stderr what it
fetches (size), from where and to where: one line, then a progress bar on a TTY.
"""
from __future__ import annotations

import contextlib
import datetime
import hashlib
import html.parser
import http.client
import os
import platform
import re
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
import warnings
from pathlib import Path
from typing import IO, Any, Callable, Dict, Iterator, List, NamedTuple, Optional, Tuple

from . import __version__
from ._library import (DEFAULT_INDEX_URL, DEFAULT_RELEASE_URL, SIDECAR_FORMAT, WASMTIME_PY_VERSION,
                       WASMTIME_VERSION, WHEEL_PROJECT, WHEELS, CacheDirError, CacheDirWarning,
                       ChecksumError, DownloadError, LibraryError, LibraryInfo, OfflineError,
                       Platform, TruncatedDownloadError, UnsupportedPlatformError, cache_entry_dir,
                       cache_root, check_version, file_stamp, look_up, sidecar_path,
                       write_sidecar)
from ._pipconfig import pip_index

CONNECT_TIMEOUT = 5.0   # seconds to connect (TCP, proxy tunnel, TLS handshake)
CONNECT_ATTEMPTS = 2    # a connection that fails or times out is tried once more
RETRY_PAUSE = 0.5       # seconds between the two attempts
READ_TIMEOUT = 15.0     # seconds any one read may wait (the response, each chunk)
_CHUNK = 1 << 16


# ---------------------------------------------------------------------------
# Where from
# ---------------------------------------------------------------------------

class Index(NamedTuple):
    url: str
    source: str  # where it was configured, for messages


def configured_index() -> Index:
    """CWASMTIME_INDEX_URL > pip's index (PIP_INDEX_URL, pip.conf) > pypi.org."""
    ours = os.environ.get("CWASMTIME_INDEX_URL", "").strip()
    if ours:
        return Index(ours, "CWASMTIME_INDEX_URL")
    pip = pip_index()
    if pip is not None:
        return Index(pip.url, pip.source)
    return Index(DEFAULT_INDEX_URL, "the default")


def release_url() -> str:
    return os.environ.get("CWASMTIME_RELEASE_URL") or DEFAULT_RELEASE_URL


def redact(url: str) -> str:
    """*url* for messages and the sidecar: a password, or a lone user name (a token), is
    replaced by ``****``, as pip does."""
    parts = urllib.parse.urlsplit(url)
    if parts.username is None:
        return url
    host = parts.netloc.rpartition("@")[2]
    user = "****" if parts.password is None else parts.username + ":****"
    return parts._replace(netloc=user + "@" + host).geturl()


# ---------------------------------------------------------------------------
# HTTP
# ---------------------------------------------------------------------------

def _user_agent() -> str:
    return "cwasmtime/%s (wasmtime %s; python %s; %s)" % (
        __version__, WASMTIME_VERSION, platform.python_version(), sys.platform)


class _Connection(http.client.HTTPConnection):
    """Connects within the timeout it is created with (CONNECT_TIMEOUT), then gives
    every read READ_TIMEOUT."""

    def connect(self) -> None:
        super().connect()
        self.sock.settimeout(READ_TIMEOUT)


class _TLSConnection(_Connection, http.client.HTTPSConnection):
    pass  # HTTPSConnection.connect (TCP + handshake) runs inside _Connection.connect


class _HTTPHandler(urllib.request.HTTPHandler):
    def http_open(self, req: urllib.request.Request) -> http.client.HTTPResponse:
        return self.do_open(_Connection, req)


class _HTTPSHandler(urllib.request.HTTPSHandler):
    def https_open(self, req: urllib.request.Request) -> http.client.HTTPResponse:
        context = self._context  # type: ignore[attr-defined]  # set by HTTPSHandler.__init__
        return self.do_open(_TLSConnection, req, context=context)


class Http:
    """GETs with the timeouts above, one retry of a failed connection, and Basic auth
    for the host of a URL that carries credentials (an index's, sent to that host only,
    also for the files it links to there)."""

    def __init__(self, credentials_from: Optional[str] = None) -> None:
        handlers: List[urllib.request.BaseHandler] = [_HTTPHandler(), _HTTPSHandler()]
        parts = urllib.parse.urlsplit(credentials_from or "")
        if parts.username is not None:
            host = parts.netloc.rpartition("@")[2]
            passwords = urllib.request.HTTPPasswordMgrWithPriorAuth()
            passwords.add_password(None, "%s://%s/" % (parts.scheme, host),
                                   urllib.parse.unquote(parts.username),
                                   urllib.parse.unquote(parts.password or ""),
                                   is_authenticated=True)
            handlers.append(urllib.request.HTTPBasicAuthHandler(passwords))
        self._opener = urllib.request.build_opener(*handlers)

    def open(self, url: str, accept: str = "*/*") -> Any:
        """The response (``http.client.HTTPResponse``, or ``addinfourl`` for a non-HTTP
        URL); DownloadError/OfflineError on failure."""
        parts = urllib.parse.urlsplit(url)
        bare = parts._replace(netloc=parts.netloc.rpartition("@")[2]).geturl()
        req = urllib.request.Request(bare, headers={"User-Agent": _user_agent(),
                                                    "Accept": accept})
        for attempt in range(1, CONNECT_ATTEMPTS + 1):
            try:
                return self._opener.open(req, timeout=CONNECT_TIMEOUT)
            except urllib.error.HTTPError as exc:
                raise DownloadError("HTTP %s %s for %s" % (exc.code, exc.reason, bare)) from exc
            except urllib.error.URLError as exc:
                # Raised while connecting (urllib wraps those): refused, DNS, timeout, TLS.
                reason = exc.reason
                if isinstance(reason, (TimeoutError, ConnectionError)):
                    if attempt < CONNECT_ATTEMPTS:
                        time.sleep(RETRY_PAUSE)
                        continue
                    if isinstance(reason, TimeoutError):
                        reason = "no connection within %g s" % CONNECT_TIMEOUT
                    reason = "%s; tried %d times" % (reason, CONNECT_ATTEMPTS)
                raise OfflineError("could not reach %s (%s)" % (bare, reason)) from exc
            except TimeoutError as exc:
                raise OfflineError("could not reach %s (connected, but no response within "
                                   "%g s)" % (bare, READ_TIMEOUT)) from exc
            except (OSError, http.client.HTTPException) as exc:  # reset, garbled response
                raise OfflineError("could not reach %s (%s)" % (bare, exc)) from exc
        raise AssertionError("unreachable")


# ---------------------------------------------------------------------------
# Streaming to a file
# ---------------------------------------------------------------------------

def _megabytes(n: int) -> str:
    return "%.1f MB" % (n / 1e6)


class _Progress:
    """A progress bar on stderr, on the line after the download's announcement; a no-op
    unless enabled (by default: when stderr is a TTY)."""

    def __init__(self, total: Optional[int], enabled: Optional[bool]) -> None:
        self.stream = sys.stderr
        if enabled is None:
            try:
                enabled = bool(self.stream.isatty())
            except (AttributeError, ValueError):
                enabled = False
        self.enabled = enabled
        self.total, self.done = total, 0
        self._last = 0.0

    def update(self, n: int) -> None:
        self.done += n
        if self.enabled:
            now = time.monotonic()
            if now - self._last >= 0.1:
                self._last = now
                self._render()

    def _render(self) -> None:
        if self.total:
            frac = min(1.0, self.done / self.total)
            line = "\r  [%-30s] %3d%% %s of %s" % (
                "#" * int(frac * 30), frac * 100, _megabytes(self.done), _megabytes(self.total))
        else:
            line = "\r  %s" % _megabytes(self.done)
        self.stream.write(line)
        self.stream.flush()

    def close(self) -> None:
        if self.enabled:
            self._render()
            self.stream.write("\n")
            self.stream.flush()


def _download(client: Http, url: str, dest: IO[bytes], what: str, to: Path,
              progress: Optional[bool]) -> str:
    """Stream *url* into the open binary file *dest*; return its sha256. Announces the
    download on stderr (*what* is fetched, *to* is where the library will be)."""
    h = hashlib.sha256()
    with client.open(url) as resp:
        length = resp.headers.get("Content-Length")
        expected = int(length) if length is not None and length.isdigit() else None
        print("cwasmtime: downloading %s (%s) from %s to %s"
              % (what, "size unknown" if expected is None else _megabytes(expected),
                 redact(url), to), file=sys.stderr, flush=True)
        bar = _Progress(expected, progress)
        size = 0
        try:
            while True:
                try:
                    chunk = resp.read(_CHUNK)
                except (OSError, ValueError, http.client.HTTPException) as exc:  # reset, timeout
                    raise TruncatedDownloadError(
                        "download of %s broke off after %d bytes (%s); nothing was cached, "
                        "try again" % (redact(url), size, exc or type(exc).__name__)) from exc
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
            % (redact(url), size, expected))
    dest.flush()
    return h.hexdigest()


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


def find_wheel_url(client: Http, plat: Platform, index: str) -> str:
    """The URL of the pinned wheel for *plat*, from the index's simple page."""
    filename = plat.wheel_filename
    if filename is None:
        raise UnsupportedPlatformError("no wasmtime-py wheel for %s" % plat.tag)
    page = index.rstrip("/") + "/" + WHEEL_PROJECT + "/"
    with client.open(page, accept="text/html") as resp:
        base: str = resp.geturl()
        try:
            body = resp.read()
        except (OSError, ValueError, http.client.HTTPException) as exc:
            raise OfflineError("could not read %s (%s)" % (redact(page), exc)) from exc
        charset = resp.headers.get_content_charset() or "utf-8"
    parser = _LinkParser()
    parser.feed(body.decode(charset, "replace"))
    for href, text in parser.links:
        url, _frag = urllib.parse.urldefrag(urllib.parse.urljoin(base, href))
        name = urllib.parse.unquote(urllib.parse.urlsplit(url).path.rsplit("/", 1)[-1])
        if name == filename or text == filename:
            return url
    raise DownloadError("the index page %s lists no %s" % (redact(page), filename))


# ---------------------------------------------------------------------------
# Fetching
# ---------------------------------------------------------------------------

class _Extracted(NamedTuple):
    path: Path
    sha256: str


def _tmpfile(entry: Path, suffix: str) -> IO[bytes]:
    return tempfile.NamedTemporaryFile(dir=str(entry), prefix=".tmp-", suffix=suffix,
                                       delete=False)


def _extract_to(entry: Path, src: IO[bytes], temps: List[Path]) -> _Extracted:
    """Copy the file object *src* to a new temp file in *entry*, hashing it."""
    h = hashlib.sha256()
    with _tmpfile(entry, ".lib") as out:
        temps.append(Path(out.name))
        for chunk in iter(lambda: src.read(1 << 20), b""):
            h.update(chunk)
            out.write(chunk)
    return _Extracted(Path(out.name), h.hexdigest())


Fetched = Tuple[_Extracted, Dict[str, str]]
Fetcher = Callable[[Platform, Path, Optional[bool], List[Path]], Fetched]


def _fetch_wheel(plat: Platform, entry: Path, progress: Optional[bool],
                 temps: List[Path]) -> Fetched:
    if plat.wheel_filename is None:
        raise UnsupportedPlatformError("no wasmtime-py %s wheel for %s"
                                       % (WASMTIME_PY_VERSION, plat.tag))
    index = configured_index().url
    client = Http(credentials_from=index)
    url = find_wheel_url(client, plat, index)
    with _tmpfile(entry, ".whl") as f:
        temps.append(Path(f.name))
        digest = _download(client, url, f, plat.wheel_filename, entry / plat.libname, progress)
    pinned = WHEELS[plat.tag][1]
    if digest != pinned:
        raise ChecksumError(
            "checksum mismatch for %s from %s: sha256 %s, pinned %s (the index or something "
            "between you and it served a different file; nothing was cached)"
            % (plat.wheel_filename, redact(url), digest, pinned))
    import zipfile
    try:
        with zipfile.ZipFile(temps[-1]) as z:
            try:
                member = z.open(plat.wheel_member)
            except KeyError:
                raise DownloadError("%s has no member %s"
                                    % (redact(url), plat.wheel_member)) from None
            with member:
                lib = _extract_to(entry, member, temps)
    except zipfile.BadZipFile as exc:
        raise DownloadError("%s is not a valid wheel (%s)" % (redact(url), exc)) from exc
    return lib, {"source": "wheel", "url": redact(url), "archive_sha256": digest}


def _fetch_release(plat: Platform, entry: Path, progress: Optional[bool],
                   temps: List[Path]) -> Fetched:
    archive = plat.release_archive
    if archive is None:
        raise UnsupportedPlatformError("no Wasmtime C-API release archive for %s" % plat.tag)
    full_url = release_url().rstrip("/") + "/" + archive
    url = redact(full_url)
    suffix = ".zip" if archive.endswith(".zip") else ".tar.xz"
    with _tmpfile(entry, suffix) as f:
        temps.append(Path(f.name))
        digest = _download(Http(credentials_from=full_url), full_url, f, archive,
                           entry / plat.libname, progress)
    want = (os.environ.get("CWASMTIME_SHA256") or "").strip().lower()
    if want and digest != want:
        raise ChecksumError(
            "checksum mismatch for %s: sha256 %s, but CWASMTIME_SHA256 is %s (nothing was "
            "cached)" % (url, digest, want))
    archive_path = temps[-1]
    member = plat.release_member
    suffix_name = "/lib/" + plat.libname
    try:
        if suffix == ".zip":
            import zipfile
            with zipfile.ZipFile(archive_path) as z:
                names = z.namelist()
                name = member if member in names else next(
                    (n for n in names if n.endswith(suffix_name)), None)
                if name is None:
                    raise DownloadError("%s has no member %s" % (url, member))
                with z.open(name) as src:
                    lib = _extract_to(entry, src, temps)
        else:
            import tarfile
            with tarfile.open(str(archive_path), "r:xz") as t:
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
                    lib = _extract_to(entry, extracted, temps)
    except DownloadError:
        raise
    except Exception as exc:  # tarfile/zipfile/lzma errors on a bad archive
        raise DownloadError("%s is not a valid archive (%s)" % (url, exc)) from exc
    return lib, {"source": "release", "url": url, "archive_sha256": digest}


def _offline_hint(root: Path) -> str:
    return ("set CWASMTIME_LIBRARY=/path/to/libwasmtime (a Wasmtime %s library), or "
            "CWASMTIME_INDEX_URL (or pip's index-url) to a reachable package index mirror, "
            "or run `python -m cwasmtime fetch` on a connected machine with "
            "CWASMTIME_CACHE_DIR=<dir> and copy <dir> to %s here (or point "
            "CWASMTIME_CACHE_DIR at it)." % (WASMTIME_VERSION, root))


def _install(plat: Platform, entry: Path, fetched: Fetched) -> LibraryInfo:
    """Check the extracted library, then move it and its sidecar into *entry*."""
    lib_tmp, meta = fetched
    version = check_version(lib_tmp.path, "the library in %s" % meta["url"],
                            "nothing was cached")
    os.chmod(str(lib_tmp.path), 0o755)
    lib = entry / plat.libname
    # Library first, then the sidecar that marks the entry complete.
    with contextlib.suppress(OSError):
        os.unlink(sidecar_path(lib))
    os.replace(str(lib_tmp.path), str(lib))
    st = os.stat(lib)
    write_sidecar(lib, dict(
        format=SIDECAR_FORMAT, sha256=lib_tmp.sha256, size=st.st_size,
        version=".".join(map(str, version)), platform=plat.tag, stamp=file_stamp(st),
        fetched_at=datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        **meta))
    return LibraryInfo(str(lib), "download", lib_tmp.sha256, version, plat.tag, meta["url"],
                       str(entry))


def _fetch_into(plat: Platform, root: Path, entry: Path, progress: Optional[bool]) -> LibraryInfo:
    """Download, verify and install the library into *entry* (the lock is held)."""
    errors: List[LibraryError] = []
    fetchers: Tuple[Fetcher, ...] = (_fetch_wheel, _fetch_release)
    for fetcher in fetchers:
        temps: List[Path] = []
        try:
            return _install(plat, entry, fetcher(plat, entry, progress, temps))
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
    index = configured_index()
    raise cls(
        "cwasmtime: could not get the Wasmtime %s library for %s.\n"
        "  - wasmtime-py %s wheel from the index %s (%s): %s\n"
        "  - Wasmtime C-API release archive (fallback): %s\n"
        "To fix: %s"
        % (WASMTIME_VERSION, plat.tag, WASMTIME_PY_VERSION, redact(index.url), index.source,
           primary, secondary, _offline_hint(root))) from primary


# ---------------------------------------------------------------------------
# The cache directory and its lock
# ---------------------------------------------------------------------------

def fallback_cache_root() -> Path:
    """Per-user cache under the temp dir, used when cache_root() is unwritable."""
    getuid = getattr(os, "getuid", None)  # POSIX only
    if getuid is not None:
        user = str(getuid())
    else:
        user = re.sub(r"[^A-Za-z0-9_.-]", "_", os.environ.get("USERNAME", "user"))
    return Path(tempfile.gettempdir()) / ("cwasmtime-cache-" + user)


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


def _select_entry(plat: Platform) -> Tuple[Path, Path, Path]:
    """(root, entry dir, lock path): the configured cache, else the temp fallback."""
    root = Path(cache_root())
    entry = Path(cache_entry_dir(root, plat))
    try:
        return root, entry, _prepare_dir(entry)
    except OSError as exc:
        first = exc
    fallback = fallback_cache_root()
    fentry = Path(cache_entry_dir(fallback, plat))
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
        % (entry, first, fentry), CacheDirWarning, stacklevel=4)
    return fallback, fentry, lock


def fetch_locked(plat: Platform, *, progress: Optional[bool], force: bool, verify: bool,
                 problem: Optional[str]) -> LibraryInfo:
    """:func:`cwasmtime._library.fetch` after a cache miss: take the lock, look again,
    download. *problem* says why the cached copy was unusable, if it was."""
    root, entry, lock = _select_entry(plat)
    lib = entry / plat.libname
    with _file_lock(lock):
        if not force:
            # Another process may have fetched while we waited for the lock.
            hit, found = look_up(lib, plat, verify)
            if hit is not None:
                return hit
            if found:
                problem = found
                # Never leave an unverifiable library behind, even if the refetch fails.
                for p in (sidecar_path(lib), lib):
                    with contextlib.suppress(OSError):
                        os.unlink(p)
        _remove_stale_temps(entry)
        try:
            return _fetch_into(plat, root, entry, progress)._replace(replaced=problem)
        except LibraryError as exc:
            if problem:
                raise type(exc)("%s\n(%s.)" % (exc, problem)) from exc
            raise
