"""The package index pip is configured to use, found the way ``pip install`` finds it.

``PIP_INDEX_URL``, else ``index-url`` from pip's configuration files: the ``[install]``
section over ``[global]``, later files over earlier ones, in pip's order (site-wide, per
user, the environment's ``sys.prefix``, then ``$PIP_CONFIG_FILE``; per-user files are
skipped when ``$PIP_CONFIG_FILE`` names an existing file, and ``PIP_CONFIG_FILE=/dev/null``
disables them all). The files are read directly: pip need not be installed (uv-made
environments have none), and no subprocess is spent on it.
"""
from __future__ import annotations

import configparser
import os
import sys
from typing import Dict, List, NamedTuple, Optional

_WINDOWS = sys.platform == "win32"
_BASENAME = "pip.ini" if _WINDOWS else "pip.conf"
_SECTIONS = ("global", "install")  # [install] wins over [global], as for `pip install`


class PipIndex(NamedTuple):
    url: str
    source: str  # where it was configured, for messages


def _site_wide_dirs() -> List[str]:
    if sys.platform == "darwin":
        return ["/Library/Application Support/pip"]
    if _WINDOWS:
        return [os.path.join(os.environ.get("PROGRAMDATA", r"C:\ProgramData"), "pip")]
    xdg = os.environ.get("XDG_CONFIG_DIRS") or "/etc/xdg"
    return [os.path.join(d, "pip") for d in xdg.split(os.pathsep) if d] + ["/etc"]


def _user_dirs() -> List[str]:
    home = os.path.expanduser("~")
    legacy = os.path.join(home, "pip" if _WINDOWS else ".pip")
    if _WINDOWS:
        current = os.path.join(os.environ.get("APPDATA") or home, "pip")
    elif sys.platform == "darwin" and os.path.isdir(
            os.path.join(home, "Library", "Application Support", "pip")):
        current = os.path.join(home, "Library", "Application Support", "pip")
    else:
        current = os.path.join(os.environ.get("XDG_CONFIG_HOME") or
                               os.path.join(home, ".config"), "pip")
    return [legacy, current]


def config_files() -> List[str]:
    """pip's configuration files in the order pip loads them (later ones win)."""
    env_file = os.environ.get("PIP_CONFIG_FILE")
    if env_file == os.devnull:
        return []
    dirs = _site_wide_dirs()
    if not (env_file and os.path.exists(env_file)):
        dirs += _user_dirs()
    files = [os.path.join(d, _BASENAME) for d in dirs]
    files.append(os.path.join(sys.prefix, _BASENAME))
    if env_file:
        files.append(env_file)
    return files


def _read(path: str) -> Optional[configparser.RawConfigParser]:
    parser = configparser.RawConfigParser()
    try:
        return parser if parser.read(path, encoding="utf-8") else None
    except (configparser.Error, UnicodeDecodeError):
        return None  # pip itself refuses such a file; it configures nothing here


def _index_url(parser: configparser.RawConfigParser, section: str) -> Optional[str]:
    if not parser.has_section(section):
        return None
    url = None
    for key, value in parser.items(section):
        # pip's spelling rules: "index-url", "index_url" and "--index-url" are one key
        if key.lstrip("-").replace("_", "-") == "index-url" and value.strip():
            url = value.strip()
    return url


def pip_index() -> Optional[PipIndex]:
    """The index ``pip install`` would use, if one is configured (None: pip's default)."""
    env = os.environ.get("PIP_INDEX_URL", "").strip()
    if env:
        return PipIndex(env, "PIP_INDEX_URL")
    found: Dict[str, PipIndex] = {}  # section -> the setting of the last file having it
    for path in config_files():
        parser = _read(path)
        if parser is None:
            continue
        for section in _SECTIONS:
            url = _index_url(parser, section)
            if url:
                found[section] = PipIndex(url, "index-url in %s [%s]" % (path, section))
    return found.get("install") or found.get("global")
