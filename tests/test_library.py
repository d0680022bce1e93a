"""Tests of cwasmtime._library and cwasmtime._download (library acquisition), and of
`python -m cwasmtime fetch/info`.

Everything talks to a stdlib HTTP server (or a silent socket) on 127.0.0.1 started
here, except test_real_fetch_from_pypi, which fetches the real pinned wheel from pypi.org.
"""
from __future__ import annotations

import base64
import collections
import hashlib
import http.server
import io
import json
import os
import socket
import subprocess
import sys
import tarfile
import tempfile
import threading
import time
import warnings
import zipfile
from pathlib import Path

import pytest

import cwasmtime
from cwasmtime import _download as D, _library as L, _pipconfig

PLAT = L.current_platform()
PKG_PARENT = str(Path(L.__file__).resolve().parents[1])  # for PYTHONPATH of children


def fake_library(version: str = "50_0_0", size: int = 300_000) -> bytes:
    # The version marker is what the check looks for, wherever it is in the file.
    head = b"\x7fELF fake libwasmtime\0"
    marker = b"\0resolve_vmctx_memory_ptr_%s\0set_vmctx_memory_%s\0" % (
        version.encode(), version.encode())
    return head + os.urandom(size // 2) + marker + os.urandom(size // 2)


def build_wheel(lib: bytes) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("wasmtime/__init__.py", "")
        z.writestr(PLAT.wheel_member, lib)
        z.writestr("wasmtime-50.0.1.dist-info/WHEEL", "Wheel-Version: 1.0\n")
    return buf.getvalue()


def build_release_archive(lib: bytes) -> bytes:
    top = "wasmtime-v%s-%s-c-api" % (L.WASMTIME_VERSION, RELEASE_BUILD)
    files = {top + "/include/wasmtime.h": b"/* header */\n",
             top + "/lib/libwasmtime.a": b"!<arch>\n",
             top + "/lib/" + PLAT.libname: lib}
    buf = io.BytesIO()
    if RELEASE_ARCHIVE.endswith(".zip"):
        with zipfile.ZipFile(buf, "w") as z:
            for name, data in files.items():
                z.writestr(name, data)
    else:
        with tarfile.open(fileobj=buf, mode="w:xz") as t:
            for name, data in files.items():
                ti = tarfile.TarInfo(name)
                ti.size = len(data)
                t.addfile(ti, io.BytesIO(data))
    return buf.getvalue()


class Route:
    def __init__(self, body: bytes, status: int = 200, delay: float = 0.0,
                 truncate: bool = False, content_type: str = "application/octet-stream",
                 stall: float = 0.0):
        self.body, self.status, self.delay = body, status, delay
        self.truncate, self.content_type = truncate, content_type
        self.stall = stall  # seconds to pause after sending half of the body


class FakeServer:
    """A tiny index + file server; counts requests per path."""

    def __init__(self):
        self.routes = {}
        self.counts = collections.Counter()
        self.events = []  # (path, "start"|"end", time)
        self.user_agents = []
        self.authorizations = []  # (path, Authorization header or None)
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                path = self.path.split("?")[0]
                outer.counts[path] += 1
                outer.user_agents.append(self.headers.get("User-Agent", ""))
                outer.authorizations.append((path, self.headers.get("Authorization")))
                outer.events.append((path, "start", time.time()))
                route = outer.routes.get(path)
                if route is None:
                    self.send_error(404)
                    return
                time.sleep(route.delay)
                self.send_response(route.status)
                self.send_header("Content-Type", route.content_type)
                extra = 100_000 if route.truncate else 0
                self.send_header("Content-Length", str(len(route.body) + extra))
                self.end_headers()
                body = route.body[: len(route.body) // 2] if route.truncate else route.body
                if route.stall:
                    half = len(body) // 2
                    self.wfile.write(body[:half])
                    self.wfile.flush()
                    outer.events.append((path, "stalled", time.time()))
                    time.sleep(route.stall)
                    body = body[half:]
                try:
                    self.wfile.write(body)
                    self.wfile.flush()
                except (BrokenPipeError, ConnectionResetError):  # the client went away
                    return
                outer.events.append((path, "end", time.time()))
                self.close_connection = True

            def log_message(self, *args):
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = "http://127.0.0.1:%d" % self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, args=(0.05,), daemon=True)
        self.thread.start()

    def total(self) -> int:
        return sum(self.counts.values())

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


WHEEL_PATH = "/files/ab/cd/%s" % PLAT.wheel_filename
INDEX_PAGE = "/simple/wasmtime/"
# (linux-musl-aarch64 has no release archive upstream: the tests give it a stand-in name)
RELEASE_BUILD = PLAT.release_build or "aarch64-musl"
RELEASE_ARCHIVE = "wasmtime-v%s-%s-c-api%s" % (
    L.WASMTIME_VERSION, RELEASE_BUILD, ".zip" if PLAT.os == "win32" else ".tar.xz")
RELEASE_PATH = "/release/" + RELEASE_ARCHIVE


def index_html(wheel_sha: str) -> bytes:
    links = [
        # decoys: other versions / platforms
        '<a href="../../files/00/wasmtime-49.0.0-py3-none-%s.whl">wasmtime-49.0.0-py3-none-%s.whl</a>'
        % (PLAT.wheel_tag, PLAT.wheel_tag),
        '<a href="../../files/00/wasmtime-50.0.1-py3-none-any.whl">wasmtime-50.0.1-py3-none-any.whl</a>',
        # the one: relative, with a hash fragment to strip
        '<a href="../../files/ab/cd/%s#sha256=%s" data-requires-python="&gt;=3.9">%s</a>'
        % (PLAT.wheel_filename, wheel_sha, PLAT.wheel_filename),
    ]
    return ("<!DOCTYPE html><html><body><h1>Links for wasmtime</h1>\n%s\n</body></html>"
            % "<br/>\n".join(links)).encode()


class Env:
    def __init__(self, server, tmp_path, dead_url):
        self.server = server
        self.lib = fake_library()
        self.wheel = build_wheel(self.lib)
        self.wheel_sha = hashlib.sha256(self.wheel).hexdigest()
        self.archive = build_release_archive(self.lib)
        self.cache = tmp_path / "cache"
        self.dead_url = dead_url
        self.entry = self.cache / L.WASMTIME_VERSION / PLAT.tag
        server.routes[INDEX_PAGE] = Route(index_html(self.wheel_sha), content_type="text/html")
        server.routes[WHEEL_PATH] = Route(self.wheel)
        server.routes[RELEASE_PATH] = Route(self.archive)
        self.vars = {
            "CWASMTIME_INDEX_URL": server.url + "/simple/",
            "CWASMTIME_CACHE_DIR": str(self.cache),
            "CWASMTIME_RELEASE_URL": dead_url + "/release/",
            "no_proxy": "127.0.0.1,localhost", "NO_PROXY": "127.0.0.1,localhost",
        }

    @property
    def cached_lib(self) -> Path:
        return self.entry / PLAT.libname

    def files_in_cache(self):
        """Every file in the cache except the lock file(s)."""
        if not self.cache.exists():
            return []
        return sorted(str(p.relative_to(self.cache)) for p in self.cache.rglob("*")
                      if p.is_file() and p.name != ".lock")

    def child_env(self, **extra):
        env = dict(os.environ)
        for k in ("CWASMTIME_LIBRARY", "CWASMTIME_SHA256", "http_proxy", "https_proxy",
                  "HTTP_PROXY", "HTTPS_PROXY"):
            env.pop(k, None)
        env.update(self.vars)
        env["PYTHONPATH"] = PKG_PARENT + os.pathsep + env.get("PYTHONPATH", "")
        env.update(extra)
        return env


@pytest.fixture
def dead_url():
    # A bound but not listening socket: connections to it are refused.
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    yield "http://127.0.0.1:%d" % s.getsockname()[1]
    s.close()


@pytest.fixture
def server():
    srv = FakeServer()
    yield srv
    srv.close()


@pytest.fixture
def env(server, tmp_path, dead_url, monkeypatch):
    e = Env(server, tmp_path, dead_url)
    for k in ("CWASMTIME_LIBRARY", "CWASMTIME_SHA256"):
        monkeypatch.delenv(k, raising=False)
    for k, v in e.vars.items():
        monkeypatch.setenv(k, v)
    monkeypatch.setitem(L.WHEELS, PLAT.tag, (PLAT.wheel_tag, e.wheel_sha))
    monkeypatch.setitem(L.RELEASE_BUILDS, PLAT.tag, RELEASE_BUILD)
    return e


# -- pure helpers -----------------------------------------------------------------

def test_library_version_scan(tmp_path):
    p = tmp_path / "lib"
    p.write_bytes(fake_library("50_0_0"))
    assert L.library_version(p) == (50, 0, 0)
    # Mach-O symbol names carry a leading underscore
    p.write_bytes(b"\xcf\xfa\xed\xfe...\0_resolve_vmctx_memory_ptr_50_0_3\0")
    assert L.library_version(p) == (50, 0, 3)
    p.write_bytes(b"")
    assert L.library_version(p) is None
    p.write_bytes(b"no marker here resolve_vmctx_memory_ptr\0")
    assert L.library_version(p) is None
    assert L.library_version(tmp_path / "missing") is None


def test_platform_detection():
    linux_musl = L.current_platform("linux", "x86_64", musl=True)
    assert linux_musl.tag == "linux-musl-x86_64"
    assert linux_musl.wheel_filename == "wasmtime-50.0.1-py3-none-musllinux_1_2_x86_64.whl"
    assert linux_musl.wheel_member == "wasmtime/linux-x86_64/_libwasmtime.so"
    gnu_arm = L.current_platform("linux", "aarch64", musl=False)
    assert gnu_arm.wheel_tag == "manylinux2014_aarch64"
    assert gnu_arm.release_archive == "wasmtime-v50.0.0-aarch64-linux-c-api.tar.xz"
    assert gnu_arm.release_member == "wasmtime-v50.0.0-aarch64-linux-c-api/lib/libwasmtime.so"
    win = L.current_platform("win32", "AMD64")
    assert (win.tag, win.libname) == ("win32-x86_64", "wasmtime.dll")
    assert win.wheel_member == "wasmtime/win32-x86_64/_wasmtime.dll"
    assert win.release_archive == "wasmtime-v50.0.0-x86_64-windows-c-api.zip"
    mac = L.current_platform("darwin", "arm64")
    assert mac.wheel_member == "wasmtime/darwin-aarch64/_libwasmtime.dylib"
    assert mac.wheel_tag == "macosx_11_0_arm64"
    assert L.current_platform("linux", "aarch64", musl=True).release_archive is None
    with pytest.raises(L.UnsupportedPlatformError, match="CWASMTIME_LIBRARY"):
        L.current_platform("linux", "riscv64", musl=False)
    with pytest.raises(L.UnsupportedPlatformError):
        L.current_platform("freebsd14", "x86_64")
    # every pinned wheel is a real sha256
    assert all(len(sha) == 64 and int(sha, 16) >= 0 for _, sha in L.WHEELS.values())


def test_cache_root(monkeypatch, tmp_path):
    monkeypatch.delenv("CWASMTIME_CACHE_DIR", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert Path(L.cache_root("linux")) == tmp_path / "xdg" / "cwasmtime"
    monkeypatch.delenv("XDG_CACHE_HOME")
    assert Path(L.cache_root("linux")) == Path.home() / ".cache" / "cwasmtime"
    assert Path(L.cache_root("darwin")) == Path.home() / "Library" / "Caches" / "cwasmtime"
    monkeypatch.setenv("LOCALAPPDATA", str(tmp_path / "local"))
    assert Path(L.cache_root("win32")) == tmp_path / "local" / "cwasmtime" / "Cache"
    monkeypatch.setenv("CWASMTIME_CACHE_DIR", str(tmp_path / "c"))
    assert Path(L.cache_root("linux")) == tmp_path / "c"


# -- download from the (fake) index -------------------------------------------------

def test_happy_path(env, server):
    info = L.resolve(progress=False)
    assert info.source == "download"
    assert Path(info.path) == env.cached_lib
    assert env.cached_lib.read_bytes() == env.lib
    assert info.version == (50, 0, 0)
    assert info.sha256 == hashlib.sha256(env.lib).hexdigest()
    assert info.origin == server.url + WHEEL_PATH  # relative link resolved, fragment gone
    side = json.loads((env.entry / (PLAT.libname + ".json")).read_text())
    assert side["sha256"] == info.sha256 and side["source"] == "wheel"
    assert side["archive_sha256"] == env.wheel_sha and side["url"] == info.origin
    assert side["version"] == "50.0.0" and side["platform"] == PLAT.tag
    assert env.files_in_cache() == sorted([
        "%s/%s/%s" % (L.WASMTIME_VERSION, PLAT.tag, PLAT.libname),
        "%s/%s/%s.json" % (L.WASMTIME_VERSION, PLAT.tag, PLAT.libname)])
    assert server.counts[WHEEL_PATH] == 1
    assert server.user_agents and all(ua.startswith("cwasmtime/") for ua in server.user_agents)


def test_cache_hit_makes_no_request(env, server):
    L.resolve(progress=False)
    server.counts.clear()
    info = L.resolve(progress=False)
    assert info.source == "cache"
    assert info.origin == server.url + WHEEL_PATH
    assert info.sha256 == hashlib.sha256(env.lib).hexdigest()
    assert server.total() == 0


def test_sha256_mismatch(env, server, monkeypatch):
    monkeypatch.setitem(L.WHEELS, PLAT.tag, (PLAT.wheel_tag, "0" * 64))
    with pytest.raises(L.ChecksumError) as ei:
        L.resolve(progress=False)
    msg = str(ei.value)
    assert "checksum mismatch" in msg and env.wheel_sha in msg and "0" * 64 in msg
    assert "nothing was cached" in msg
    assert server.counts[WHEEL_PATH] == 1
    assert env.files_in_cache() == []


def test_truncated_download(env, server):
    server.routes[WHEEL_PATH].truncate = True
    with pytest.raises(L.TruncatedDownloadError) as ei:
        L.resolve(progress=False)
    assert "truncated" in str(ei.value) or "broke off" in str(ei.value)
    assert server.counts[WHEEL_PATH] == 1
    assert env.files_in_cache() == []


def test_server_down(env, monkeypatch, dead_url):
    monkeypatch.setenv("CWASMTIME_INDEX_URL", dead_url + "/simple/")
    with pytest.raises(L.OfflineError) as ei:
        L.resolve(progress=False)
    msg = str(ei.value)
    assert "could not reach " + dead_url + "/simple/" in msg
    for needed in ("CWASMTIME_LIBRARY=", "CWASMTIME_INDEX_URL", "python -m cwasmtime fetch",
                   "CWASMTIME_CACHE_DIR", str(env.cache)):
        assert needed in msg
    assert isinstance(ei.value, L.LibraryError) and isinstance(ei.value, RuntimeError)
    assert env.files_in_cache() == []


def test_missing_wheel_link_and_http_error(env, server):
    server.routes[INDEX_PAGE] = Route(b"<html><a href='x.whl'>x.whl</a></html>",
                                      content_type="text/html")
    with pytest.raises(L.DownloadError, match="lists no " + PLAT.wheel_filename):
        L.resolve(progress=False)
    del server.routes[INDEX_PAGE]
    with pytest.raises(L.DownloadError, match="HTTP 404"):
        L.resolve(progress=False)
    assert env.files_in_cache() == []


CHILD = r"""
import json, sys, time
start = time.time()
import cwasmtime._library as L
L.WHEELS[sys.argv[1]] = (sys.argv[2], sys.argv[3])
info = L.resolve(progress=False)
print(json.dumps({"start": start, "path": info.path, "source": info.source}))
"""


def test_two_processes_one_download(env, server):
    server.routes[WHEEL_PATH].delay = 1.0
    args = [sys.executable, "-c", CHILD, PLAT.tag, PLAT.wheel_tag, env.wheel_sha]
    procs = [subprocess.Popen(args, env=env.child_env(), stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE) for _ in range(2)]
    outs = [p.communicate(timeout=60) for p in procs]
    for p, (out, err) in zip(procs, outs):
        assert p.returncode == 0, err.decode()
    results = [json.loads(out) for out, _ in outs]
    assert server.counts[WHEEL_PATH] == 1
    assert {r["path"] for r in results} == {str(env.cached_lib)}
    assert sorted(r["source"] for r in results) == ["cache", "download"]
    # both had started before the one download finished: the second waited on the lock
    done = [t for path, what, t in server.events if path == WHEEL_PATH and what == "end"]
    assert max(r["start"] for r in results) < done[0]
    assert env.cached_lib.read_bytes() == env.lib
    assert not list(env.entry.glob(".tmp-*"))


def test_download_killed_midway(env, server):
    """A fetch killed in the middle of the download leaves nothing that passes for a
    library: the next resolve downloads again and gets a verified one."""
    server.routes[WHEEL_PATH].stall = 30.0
    args = [sys.executable, "-c", CHILD, PLAT.tag, PLAT.wheel_tag, env.wheel_sha]
    child = subprocess.Popen(args, env=env.child_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.time() + 30
    while not any(what == "stalled" for _, what, _ in server.events):
        assert time.time() < deadline and child.poll() is None, child.stderr.read().decode()
        time.sleep(0.05)
    child.kill()
    child.wait(10)
    assert not env.cached_lib.exists()
    server.routes[WHEEL_PATH].stall = 0.0
    info = L.resolve(progress=False)
    assert (info.path, info.source) == (str(env.cached_lib), "download")
    assert env.cached_lib.read_bytes() == env.lib
    assert not list(env.entry.glob(".tmp-*"))


# -- CWASMTIME_LIBRARY ----------------------------------------------------------

def test_env_override(env, server, tmp_path, monkeypatch):
    good = tmp_path / "my" / "libwasmtime.so"
    good.parent.mkdir()
    good.write_bytes(fake_library("50_0_0"))
    monkeypatch.setenv("CWASMTIME_LIBRARY", str(good))
    info = L.resolve()
    assert (info.path, info.source, info.version) == (str(good), "env", (50, 0, 0))
    assert server.total() == 0 and env.files_in_cache() == []

    wrong = tmp_path / "libwasmtime49.so"
    wrong.write_bytes(fake_library("49_0_0"))
    monkeypatch.setenv("CWASMTIME_LIBRARY", str(wrong))
    with pytest.raises(L.WrongVersionError) as ei:
        L.resolve()
    assert "49.0.0" in str(ei.value) and "wrong struct layouts" in str(ei.value)
    assert str(ei.value).count(str(wrong)) == 1
    assert str(ei.value).startswith(
        "cwasmtime: CWASMTIME_LIBRARY=%s is Wasmtime 49.0.0, but " % wrong)

    unmarked = tmp_path / "libother.so"
    unmarked.write_bytes(b"\x7fELF nothing to see")
    monkeypatch.setenv("CWASMTIME_LIBRARY", str(unmarked))
    with pytest.raises(L.WrongVersionError, match="exports no resolve_vmctx_memory_ptr"):
        L.resolve()

    monkeypatch.setenv("CWASMTIME_LIBRARY", str(tmp_path / "nope.so"))
    with pytest.raises(L.LibraryNotFoundError, match="does not exist"):
        L.resolve()
    assert server.total() == 0


def test_downloaded_wrong_version_refused(env, server, monkeypatch):
    bad = build_wheel(fake_library("51_0_0"))
    server.routes[WHEEL_PATH] = Route(bad)
    monkeypatch.setitem(L.WHEELS, PLAT.tag, (PLAT.wheel_tag, hashlib.sha256(bad).hexdigest()))
    with pytest.raises(L.WrongVersionError, match="51.0.0"):
        L.resolve(progress=False)
    assert env.files_in_cache() == []


# -- release archive fallback ---------------------------------------------------------

def test_release_archive_fallback(env, server, monkeypatch, dead_url):
    monkeypatch.setenv("CWASMTIME_INDEX_URL", dead_url + "/simple/")
    monkeypatch.setenv("CWASMTIME_RELEASE_URL", server.url + "/release")
    info = L.resolve(progress=False)
    assert info.source == "download" and info.origin == server.url + RELEASE_PATH
    assert env.cached_lib.read_bytes() == env.lib
    side = L.read_sidecar(env.cached_lib)
    assert side["source"] == "release"
    assert side["archive_sha256"] == hashlib.sha256(env.archive).hexdigest()
    assert server.counts[RELEASE_PATH] == 1


def test_release_archive_sha256_pin(env, server, monkeypatch, dead_url):
    monkeypatch.setenv("CWASMTIME_INDEX_URL", dead_url + "/simple/")
    monkeypatch.setenv("CWASMTIME_RELEASE_URL", server.url + "/release/")
    monkeypatch.setenv("CWASMTIME_SHA256", "f" * 64)
    with pytest.raises(L.ChecksumError) as ei:
        L.resolve(progress=False)
    assert "CWASMTIME_SHA256" in str(ei.value) and "could not reach" in str(ei.value)
    assert env.files_in_cache() == []
    monkeypatch.setenv("CWASMTIME_SHA256", hashlib.sha256(env.archive).hexdigest().upper())
    info = L.resolve(progress=False)
    assert info.source == "download" and Path(info.path).read_bytes() == env.lib
    assert server.counts[RELEASE_PATH] == 2


def test_release_archive_bad_member(env, server, monkeypatch):
    # the index's wheel fails the checksum, the archive lacks the library: both reported
    monkeypatch.setitem(L.WHEELS, PLAT.tag, (PLAT.wheel_tag, "0" * 64))
    monkeypatch.setenv("CWASMTIME_RELEASE_URL", server.url + "/release/")
    server.routes[RELEASE_PATH] = Route(b"not an archive at all")
    with pytest.raises(L.ChecksumError) as ei:
        L.resolve(progress=False)
    assert "not a valid archive" in str(ei.value) and "checksum mismatch" in str(ei.value)
    assert env.files_in_cache() == []


# -- cache integrity and location -------------------------------------------------

def test_corrupted_cache_refetched(env, server, monkeypatch, dead_url):
    L.resolve(progress=False)
    data = bytearray(env.cached_lib.read_bytes())
    data[10] ^= 0xFF
    env.cached_lib.write_bytes(bytes(data))
    info = L.resolve(progress=False)
    assert info.source == "download"
    assert env.cached_lib.read_bytes() == env.lib
    assert server.counts[WHEEL_PATH] == 2

    # corrupted again, and now offline: a clear error, and the bad file is gone
    env.cached_lib.write_bytes(bytes(data))
    monkeypatch.setenv("CWASMTIME_INDEX_URL", dead_url + "/simple/")
    with pytest.raises(L.OfflineError) as ei:
        L.resolve(progress=False)
    assert "does not match the sidecar" in str(ei.value)
    assert env.files_in_cache() == []


def test_missing_sidecar_refetched(env, server):
    L.resolve(progress=False)
    (env.entry / (PLAT.libname + ".json")).unlink()
    info = L.resolve(progress=False)
    assert info.source == "download" and server.counts[WHEEL_PATH] == 2


def test_unwritable_cache_falls_back(env, server, tmp_path, monkeypatch):
    afile = tmp_path / "afile"
    afile.write_text("I am a file")
    monkeypatch.setenv("CWASMTIME_CACHE_DIR", str(afile / "cache"))
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(tmp))
    with pytest.warns(L.CacheDirWarning, match="not writable"):
        info = L.resolve(progress=False)
    assert Path(info.path).is_relative_to(D.fallback_cache_root())
    assert D.fallback_cache_root().parent == tmp
    assert Path(info.path).read_bytes() == env.lib
    # next time: found in the fallback cache, without a download
    with pytest.warns(L.CacheDirWarning):
        again = L.resolve(progress=False)
    assert again.source == "cache" and server.counts[WHEEL_PATH] == 1

    # the fallback unwritable too: a clear error
    monkeypatch.setattr(tempfile, "tempdir", str(afile / "tmp"))
    with pytest.raises(L.CacheDirError, match="CWASMTIME_CACHE_DIR"):
        L.resolve(progress=False)


def test_read_only_valid_cache_needs_no_write(env, server, monkeypatch):
    L.resolve(progress=False)
    # a populated cache is used even when it cannot be written (e.g. a shared image)
    def read_only(entry):
        raise OSError("read-only file system")

    monkeypatch.setattr(D, "_prepare_dir", read_only)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        info = L.resolve(progress=False)
    assert info.source == "cache"


def test_stale_temp_files_removed(env):
    env.entry.mkdir(parents=True)
    (env.entry / ".tmp-leftover.whl").write_bytes(b"partial")
    L.resolve(progress=False)
    assert not list(env.entry.glob(".tmp-*"))


# -- the stamp: a cache hit hashes nothing -----------------------------------------

def forbid(monkeypatch, *names):
    """Make these _library functions fail the test if called."""
    for name in names:
        def called(*args, _name=name, **kwargs):
            raise AssertionError("%s was called" % _name)
        monkeypatch.setattr(L, name, called)


def test_download_records_a_stamp(env):
    info = L.resolve(progress=False)
    st = os.stat(info.path)
    side = L.read_sidecar(info.path)
    assert side["format"] == 2
    assert side["stamp"] == {"size": st.st_size, "mtime_ns": st.st_mtime_ns,
                             "ino": st.st_ino, "dev": st.st_dev}


def test_cache_hit_trusts_the_stamp(env, monkeypatch):
    L.resolve(progress=False)
    forbid(monkeypatch, "sha256_file", "library_version")
    info = L.resolve(progress=False)
    assert info.source == "cache" and info.version == (50, 0, 0)
    assert info.sha256 == hashlib.sha256(env.lib).hexdigest()


def count_hashes(monkeypatch):
    calls = []
    real = L.sha256_file
    monkeypatch.setattr(L, "sha256_file", lambda path: calls.append(path) or real(path))
    return calls


def test_changed_stamp_rehashes_once_then_restamps(env, server, monkeypatch):
    L.resolve(progress=False)
    os.utime(env.cached_lib, ns=(0, 10**18))  # same bytes, another mtime
    calls = count_hashes(monkeypatch)
    assert L.resolve(progress=False).source == "cache"
    assert len(calls) == 1 and server.counts[WHEEL_PATH] == 1
    assert L.read_sidecar(env.cached_lib)["stamp"]["mtime_ns"] == 10**18
    assert L.resolve(progress=False).source == "cache"
    assert len(calls) == 1  # stamped again: no second hash
    assert not list(env.entry.glob(".tmp-*"))


def test_old_format_sidecar_is_hashed_once_and_stamped(env, server, monkeypatch):
    L.resolve(progress=False)
    side = L.read_sidecar(env.cached_lib)
    del side["stamp"]
    side["format"] = 1
    Path(L.sidecar_path(env.cached_lib)).write_text(json.dumps(side))
    calls = count_hashes(monkeypatch)
    assert L.resolve(progress=False).source == "cache"
    assert L.resolve(progress=False).source == "cache"
    assert len(calls) == 1 and server.counts[WHEEL_PATH] == 1
    upgraded = L.read_sidecar(env.cached_lib)
    assert upgraded["format"] == 2 and upgraded["stamp"]["size"] == len(env.lib)
    assert {k: v for k, v in upgraded.items() if k not in ("stamp", "format")} == {
        k: v for k, v in side.items() if k != "format"}
    assert not list(env.entry.glob(".tmp-*"))


def test_corruption_under_an_intact_stamp_needs_verify(env, server, monkeypatch):
    L.resolve(progress=False)
    st = os.stat(env.cached_lib)
    with open(env.cached_lib, "r+b") as f:  # bit rot: same size, inode, and mtime
        f.seek(100)
        f.write(bytes([env.lib[100] ^ 0xFF]))
    os.utime(env.cached_lib, ns=(st.st_atime_ns, st.st_mtime_ns))
    assert L.resolve(progress=False).source == "cache"  # the stamp is trusted...
    info = L.resolve(progress=False, verify=True)        # ...until a full verify
    assert info.source == "download" and server.counts[WHEEL_PATH] == 2
    assert "does not match the sidecar" in info.replaced
    assert env.cached_lib.read_bytes() == env.lib


def test_cli_info_verify(env, server):
    r = run_cli(env, "info", "--verify")
    assert r.returncode == 0, r.stderr
    assert "verified: sha256 and version checked just now\n" in r.stdout
    st = os.stat(env.cached_lib)
    with open(env.cached_lib, "r+b") as f:
        f.seek(100)
        f.write(bytes([env.lib[100] ^ 0xFF]))
    os.utime(env.cached_lib, ns=(st.st_atime_ns, st.st_mtime_ns))
    r = run_cli(env, "info", "--verify")
    assert r.returncode == 0, r.stderr
    assert "source: downloaded now\n" in r.stdout
    assert "replaced: the cached library %s was unusable: its sha256 " % env.cached_lib in r.stdout
    assert "sha256: %s\n" % hashlib.sha256(env.lib).hexdigest() in r.stdout
    assert server.counts[WHEEL_PATH] == 2


DOWNLOAD_MODULES = ("http", "ssl", "email", "urllib.request", "html", "hashlib", "tempfile",
                    "cwasmtime._download", "zipfile", "tarfile")


def test_cache_hit_imports_no_download_code(env):
    L.resolve(progress=False)
    r = subprocess.run([sys.executable, "-X", "importtime", "-c",
                        "import cwasmtime._library as L; assert L.resolve().source == 'cache'"],
                       env=env.child_env(), capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    imported = {line.rsplit("|", 1)[1].strip() for line in r.stderr.splitlines()
                if line.startswith("import time:") and "|" in line}
    assert "cwasmtime._library" in imported
    assert not {m for m in imported if m.split(".")[0] in DOWNLOAD_MODULES
                or m in DOWNLOAD_MODULES}, imported


# -- timeouts and retries ---------------------------------------------------------------

@pytest.fixture
def short_timeouts(monkeypatch):
    monkeypatch.setattr(D, "CONNECT_TIMEOUT", 0.5)
    monkeypatch.setattr(D, "READ_TIMEOUT", 1.0)
    monkeypatch.setattr(D, "RETRY_PAUSE", 0.1)


def count_connects(monkeypatch, fail_first=0):
    """Count TCP connection attempts; the first *fail_first* time out at once."""
    attempts = []
    real = socket.create_connection

    def connect(address, *args, **kwargs):
        attempts.append(address)
        if len(attempts) <= fail_first:
            raise TimeoutError("timed out")
        return real(address, *args, **kwargs)

    monkeypatch.setattr(socket, "create_connection", connect)
    return attempts


@pytest.fixture
def silent_url():
    """A server that accepts connections and never answers."""
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    s.listen(16)
    yield "http://127.0.0.1:%d" % s.getsockname()[1]
    s.close()


@pytest.fixture
def unaccepting_url():
    """A server whose accept queue is full: connecting never completes."""
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    s.listen(0)
    filler = socket.create_connection(s.getsockname())  # takes the only queue slot
    yield "http://127.0.0.1:%d" % s.getsockname()[1]
    filler.close()
    s.close()


@pytest.mark.parametrize("where, reason, connects", [
    ("silent_url", "connected, but no response within 1 s", 2),  # no retry: it connected
    ("unaccepting_url", "no connection within 0.5 s; tried 2 times", 4),
], ids=["silent", "unaccepting"])
def test_unresponsive_server_fails_fast(env, short_timeouts, request, monkeypatch, where,
                                        reason, connects):
    url = request.getfixturevalue(where)
    monkeypatch.setenv("CWASMTIME_INDEX_URL", url + "/simple/")
    monkeypatch.setenv("CWASMTIME_RELEASE_URL", url + "/release/")  # the fallback too
    attempts = count_connects(monkeypatch)
    start = time.monotonic()
    with pytest.raises(L.OfflineError) as ei:
        L.resolve(progress=False)
    assert time.monotonic() - start < 4  # seconds, where a silent server once cost 121
    assert "could not reach %s/simple/wasmtime/ (%s)" % (url, reason) in str(ei.value)
    assert len(attempts) == connects
    assert env.files_in_cache() == []


def test_failed_connection_is_retried(env, server, short_timeouts, monkeypatch):
    attempts = count_connects(monkeypatch, fail_first=1)
    info = L.resolve(progress=False)
    assert info.source == "download" and Path(info.path).read_bytes() == env.lib
    assert len(attempts) == 3  # index page: failed, then retried; wheel
    assert server.counts[INDEX_PAGE] == 1


def test_stall_mid_download_times_out(env, server, short_timeouts):
    server.routes[WHEEL_PATH].stall = 5.0
    start = time.monotonic()
    with pytest.raises(L.TruncatedDownloadError, match="broke off after"):
        L.resolve(progress=False)
    assert time.monotonic() - start < 4
    assert env.files_in_cache() == []


# -- which index: CWASMTIME_INDEX_URL > PIP_INDEX_URL > pip config > pypi.org -------------

@pytest.fixture
def pip_home(tmp_path, monkeypatch):
    """No pip configuration but what a test writes (HOME and XDG dirs in tmp_path)."""
    home = tmp_path / "home"
    home.mkdir()
    for var, value in (("HOME", home), ("XDG_CONFIG_HOME", home / ".config"),
                       ("XDG_CONFIG_DIRS", tmp_path / "etc-xdg")):
        monkeypatch.setenv(var, str(value))
    for var in ("PIP_INDEX_URL", "PIP_CONFIG_FILE", "CWASMTIME_INDEX_URL"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setattr(sys, "prefix", str(tmp_path / "prefix"))
    return tmp_path


def write_conf(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def test_index_precedence(pip_home, monkeypatch):
    assert D.configured_index() == (L.DEFAULT_INDEX_URL, "the default")
    site_wide = write_conf(pip_home / "etc-xdg" / "pip" / "pip.conf",
                           "[global]\nindex-url = https://site-wide/simple\n")
    assert D.configured_index() == ("https://site-wide/simple",
                                    "index-url in %s [global]" % site_wide)
    user = write_conf(pip_home / "home" / ".config" / "pip" / "pip.conf",
                      "[global]\nindex_url = https://user/simple\n")
    assert D.configured_index().url == "https://user/simple"  # later file, same section
    write_conf(site_wide, "[install]\nindex-url = https://site-wide-install/simple\n")
    assert D.configured_index() == ("https://site-wide-install/simple",
                                    "index-url in %s [install]" % site_wide)
    env_file = write_conf(pip_home / "env.conf", "[global]\nno-index = false\n")
    monkeypatch.setenv("PIP_CONFIG_FILE", str(env_file))  # an existing file: no user files
    assert _pipconfig.config_files()[-1] == str(env_file)
    assert str(user) not in _pipconfig.config_files()
    monkeypatch.setenv("PIP_CONFIG_FILE", os.devnull)
    assert D.configured_index().source == "the default"
    monkeypatch.setenv("PIP_INDEX_URL", "https://pip-env/simple")
    assert D.configured_index() == ("https://pip-env/simple", "PIP_INDEX_URL")
    monkeypatch.setenv("CWASMTIME_INDEX_URL", "https://ours/simple")
    assert D.configured_index() == ("https://ours/simple", "CWASMTIME_INDEX_URL")


def test_broken_pip_config_is_ignored(pip_home):
    write_conf(pip_home / "home" / ".pip" / "pip.conf", "this is [not an ini file\n")
    good = write_conf(pip_home / "prefix" / "pip.conf", "[global]\nindex-url=https://venv/s\n")
    assert D.configured_index() == ("https://venv/s", "index-url in %s [global]" % good)


def test_download_from_pip_configured_index(env, server, pip_home, monkeypatch):
    write_conf(pip_home / "home" / ".config" / "pip" / "pip.conf",
               "[global]\nindex-url = %s/simple/\n" % server.url)
    info = L.resolve(progress=False)
    assert info.source == "download" and info.origin == server.url + WHEEL_PATH


def test_offline_error_names_the_pip_index(env, pip_home, dead_url, monkeypatch):
    monkeypatch.setenv("PIP_INDEX_URL", dead_url + "/simple/")
    with pytest.raises(L.OfflineError) as ei:
        L.resolve(progress=False)
    assert "from the index %s/simple/ (PIP_INDEX_URL): could not reach" % dead_url \
        in str(ei.value)


def test_index_credentials_sent_to_its_host_only(env, server, monkeypatch, capsys):
    host = server.url.split("//", 1)[1]
    monkeypatch.setenv("CWASMTIME_INDEX_URL", "http://alice:s%%3Acret@%s/simple/" % host)
    info = L.resolve()
    expected = "Basic " + base64.b64encode(b"alice:s:cret").decode()
    assert server.authorizations == [(INDEX_PAGE, expected), (WHEEL_PATH, expected)]
    assert "s%3Acret" not in capsys.readouterr().err
    assert "cret" not in json.dumps(L.read_sidecar(info.path))
    assert D.redact("https://alice:pw@h/simple/") == "https://alice:****@h/simple/"
    assert D.redact("https://token@h/simple/") == "https://****@h/simple/"
    assert D.redact("https://h/simple/") == "https://h/simple/"


# -- the public names -------------------------------------------------------------------

ERROR_NAMES = ["LibraryError", "UnsupportedPlatformError", "WrongVersionError",
               "LibraryNotFoundError", "DownloadError", "OfflineError", "TruncatedDownloadError",
               "ChecksumError", "CacheDirError", "CacheDirWarning"]


def test_errors_are_public_and_lazy():
    code = ("import sys, cwasmtime\n"
            "assert 'cwasmtime._library' not in sys.modules\n"
            "from cwasmtime import %s\n"
            "assert 'cwasmtime._capi' not in sys.modules\n" % ", ".join(ERROR_NAMES))
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                       timeout=60, env=dict(os.environ, PYTHONPATH=PKG_PARENT))
    assert r.returncode == 0, r.stderr
    for name in ERROR_NAMES:
        assert getattr(cwasmtime, name) is getattr(L, name)
        assert name in dir(cwasmtime) and name not in cwasmtime.__all__
    assert issubclass(cwasmtime.OfflineError, cwasmtime.DownloadError)
    assert issubclass(cwasmtime.LibraryError, RuntimeError)


# -- what a download says on stderr ---------------------------------------------------

def notice(env, server) -> str:
    return "cwasmtime: downloading %s (0.3 MB) from %s to %s\n" % (
        PLAT.wheel_filename, server.url + WHEEL_PATH, env.cached_lib)


def test_one_line_without_tty(env, server, capsys):
    L.resolve()  # progress=None: auto, and captured stderr is not a TTY
    assert capsys.readouterr().err == notice(env, server)
    L.resolve()  # a cache hit says nothing
    assert capsys.readouterr().err == ""


def test_progress_renders_when_forced(env, server, capsys):
    L.resolve(progress=True)
    err = capsys.readouterr().err
    assert err.startswith(notice(env, server))
    bar = err[len(notice(env, server)):]
    assert "100%" in bar and "\r" in bar and bar.endswith("\n") and bar.count("\n") == 1


# -- the CLI -------------------------------------------------------------------------

CLI = r"""
import runpy, sys
import cwasmtime._library as L
L.WHEELS[sys.argv[1]] = (sys.argv[2], sys.argv[3])
sys.argv = ["cwasmtime"] + sys.argv[4:]
runpy.run_module("cwasmtime", run_name="__main__", alter_sys=True)
"""


def run_cli(env, *args, **extra_env):
    return subprocess.run(
        [sys.executable, "-c", CLI, PLAT.tag, PLAT.wheel_tag, env.wheel_sha, *args],
        env=env.child_env(**extra_env), capture_output=True, text=True, timeout=60)


def test_cli_info_and_fetch(env, server, tmp_path):
    r = run_cli(env, "info")
    assert r.returncode == 0, r.stderr
    out = r.stdout
    sha = hashlib.sha256(env.lib).hexdigest()
    assert "cwasmtime version: " in out
    assert "wasmtime version (pinned): 50.0.0" in out
    assert "platform: %s\n" % PLAT.tag in out
    assert "library: %s\n" % env.cached_lib in out
    assert "source: downloaded now\n" in out
    assert "sha256: %s\n" % sha in out
    assert "library reports: Wasmtime 50.0.0\n" in out
    assert r.stderr == notice(env, server)  # not a TTY: one line, no progress bar

    r = run_cli(env, "info")
    assert "source: cache\n" in r.stdout and "origin: " + server.url + WHEEL_PATH in r.stdout
    assert "verified" not in r.stdout and r.stderr == ""

    r = run_cli(env, "fetch")
    assert r.returncode == 0 and "already cached: %s" % env.cached_lib in r.stdout
    r = run_cli(env, "fetch", "--force", "--progress", "always")
    assert r.returncode == 0 and "downloaded: %s" % env.cached_lib in r.stdout
    assert "sha256: " + sha in r.stdout and "100%" in r.stderr
    assert server.counts[WHEEL_PATH] == 2

    own = tmp_path / "own.so"
    own.write_bytes(fake_library())
    r = run_cli(env, "info", CWASMTIME_LIBRARY=str(own))
    assert "source: env override (CWASMTIME_LIBRARY)" in r.stdout
    assert "sha256: %s" % hashlib.sha256(own.read_bytes()).hexdigest() in r.stdout


def test_cli_offline_error(env, dead_url):
    r = run_cli(env, "fetch", CWASMTIME_INDEX_URL=dead_url + "/simple/")
    assert r.returncode == 1
    assert r.stderr.startswith("error: cwasmtime: could not get")
    assert "could not reach" in r.stderr and "CWASMTIME_LIBRARY=" in r.stderr
    assert "Traceback" not in r.stderr


# -- the real thing -------------------------------------------------------------------

def test_real_fetch_from_pypi(tmp_path, monkeypatch, dead_url):
    """Fetch the pinned wasmtime-py wheel from the real index (~10 MB)."""
    for k in ("CWASMTIME_LIBRARY", "CWASMTIME_SHA256", "CWASMTIME_INDEX_URL"):
        monkeypatch.delenv(k, raising=False)
    monkeypatch.setenv("CWASMTIME_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("CWASMTIME_RELEASE_URL", dead_url)  # the index must work by itself
    info = L.resolve(progress=False)
    assert info.source == "download"
    assert info.origin.startswith("https://") and info.origin.endswith(PLAT.wheel_filename)
    side = L.read_sidecar(info.path)
    assert side["source"] == "wheel"
    assert side["archive_sha256"] == L.WHEELS[PLAT.tag][1]
    assert L.library_version(info.path) == (50, 0, 0)
    assert L.sha256_file(info.path) == info.sha256 == side["sha256"]
    assert Path(info.path) == tmp_path / "cache" / "50.0.0" / PLAT.tag / PLAT.libname
    assert L.resolve().source == "cache"
