"""The ``cwasmtime`` command (also ``python -m cwasmtime``).

Commands are registered in :data:`COMMANDS` with :func:`command`: each has a
function ``(args) -> int`` and an optional ``configure(parser)`` for its options.
``fetch`` and ``info`` only import :mod:`cwasmtime._library` (never the binding),
so they work even when the library cannot be loaded yet.

:func:`main` is the console-script entry point: it returns the exit status. A user
error is one ``error: ...`` line on stderr, never a traceback; Ctrl-C exits 130.
"""
from __future__ import annotations

import argparse
import contextlib
import os
import sys
from typing import Callable, Dict, List, NamedTuple, NoReturn, Optional

from . import __version__, _library, _run
from ._sigint import EXIT_INTERRUPTED

CommandFunc = Callable[[argparse.Namespace], int]


class Command(NamedTuple):
    run: CommandFunc
    help: str
    configure: Optional[Callable[[argparse.ArgumentParser], None]]


COMMANDS: Dict[str, Command] = {}


def command(name: str, help: str,
            configure: Optional[Callable[[argparse.ArgumentParser], None]] = None
            ) -> Callable[[CommandFunc], CommandFunc]:
    """Register ``func(args) -> int`` as the subcommand *name*."""
    def register(func: CommandFunc) -> CommandFunc:
        COMMANDS[name] = Command(func, help, configure)
        return func
    return register


def _progress_flag(args: argparse.Namespace) -> Optional[bool]:
    return {"auto": None, "always": True, "never": False}[args.progress]


def _add_progress(p: argparse.ArgumentParser) -> None:
    p.add_argument("--progress", choices=("auto", "always", "never"), default="auto",
                   help="progress bar on stderr if a download is needed (auto: only when "
                        "stderr is a terminal)")


def _configure_fetch(p: argparse.ArgumentParser) -> None:
    p.add_argument("--force", action="store_true",
                   help="download again even if the cache holds a valid library")
    _add_progress(p)


@command("fetch", "download the pinned Wasmtime library into the cache (ignores "
         "CWASMTIME_LIBRARY)", _configure_fetch)
def cmd_fetch(args: argparse.Namespace) -> int:
    info = _library.fetch(progress=_progress_flag(args), force=args.force)
    where = "already cached" if info.source == "cache" else "downloaded"
    print("%s: %s" % (where, info.path))
    print("from: %s" % (info.origin or "unknown"))
    print("sha256: %s" % info.sha256)
    print("library reports: Wasmtime %s" % info.version_string)
    return 0


def _configure_info(p: argparse.ArgumentParser) -> None:
    p.add_argument("--verify", action="store_true",
                   help="hash the library in full now (normally a cached library is "
                        "trusted while its size, mtime and inode match those recorded when "
                        "it was hashed) and download it again if it is corrupted")
    _add_progress(p)


@command("info", "show the versions and the library cwasmtime uses (downloads it if "
         "needed)", _configure_info)
def cmd_info(args: argparse.Namespace) -> int:
    print("cwasmtime version: %s" % __version__)
    print("wasmtime version (pinned): %s (wheels of wasmtime-py %s)"
          % (_library.WASMTIME_VERSION, _library.WASMTIME_PY_VERSION))
    try:
        plat = _library.current_platform().tag
    except _library.UnsupportedPlatformError as exc:
        plat = "unsupported (%s)" % exc
    print("platform: %s" % plat)
    info = _library.resolve(progress=_progress_flag(args), verify=args.verify)
    source = {"env": "env override (CWASMTIME_LIBRARY)",
              "cache": "cache",
              "download": "downloaded now"}.get(info.source, info.source)
    print("library: %s" % info.path)
    print("source: %s" % source)
    if info.origin:
        print("origin: %s" % info.origin)
    if info.replaced:
        print("replaced: %s" % info.replaced)
    print("sha256: %s" % (info.sha256 or _library.sha256_file(info.path)))
    print("library reports: Wasmtime %s" % info.version_string)
    if info.cache_dir:
        print("cache dir: %s" % info.cache_dir)
    if args.verify:
        print("verified: sha256 and version checked just now")
    return 0


@command("run", "run a WASI command (a core module or a wasi:cli/command component, "
         ".wasm or .wat), or call one export of a module with --invoke", _run.configure)
def cmd_run(args: argparse.Namespace) -> int:
    return _run.run(args)


class _Parser(argparse.ArgumentParser):
    """Reports a bad command line as one ``error:`` line (exit 2), like every other
    user error, instead of argparse's usage block."""

    def error(self, message: str) -> NoReturn:
        raise _run.CliError("%s (see `%s --help`)" % (message, self.prog))


def _prog() -> str:
    name = os.path.basename(sys.argv[0]) if sys.argv and sys.argv[0] else ""
    return "python -m cwasmtime" if name in ("", "-c", "__main__.py") else name


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog=_prog(), description="cwasmtime: run WebAssembly, manage the "
                                                "Wasmtime library")
    parser.add_argument("--version", action="version",
                        version="cwasmtime %s (Wasmtime %s)" % (__version__,
                                                               _library.WASMTIME_VERSION))
    sub = parser.add_subparsers(dest="command", metavar="command")
    sub.required = True
    for name, cmd in COMMANDS.items():
        p = sub.add_parser(name, help=cmd.help, description=cmd.help)
        if cmd.configure is not None:
            cmd.configure(p)
    return parser


def _error(message: str, status: int) -> int:
    with contextlib.suppress(AttributeError, OSError, ValueError):
        sys.stdout.flush()  # what was printed before comes first
    print("error: %s" % message, file=sys.stderr)
    return status


def main(argv: Optional[List[str]] = None) -> int:
    """Run the command line *argv* (default: ``sys.argv[1:]``); return the exit status."""
    try:
        try:
            args = build_parser().parse_args(argv)
            status = COMMANDS[args.command].run(args)
        except SystemExit as exit:  # --help, --version
            status = exit.code if isinstance(exit.code, int) else 0
        sys.stdout.flush()  # here, where a closed pipe is handled below
        return status
    except _run.CliError as exc:
        return _error(str(exc), exc.status)
    except _library.LibraryError as exc:
        return _error(str(exc), _run.FAILED)
    except KeyboardInterrupt:
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        # The reader went away (`cwasmtime info | head -1`). As the CPython docs advise:
        # point stdout at devnull so the flush at exit does not fail again.
        devnull = os.open(os.devnull, os.O_WRONLY)
        try:
            os.dup2(devnull, sys.stdout.fileno())
        except (AttributeError, ValueError, OSError):
            pass  # stdout is not a real file
        finally:
            os.close(devnull)
        return 1


if __name__ == "__main__":
    sys.exit(main())
