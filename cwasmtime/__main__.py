"""``python -m cwasmtime <command>``.

Commands are registered in :data:`COMMANDS` with :func:`command`: each has a
function ``(args) -> int`` and an optional ``configure(parser)`` for its options.
``fetch`` and ``info`` only import :mod:`cwasmtime._library` (never the binding),
so they work even when the library cannot be loaded yet.
"""
from __future__ import annotations

import argparse
import sys
from typing import Callable, Dict, List, NamedTuple, Optional

from . import _library, _run
from ._version import __version__


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


def _cwasmtime_version() -> str:
    try:
        from importlib.metadata import version
        return version("cwasmtime")
    except Exception:
        return "unknown"


def _progress_flag(args: argparse.Namespace) -> Optional[bool]:
    return {"auto": None, "always": True, "never": False}[args.progress]


def _configure_fetch(p: argparse.ArgumentParser) -> None:
    p.add_argument("--force", action="store_true",
                   help="download again even if the cache holds a valid library")
    p.add_argument("--progress", choices=("auto", "always", "never"), default="auto",
                   help="progress bar on stderr (auto: only when stderr is a terminal)")


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
    p.add_argument("--progress", choices=("auto", "always", "never"), default="auto",
                   help="progress bar on stderr if a download is needed")


@command("info", "show the versions and the library cwasmtime uses (downloads it if "
         "needed)", _configure_info)
def cmd_info(args: argparse.Namespace) -> int:
    print("cwasmtime version: %s" % _cwasmtime_version())
    print("wasmtime version (pinned): %s (wheels of wasmtime-py %s)"
          % (_library.WASMTIME_VERSION, _library.WASMTIME_PY_VERSION))
    try:
        plat = _library.current_platform().tag
    except _library.UnsupportedPlatformError as exc:
        plat = "unsupported (%s)" % exc
    print("platform: %s" % plat)
    info = _library.resolve(progress=_progress_flag(args))
    source = {"env": "env override (CWASMTIME_LIBRARY)",
              "cache": "cache",
              "download": "downloaded now"}.get(info.source, info.source)
    print("library: %s" % info.path)
    print("source: %s" % source)
    if info.origin:
        print("origin: %s" % info.origin)
    print("sha256: %s" % (info.sha256 or _library.sha256_file(info.path)))
    print("library reports: Wasmtime %s" % info.version_string)
    if info.cache_dir:
        print("cache dir: %s" % info.cache_dir)
    return 0


@command("run", "run a WASI command module (.wasm/.wat), or call one export with --invoke",
         _run.configure)
def cmd_run(args: argparse.Namespace) -> int:
    return _run.run(args)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m cwasmtime",
                                     description="cwasmtime utilities")
    parser.add_argument("--version", action="version", version="cwasmtime " + __version__)
    sub = parser.add_subparsers(dest="command", metavar="command")
    sub.required = True
    for name, cmd in COMMANDS.items():
        p = sub.add_parser(name, help=cmd.help, description=cmd.help)
        if cmd.configure is not None:
            cmd.configure(p)
    return parser


def main(argv: Optional[List[str]] = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return COMMANDS[args.command].run(args)
    except _library.LibraryError as exc:
        sys.stdout.flush()
        print("error: %s" % exc, file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
