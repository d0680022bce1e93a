"""The ``cwasmtime`` command line, run as users run it: in a subprocess (``python -m
cwasmtime``, or a console script calling ``main()``), asserting exit statuses and the
exact stderr. Every user error must be one ``error: ...`` line, never a traceback.
NUL bytes cannot travel through a real argv, so those cases call ``main()`` in-process."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Dict, List, Union

import pytest

import cwasmtime
from cwasmtime import _sigint
from cwasmtime.__main__ import main

ROOT = Path(__file__).resolve().parents[1]
COMMAND = ROOT / "examples" / "wasip2" / "command.component.wasm"

Arg = Union[str, bytes]

# A WASI module printing "ready" then doing {body}.
READY = """(module
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_read" (func $fd_read (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "poll_oneoff" (func $poll (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 16) "ready\\n")
  (func $ready
    (i32.store (i32.const 0) (i32.const 16))
    (i32.store (i32.const 4) (i32.const 6))
    (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8))))
  (func (export "_start") (call $ready) %s)
  (func (export "spin") (param i32) (call $ready) (loop $l (br $l))))
"""

GUESTS: Dict[str, Union[str, bytes]] = {
    "bad.wat": "(module\n  (func $f\n   (i32.const 1\n  (blah)))",
    "trunc.wasm": b"\0asm\x01\0\0\0\x05",
    "junk.bin": b"\xff\xfe not text",
    "link.wat": '(module (import "env" "f" (func)) (func (export "_start")))',
    "trap.wat": '(module (func (export "_start") (drop (i32.div_s (i32.const 1) (i32.const 0)))))',
    "spin.wat": '(module (func (export "_start") (loop $l (br $l))))',
    "exit7.wat": """(module (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
        (memory (export "memory") 1) (func (export "_start") (call $exit (i32.const 7))))""",
    "lib.wat": """(module
        (global $ready (mut i32) (i32.const 0))
        (func (export "_initialize") (global.set $ready (i32.const 1)))
        (func (export "ready") (result i32) (global.get $ready))
        (func (export "ints") (param i32 i64) (result i32 i64) local.get 0 local.get 1)
        (func (export "floats") (param f32 f64) (result f32 f64) local.get 0 local.get 1)
        (func (export "vec") (param v128 i32))
        (func (export "fref") (param funcref))
        (func (export "xref") (param externref))
        (func (export "anyref") (param anyref))
        (func (export "nonnull") (param (ref func)))
        (func (export "vec_out") (result v128) v128.const i64x2 0 0))""",
    "empty.wat": "(component)",
    # a wasi:cli/command component that spins in run()
    "spin_component.wat": """(component
        (core module $m (func (export "run") (result i32) (loop $l (br $l)) (i32.const 0)))
        (core instance $i (instantiate $m))
        (func $run (result (result)) (canon lift (core func $i "run")))
        (instance $run-instance (export "run" (func $run)))
        (export "wasi:cli/run@0.2.0" (instance $run-instance)))""",
    "loop.wat": READY % "(loop $l (br $l))",
    "read_stdin.wat": READY % """
        (i32.store (i32.const 32) (i32.const 64))
        (i32.store (i32.const 36) (i32.const 16))
        (drop (call $fd_read (i32.const 0) (i32.const 32) (i32.const 1) (i32.const 40)))""",
    # poll_oneoff on one 30 s monotonic clock subscription (at 128): a sleep in the host
    "sleep.wat": READY % """
        (i32.store (i32.const 144) (i32.const 1))
        (i64.store (i32.const 152) (i64.const 30000000000))
        (drop (call $poll (i32.const 128) (i32.const 256) (i32.const 1) (i32.const 512)))""",
}


@pytest.fixture
def guests(tmp_path: Path) -> Path:
    for name, source in GUESTS.items():
        path = tmp_path / name
        if isinstance(source, bytes):
            path.write_bytes(source)
        else:
            path.write_text(source)
    return tmp_path


def cli(*args: Arg, cwd: Path, stdin: bytes = b"", timeout: float = 120
        ) -> subprocess.CompletedProcess[str]:
    done = subprocess.run([sys.executable, "-m", "cwasmtime", *args], cwd=cwd,
                          input=stdin, capture_output=True, timeout=timeout)
    return subprocess.CompletedProcess(done.args, done.returncode,
                                       done.stdout.decode(errors="replace"),
                                       done.stderr.decode(errors="replace"))


def assert_error(done: subprocess.CompletedProcess[str], message: str, status: int) -> None:
    assert done.stderr == "error: %s\n" % message
    assert done.returncode == status, done.stderr


# --- the command itself ----------------------------------------------------------------

def test_version(tmp_path: Path) -> None:
    done = cli("--version", cwd=tmp_path)
    assert (done.returncode, done.stderr) == (0, "")
    assert done.stdout == "cwasmtime %s (Wasmtime 50.0.0)\n" % cwasmtime.__version__


def test_help(tmp_path: Path) -> None:
    done = cli("run", "--help", cwd=tmp_path)
    assert (done.returncode, done.stderr) == (0, "")
    assert done.stdout.startswith("usage: python -m cwasmtime run ")


@pytest.mark.parametrize("args, message", [
    ((), "the following arguments are required: command (see `python -m cwasmtime --help`)"),
    (("bogus",), "argument command: invalid choice: 'bogus' (choose from 'fetch', 'info', "
                 "'run') (see `python -m cwasmtime --help`)"),
    (("run", "--bogus", "x.wat"),
     "unrecognized arguments: --bogus (see `python -m cwasmtime --help`)"),
    (("run", "--fuel", "-1", "x.wat"),
     "argument --fuel: '-1' is not an integer from 0 to 2**64-1 (see `python -m cwasmtime "
     "run --help`)"),
    (("run", "--fuel", "many", "x.wat"),
     "argument --fuel: 'many' is not an integer from 0 to 2**64-1 (see `python -m cwasmtime "
     "run --help`)"),
    (("run", "--fuel", str(2 ** 64), "x.wat"),
     "argument --fuel: '%d' is not an integer from 0 to 2**64-1 (see `python -m cwasmtime "
     "run --help`)" % 2 ** 64),
], ids=["no-command", "unknown-command", "unknown-option", "negative-fuel", "fuel-not-int",
        "fuel-too-big"])
def test_bad_command_line(tmp_path: Path, args: List[str], message: str) -> None:
    assert_error(cli(*args, cwd=tmp_path), message, 2)


def test_console_script_entry_point(guests: Path) -> None:
    """What pip writes for `cwasmtime = "cwasmtime.__main__:main"`: the status main()
    returns is the process's, and messages name the command as it was called."""
    script = guests / "cwasmtime"
    script.write_text("import re, sys\nfrom cwasmtime.__main__ import main\n"
                      "if __name__ == '__main__':\n"
                      "    sys.argv[0] = re.sub(r'(-script\\.pyw|\\.exe)?$', '', sys.argv[0])\n"
                      "    sys.exit(main())\n")
    run = [sys.executable, str(script)]
    done = subprocess.run(run + ["run", "exit7.wat"], cwd=guests, capture_output=True, text=True)
    assert (done.returncode, done.stderr) == (7, "")
    done = subprocess.run(run + ["run"], cwd=guests, capture_output=True, text=True)
    assert_error(done, "the following arguments are required: module "
                       "(see `cwasmtime run --help`)", 2)
    done = subprocess.run(run + ["--version"], cwd=guests, capture_output=True, text=True)
    assert done.returncode == 0 and done.stdout.startswith("cwasmtime ")


def test_main_returns_the_status(guests: Path, capsys: pytest.CaptureFixture[str],
                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(guests)
    assert main(["--version"]) == 0
    assert main(["run", "missing.wasm"]) == 1
    assert main(["run", "trap.wat"]) == 1
    assert capsys.readouterr().err == ("error: cannot read missing.wasm: No such file or "
                                       "directory\nerror: trap.wat: wasm trap: integer divide "
                                       "by zero\n")


# --- running ---------------------------------------------------------------------------

def test_wasi_command_module() -> None:
    done = cli("run", "examples/hello.wat", cwd=ROOT)
    assert (done.returncode, done.stdout, done.stderr) == (
        0, "Hello from WebAssembly, run by cwasmtime!\n", "")


def test_exit_status_of_a_module(guests: Path) -> None:
    done = cli("run", "exit7.wat", cwd=guests)
    assert (done.returncode, done.stdout, done.stderr) == (7, "", "")


def test_invoke() -> None:
    done = cli("run", "--invoke", "gcd", "examples/gcd.wat", "27", "6", cwd=ROOT)
    assert (done.returncode, done.stdout, done.stderr) == (0, "3\n", "")


@pytest.mark.parametrize("export, args, output", [
    ("ints", ["4294967295", "18446744073709551615"], "-1\n-1\n"),  # unsigned spellings
    ("ints", ["-2147483648", "-9223372036854775808"], "-2147483648\n-9223372036854775808\n"),
    ("ints", ["0x10", "0b101"], "16\n5\n"),
    ("floats", ["1.5", "1e300"], "1.5\n1e+300\n"),
    ("floats", ["nan", "-inf"], "nan\n-inf\n"),
    ("ready", [], "1\n"),  # a reactor's _initialize runs first
], ids=["unsigned", "minimum", "prefixes", "floats", "nan-inf", "initialize"])
def test_invoke_values(guests: Path, export: str, args: List[str], output: str) -> None:
    done = cli("run", "--invoke", export, "lib.wat", *args, cwd=guests)
    assert (done.returncode, done.stdout, done.stderr) == (0, output, "")


def test_wasi_command_component(tmp_path: Path) -> None:
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "in.txt").write_text("from the host")
    done = cli("run", "--env", "GREETING=hi there", "--dir", "data::/data", str(COMMAND),
               "--read", "/data/in.txt", cwd=tmp_path, stdin=b"shout")
    assert (done.returncode, done.stderr) == (0, "to stderr\n")
    assert done.stdout == ("arg[0]=command.component.wasm\narg[1]=--read\narg[2]=/data/in.txt\n"
                           "env[GREETING]=hi there\nstdin=5\nupper=SHOUT\n"
                           "file=from the host\n")


@pytest.mark.parametrize("args, status", [
    (["--exit", "0"], 0),
    (["--return"], 0),
    (["--exit", "3"], 1),  # the preview 1 adapter reports any failure as 1
    (["--read", "/data/missing.txt"], 1),
], ids=["exit-0", "return-0", "exit-3", "failed-read"])
def test_component_exit_status(tmp_path: Path, args: List[str], status: int) -> None:
    (tmp_path / "data").mkdir()
    done = cli("run", "--dir", "data::/data", str(COMMAND), *args, cwd=tmp_path)
    assert done.returncode == status, done.stderr
    assert "Traceback" not in done.stderr


# --- every user error: one line --------------------------------------------------------

ERRORS = [
    (["missing.wasm"], "cannot read missing.wasm: No such file or directory", 1),
    (["."], "cannot read .: Is a directory", 1),
    (["bad.wat"], "bad.wat:4:4: unknown operator or unexpected token", 1),
    (["trunc.wasm"], "trunc.wasm: failed to parse WebAssembly module: unexpected end-of-file "
                     "(at offset 0x9)", 1),
    (["junk.bin"], "junk.bin is neither a wasm binary nor WAT text", 1),
    (["link.wat"], "link.wat: unknown import: `env::f` has not been defined", 1),
    (["trap.wat"], "trap.wat: wasm trap: integer divide by zero", 1),
    (["--fuel", "1000", "spin.wat"], "spin.wat ran out of fuel (--fuel 1000)", 1),
    (["--env", "FOO", "spin.wat"], "--env 'FOO': expected NAME=VALUE", 2),
    (["--env", "=x", "spin.wat"], "--env '=x': expected NAME=VALUE", 2),
    (["--dir", "no-such-dir", "spin.wat"], "--dir no-such-dir: no such directory", 2),
    (["--dir", "no-such-dir::/data", "spin.wat"], "--dir no-such-dir: no such directory", 2),
    (["empty.wat"], "empty.wat is a component but not a wasi:cli/command (it exports no "
                    "wasi:cli/run@0.2)", 1),
    (["--invoke", "run", "empty.wat"], "empty.wat is a component; --invoke calls an export of "
                                       "a core module (run a wasi:cli/command component "
                                       "without it)", 2),
    (["lib.wat"], "lib.wat exports no _start function (it is not a WASI command); pass "
                  "--invoke NAME to call one of its exports", 2),
    (["--invoke", "nope", "lib.wat"], "lib.wat exports no function named 'nope'", 2),
    (["--invoke", "ints", "lib.wat", "1"], "ints takes 2 arguments (i32, i64), got 1", 2),
    (["--invoke", "ints", "lib.wat", "99999999999", "0"],
     "argument 1 of ints: 99999999999 is out of range for i32 (-2147483648 to 4294967295)", 2),
    (["--invoke", "ints", "lib.wat", "-2147483649", "0"],
     "argument 1 of ints: -2147483649 is out of range for i32 (-2147483648 to 4294967295)", 2),
    (["--invoke", "ints", "lib.wat", "0", "18446744073709551616"],
     "argument 2 of ints: 18446744073709551616 is out of range for i64 "
     "(-9223372036854775808 to 18446744073709551615)", 2),
    (["--invoke", "ints", "lib.wat", "1.5", "0"],
     "argument 1 of ints: '1.5' is not an integer (i32)", 2),
    (["--invoke", "ints", "lib.wat", "0", "ten"],
     "argument 2 of ints: 'ten' is not an integer (i64)", 2),
    (["--invoke", "floats", "lib.wat", "1e39", "0"],
     "argument 1 of floats: 1e39 is out of range for f32", 2),
    (["--invoke", "floats", "lib.wat", "0", "1e400"],
     "argument 2 of floats: 1e400 is out of range for f64", 2),
    (["--invoke", "floats", "lib.wat", "x", "0"],
     "argument 1 of floats: 'x' is not a number (f32)", 2),
    (["--invoke", "vec", "lib.wat", "1", "2"],
     "argument 1 of vec: cannot pass a v128 from the command line", 2),
    (["--invoke", "fref", "lib.wat", "0"],
     "argument 1 of fref: cannot pass a funcref from the command line", 2),
    (["--invoke", "xref", "lib.wat", "0"],
     "argument 1 of xref: cannot pass an externref from the command line", 2),
    (["--invoke", "anyref", "lib.wat", "0"],
     "argument 1 of anyref: cannot pass a reference from the command line", 2),
    (["--invoke", "nonnull", "lib.wat", "0"],
     "argument 1 of nonnull: cannot pass a reference from the command line", 2),
    (["--invoke", "vec_out", "lib.wat"],
     "vec_out returns a v128, which the command line cannot show", 2),
]


@pytest.mark.parametrize("args, message, status", ERRORS,
                         ids=[" ".join(args) for args, _, _ in ERRORS])
def test_user_error_is_one_line(guests: Path, args: List[str], message: str,
                                status: int) -> None:
    done = cli("run", *args, cwd=guests)
    assert_error(done, message, status)
    assert done.stdout == ""


def test_arguments_must_be_utf8(guests: Path) -> None:
    # An undecodable byte in argv reaches Python as a lone surrogate (surrogateescape).
    assert_error(cli("run", "spin.wat", b"caf\xe9", cwd=guests),
                 "argument 1 is not valid UTF-8", 2)
    assert_error(cli("run", "--env", b"A=\xff", "spin.wat", cwd=guests),
                 "--env 'A=\\udcff' is not valid UTF-8", 2)


@pytest.mark.parametrize("args, message", [
    (["run", "spin.wat", "a\0b"], "argument 1 contains a NUL byte"),
    (["run", "--env", "A=b\0c", "spin.wat"], "--env 'A=b\\x00c' contains a NUL byte"),
    (["run", "--dir", ".\0", "spin.wat"], "--dir '.\\x00' contains a NUL byte"),
    (["run", "spin\0.wat"], "the module path contains a NUL byte"),
    (["run", "--invoke", "f\0", "lib.wat"], "--invoke contains a NUL byte"),
], ids=["argument", "env", "dir", "module-path", "invoke"])
def test_nul_bytes(guests: Path, args: List[str], message: str,
                   capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(guests)
    assert main(args) == 2
    assert capsys.readouterr() == ("", "error: %s\n" % message)


# --- Ctrl-C ----------------------------------------------------------------------------

def interrupt(guests: Path, *args: str, ready: bool = True) -> "tuple[int, float, str]":
    """Start `cwasmtime run ARGS`, wait for its "ready" line (or 3 s, for guests that
    cannot print one), send SIGINT: (status, seconds from the signal to the exit, stderr)."""
    child = subprocess.Popen([sys.executable, "-m", "cwasmtime", "run", *args], cwd=guests,
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE)
    try:
        if ready:
            assert child.stdout is not None and child.stdout.readline() == b"ready\n"
        else:
            time.sleep(3)
            assert child.poll() is None
        sent = time.monotonic()
        child.send_signal(signal.SIGINT)
        _, err = child.communicate(timeout=10)
        return child.returncode, time.monotonic() - sent, err.decode()
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()


@pytest.mark.skipif(sys.platform == "win32", reason="SIGINT is POSIX")
@pytest.mark.parametrize("args", [["loop.wat"], ["--invoke", "spin", "loop.wat", "0"]],
                         ids=["command", "invoke"])
def test_ctrl_c_stops_a_spinning_guest(guests: Path, args: List[str]) -> None:
    status, seconds, err = interrupt(guests, *args)
    assert (status, err) == (130, "")  # trapped by the epoch: no fallback message
    assert seconds < 2


@pytest.mark.skipif(sys.platform == "win32", reason="SIGINT is POSIX")
def test_ctrl_c_stops_a_spinning_component(guests: Path) -> None:
    status, seconds, err = interrupt(guests, "spin_component.wat", ready=False)
    assert (status, err) == (130, "")
    assert seconds < 2


@pytest.mark.skipif(sys.platform == "win32", reason="SIGINT is POSIX")
def test_ctrl_c_stops_a_component_reading_stdin(guests: Path) -> None:
    status, seconds, err = interrupt(guests, str(COMMAND), ready=False)
    # The interrupted read may return first, and the program print its last line.
    assert status == 130 and err in ("", "to stderr\n")
    assert seconds < 2


@pytest.mark.skipif(sys.platform == "win32", reason="SIGINT is POSIX")
def test_ctrl_c_ends_a_blocking_read(guests: Path) -> None:
    status, seconds, err = interrupt(guests, "read_stdin.wat")
    assert (status, err) == (130, "")
    assert seconds < 2


@pytest.mark.skipif(sys.platform == "win32", reason="SIGINT is POSIX")
def test_ctrl_c_during_a_host_sleep_exits_after_the_grace(guests: Path) -> None:
    # An epoch cannot stop a guest inside a host call; the process exits after GRACE.
    status, seconds, err = interrupt(guests, "sleep.wat")
    assert (status, err) == (130, "cwasmtime: interrupted while the guest waited in a host "
                                  "call\n")
    assert _sigint.GRACE <= seconds < _sigint.GRACE + 2


# --- stdout closed early (`cwasmtime info | head -1`) -----------------------------------

@pytest.mark.parametrize("args, status", [
    (["info"], 1),
    (["--version"], 0),  # argparse itself ignores a failed write of the version
    (["run", "--invoke", "gcd", "examples/gcd.wat", "27", "6"], 1),
], ids=["info", "version", "invoke"])
def test_closed_stdout_is_not_a_traceback(args: List[str], status: int) -> None:
    read_end, write_end = os.pipe()
    os.close(read_end)  # nobody will read: the first write fails with EPIPE
    try:
        done = subprocess.run([sys.executable, "-m", "cwasmtime", *args], cwd=ROOT,
                              stdout=write_end, stderr=subprocess.PIPE, text=True, timeout=120)
    finally:
        os.close(write_end)
    assert (done.returncode, done.stderr) == (status, "")


def test_info_piped_to_head() -> None:
    done = subprocess.run("'%s' -m cwasmtime info | head -1" % sys.executable, shell=True,
                          capture_output=True, text=True, timeout=120)
    assert (done.returncode, done.stderr) == (0, "")
    assert done.stdout == "cwasmtime version: %s\n" % cwasmtime.__version__
