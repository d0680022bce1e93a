"""Bind core WebAssembly modules built for the Component Model to Python, through
cwasmtime: call a guest's exports with component values, serve its imports from
Python callables (the host side of the Canonical ABI, as component-model-cpp does).

::

    import cwasmtime as wasmtime
    from cmabi import bind, types as t

    linker = wasmtime.Linker(engine)
    host = bind.Host(linker)
    host.define("example:sample/floats", "add", t.FuncType([("a", t.F64), ("b", t.F64)], t.F64),
                lambda a, b: a + b)
    instance = linker.instantiate(store, module)
    guest = bind.Guest(store, instance, handles=host.handles)
    reverse = guest.function(t.FuncType([("a", t.String)], t.String), name="reverse",
                             interface="example:sample/strings")
    reverse("abc")

Core names: both the *legacy* mangling (``pkg:ns/iface#name``, world-level
``name``, ``cabi_post_<export>``, imports from module ``pkg:ns/iface`` or
``$root``) and the *standard32* one (``cm32p2|pkg:ns/iface@1|name``,
``<export>_post``, imports from ``cm32p2|pkg:ns/iface@1`` or ``cm32p2``) are
understood; :func:`export_name` finds which one an instance uses.

Errors: whatever the guest gets wrong in what it hands the host (pointers, lengths,
strings, chars, discriminants, handles) raises :class:`cmabi.Trap`; a wasm trap
inside the guest raises cwasmtime's ``Trap`` unchanged; an exception raised by a
host function reaches the caller of the guest export as the original object.

This module imports cwasmtime lazily (only when a binding is made), so ``cmabi``
itself needs no libwasmtime.
"""
import functools
import re
from typing import Any, Callable, Dict, Iterable, List, Optional, Sequence, Tuple

from . import types as _t
from ._abi import Context, HandleTable, lift_params, lift_results, lower_params, lower_results
from ._errors import Trap, refuse_copy
from .types import FuncType, ResourceType, ValType

__all__ = [
    "GuestMemory", "Guest", "GuestFunction", "Host", "HostResource",
    "export_name", "export_candidates", "import_name", "post_return_names", "needs_memory",
]

_VERSION = re.compile(r"^(\d+)\.(\d+)\.(\d+)(.*)$")


def _cw() -> Any:
    import cwasmtime
    return cwasmtime


# --------------------------------------------------------------------------- names

def _short_interface(interface: str) -> str:
    """The standard32 spelling of a versioned interface name: ``@1.2.3`` -> ``@1``,
    ``@0.2.1`` -> ``@0.2``, ``@0.0.1`` stays (pre-releases stay whole)."""
    base, sep, version = interface.partition("@")
    if not sep:
        return interface
    m = _VERSION.match(version)
    if m is None or m.group(4):
        return interface
    major, minor, patch = m.group(1), m.group(2), m.group(3)
    if major != "0":
        short = major
    elif minor != "0":
        short = f"0.{minor}"
    else:
        short = f"0.0.{patch}"
    return f"{base}@{short}"


def export_candidates(name: str, interface: Optional[str] = None) -> List[str]:
    """Core export names a WIT function ``name`` (of ``interface``, a qualified
    name like ``pkg:ns/iface@1.0.0``, or ``None`` for a world-level function) may
    have: legacy first, then standard32."""
    if interface is None:
        return [name, f"cm32p2||{name}"]
    out = [f"{interface}#{name}", f"cm32p2|{_short_interface(interface)}|{name}"]
    if _short_interface(interface) != interface:
        out.append(f"cm32p2|{interface}|{name}")
    return out


def post_return_names(export: str) -> List[str]:
    """Names of the post-return function of core export ``export``."""
    if export.startswith("cm32p2|"):
        return [export + "_post"]
    return [f"cabi_post_{export}"]


def import_name(name: str, interface: Optional[str] = None, mangling: str = "legacy") -> Tuple[str, str]:
    """``(module, name)`` of the core import of WIT function ``name``."""
    if mangling == "legacy":
        return (interface if interface is not None else "$root", name)
    if mangling == "standard32":
        return ("cm32p2" if interface is None else f"cm32p2|{_short_interface(interface)}", name)
    raise ValueError("mangling must be 'legacy' or 'standard32'")


def export_name(exports: Any, name: str, interface: Optional[str] = None) -> str:
    """The core export, among ``exports`` (names, or an instance's exports
    mapping), that implements WIT function ``name`` of ``interface``."""
    names = set(exports)
    for candidate in export_candidates(name, interface):
        if candidate in names:
            return candidate
    where = f"{interface}#{name}" if interface else name
    raise LookupError(f"the instance exports no core function for {where} "
                      f"(tried {', '.join(export_candidates(name, interface))})")


def needs_memory(t: ValType) -> bool:
    """Whether values of ``t`` live (partly) in linear memory when flat."""
    k = t.kind
    if k in (_t.K_STRING, _t.K_LIST, _t.K_MAP):
        return True
    if isinstance(t, (_t.Record,)):
        return any(needs_memory(ft) for _, ft in t.fields)
    if isinstance(t, _t.Tuple):
        return any(needs_memory(e) for e in t.types)
    if isinstance(t, _t.FixedList):
        return needs_memory(t.element)
    if isinstance(t, _t._VariantLike):
        return any(ct is not None and needs_memory(ct) for _, ct in t.cases)
    return False


def _uses_memory(functype: FuncType) -> bool:
    """Whether calls of ``functype`` (either direction) need the guest's memory."""
    return (len(_t.flatten_types(functype.param_types)) > _t.MAX_FLAT_PARAMS
            or len(_t.flatten_types(functype.result_types)) > _t.MAX_FLAT_RESULTS
            or any(needs_memory(t) for t in functype.param_types + functype.result_types))


def _no_realloc(old: int, old_size: int, align: int, new_size: int) -> int:
    raise Trap("the guest exports no cabi_realloc (or cm32p2_realloc), but the call needs one")


def _abandon(cx: Context) -> None:
    """Settle a call that failed: give back lent handles, remove its borrows (their
    Trap is not the error to report)."""
    try:
        cx.end_call()
    except Trap:
        pass


def _core_valtypes(flat: Iterable[str]) -> List[Any]:
    vt = _cw().ValType
    make = {"i32": vt.i32, "i64": vt.i64, "f32": vt.f32, "f64": vt.f64}
    return [make[f]() for f in flat]


# --------------------------------------------------------------------------- memory

class GuestMemory:
    """A cwasmtime ``Memory`` in a ``Store`` (or ``Caller``) as a cmabi memory
    (the ``_cmabi_memory()`` protocol: ``(address, length)``, re-read whenever the
    codecs need it, so growth is always seen).

    ``_cmabi_pin()`` marks the Store busy (it cannot be closed, nor used by another
    thread) when the memory never moves (a 32-bit memory of an engine that keeps
    memories in place, as by default), so the codecs need not re-read it after
    Python code."""

    __reduce__ = refuse_copy

    __slots__ = ("memory", "store", "_cmabi_memory", "_stays_put")

    def __init__(self, memory: Any, store: Any) -> None:
        self.memory = memory
        self.store = store
        self._cmabi_memory: Callable[[], Tuple[int, int]] = functools.partial(memory._span, store)
        self._stays_put = (isinstance(store, _cw().Store) and not memory.type(store).is_64
                           and getattr(store.engine, "_memories_stay_put", False))

    def _cmabi_pin(self) -> Optional[Callable[[], Any]]:
        if not self._stays_put:
            return None
        running = self.store._running_wasm()
        running.__enter__()
        return running.__exit__  # type: ignore[no-any-return]


class CallerMemory:
    """The memory export of the instance calling a host function, as a cmabi memory:
    looked up natively on each ``_cmabi_memory()`` (so it is always the caller's, and
    growth is always seen)."""

    __reduce__ = refuse_copy

    __slots__ = ("caller", "names")

    def __init__(self, caller: Any, names: Sequence[str]) -> None:
        self.caller = caller
        self.names = [n.encode() for n in names]

    def _cmabi_memory(self) -> Tuple[int, int]:
        for name in self.names:
            span = self.caller._memory_span(name)
            if span is not None:
                self.names = [name]  # found: look only here from now on
                return span  # type: ignore[no-any-return]
        raise Trap("the calling instance exports no memory")


def _find(exports: Any, names: Sequence[str]) -> Any:
    for n in names:
        item = exports.get(n)
        if item is not None:
            return item
    return None


# --------------------------------------------------------------------------- guest functions

class Guest:
    """A cwasmtime ``Instance`` of a core module built for the Component Model.

    Holds what every call into it shares: its memory (``memory`` or
    ``cm32p2_memory``), its realloc (``cabi_realloc`` or ``cm32p2_realloc``, called
    through ``Func.typed``), the string encoding, and its handle table.

    ``host``: the :class:`Host` that served this instance's imports; the Guest then
    shares its handle table (host resources).
    ``lenient``: lower arguments with :class:`cmabi.Context`'s lenient rules.
    """

    __reduce__ = refuse_copy

    def __init__(self, store: Any, instance: Any, *, string_encoding: str = "utf8",
                 handles: Optional[HandleTable] = None, host: Optional["Host"] = None,
                 lenient: bool = False) -> None:
        cw = _cw()
        if host is not None:
            if handles is not None and handles is not host.handles:
                raise ValueError("give handles or host, not both")
            handles = host.handles
        self.store = store
        self.instance = instance
        self.exports = instance.exports(store)
        memory = _find(self.exports, ("memory", "cm32p2_memory"))
        realloc = _find(self.exports, ("cabi_realloc", "cm32p2_realloc"))
        self.memory = GuestMemory(memory, store) if isinstance(memory, cw.Memory) else None
        self.realloc: Callable[..., Any] = realloc.typed(store) if isinstance(realloc, cw.Func) else _no_realloc
        self.handles = HandleTable() if handles is None else handles
        self.string_encoding = string_encoding
        self.lenient = lenient
        # A call's borrow scope: the context of every call, but for calls made while
        # one is running (they get one of their own).
        self.context = self._context()
        self._busy = False
        self._functions: Dict[Tuple[str, FuncType], "GuestFunction"] = {}

    def _context(self) -> Context:
        return Context(self.memory, self.realloc, self.string_encoding, handles=self.handles,
                       lenient=self.lenient)

    def export_name(self, name: str, interface: Optional[str] = None) -> str:
        """The core export implementing WIT function ``name`` of ``interface``."""
        return export_name(self.exports, name, interface)

    def function(self, functype: FuncType, export: Optional[str] = None, *,
                 name: Optional[str] = None, interface: Optional[str] = None) -> "GuestFunction":
        """The export as a Python callable taking and returning component values.

        Give the core ``export`` name, or the WIT ``name`` (and ``interface``, its
        qualified name, for an interface function) to look it up. Cached: the same
        arguments return the same object."""
        if export is None:
            if name is None:
                raise TypeError("give the core export name or the WIT name")
            export = self.export_name(name, interface)
        key = (export, functype)
        f = self._functions.get(key)
        if f is None:
            f = self._functions[key] = GuestFunction(self, functype, export)
        return f


    def bind(self, function: Any) -> "GuestFunction":
        """A :class:`cmabi.wit.Function` (anything with ``name``, ``type`` and
        ``interface``) as a callable export."""
        return self.function(function.type, name=function.name, interface=function.interface)

    def bind_world(self, world: Any) -> Dict[str, Any]:
        """Every export of a :class:`cmabi.wit.World`: world-level functions by
        name, interfaces (by qualified name) as dicts of their functions by WIT
        name."""
        out: Dict[str, Any] = {}
        for key, item in world.exports.items():
            functions = getattr(item, "functions", None)
            if isinstance(functions, dict):
                out[key] = {n: self.bind(f) for n, f in functions.items()}
            elif hasattr(item, "type") and hasattr(item, "interface"):
                out[key] = self.bind(item)
        return out


class GuestFunction:
    """A guest export with a component function type, called as ``f(*args)``.

    The plan is built once: core signature check, the typed core function, the
    post-return function. A call lowers the arguments (spilling more than 16 flat
    values into a realloc'd tuple), calls the export, lifts the result (through the
    returned pointer when it has more than one flat value), then calls the
    post-return function with the core results.
    """

    __reduce__ = refuse_copy

    __slots__ = ("guest", "type", "export", "post_export", "_call", "_post", "_params",
                 "_results", "_nparams")

    def __init__(self, guest: Guest, functype: FuncType, export: str) -> None:
        if not isinstance(functype, FuncType):
            raise TypeError("expected a cmabi.types.FuncType")
        cw = _cw()
        func = guest.exports.get(export)
        if not isinstance(func, cw.Func):
            raise LookupError(f"the instance exports no function {export!r}")
        want_params, want_results = functype.flat("lift")
        core = func.type(guest.store)
        got_params = [str(p) for p in core.params]
        got_results = [str(r) for r in core.results]
        if (got_params, got_results) != (want_params, want_results):
            raise TypeError(f"core export {export!r} has type {got_params} -> {got_results}, "
                            f"but {functype!r} needs {want_params} -> {want_results}")
        if guest.memory is None and _uses_memory(functype):
            raise LookupError(f"{export!r} needs the guest's memory, but it exports none")
        post = None
        post_name = None
        for n in post_return_names(export):
            p = guest.exports.get(n)
            if isinstance(p, cw.Func):
                post, post_name = p.typed(guest.store), n
                break
        self.guest = guest
        self.type = functype
        self.export = export
        self.post_export = post_name
        self._call = func.typed(guest.store)
        self._post = post
        self._params = functype.param_types
        self._results = functype.result_types
        self._nparams = len(functype.params)

    def __call__(self, *args: Any) -> Any:
        if len(args) != self._nparams:
            raise TypeError(f"{self.export} takes {self._nparams} argument(s), got {len(args)}")
        guest = self.guest
        if guest._busy:  # a call made while another runs (from Python code it ran, or a host import)
            cx = guest._context()
        else:
            cx = guest.context
            guest._busy = True
        try:
            try:
                raw = self._call(*lower_params(cx, self._params, args))
                result = lift_results(cx, self._results, (raw,))[0] if self._results else None
            except BaseException:
                _abandon(cx)
                raise
            if self._post is not None:
                if self._results:
                    self._post(raw)
                else:
                    self._post()
            cx.end_call()
            return result
        finally:
            if cx is guest.context:
                guest._busy = False

    def __repr__(self) -> str:
        return f"<GuestFunction {self.export}: {self.type!r}>"


# --------------------------------------------------------------------------- host functions

class _LazyRealloc:
    """The caller's ``cabi_realloc``, looked up on first use during one host call."""

    __reduce__ = refuse_copy

    __slots__ = ("caller", "names", "fn")

    def __init__(self, caller: Any, names: Tuple[str, ...]) -> None:
        self.caller = caller
        self.names = names
        self.fn: Any = None

    def __call__(self, old: int, old_size: int, align: int, new_size: int) -> Any:
        if self.fn is None:
            for n in self.names:
                f = self.caller.get(n)
                if f is not None:
                    if not isinstance(f, _cw().Func):
                        raise Trap(f"the guest's {n} export is not a function")
                    self.fn = f
                    break
            else:
                raise Trap(f"the guest exports no {' or '.join(self.names)}")
        return self.fn(self.caller, old, old_size, align, new_size)


class HostResource:
    """A resource implemented by the host: Python objects behind ``int``
    representations (the guest sees handles into the :class:`Host`'s table).

    ``new(obj) -> rep``, ``get(rep) -> obj``, ``take(rep) -> obj`` (removes it).
    ``on_drop(obj)`` runs when the guest drops its last owned handle (default:
    call ``obj.close()`` if it has one)."""

    __reduce__ = refuse_copy

    def __init__(self, type: ResourceType, on_drop: Optional[Callable[[Any], Any]] = None) -> None:
        self.type = type
        self.on_drop = on_drop
        self._objects: Dict[int, Any] = {}
        self._next = 1

    def new(self, obj: Any) -> int:
        rep = self._next
        self._next += 1
        self._objects[rep] = obj
        return rep

    def get(self, rep: int) -> Any:
        try:
            return self._objects[rep]
        except KeyError:
            raise Trap(f"no {self.type.name} with representation {rep}") from None

    def take(self, rep: int) -> Any:
        obj = self.get(rep)
        del self._objects[rep]
        return obj

    def drop(self, rep: int) -> None:
        obj = self.take(rep)
        if self.on_drop is not None:
            self.on_drop(obj)
        else:
            close = getattr(obj, "close", None)
            if callable(close):
                close()

    def __len__(self) -> int:
        return len(self._objects)


class Host:
    """Defines a guest's imports on a cwasmtime ``Linker`` from Python callables.

    One Host serves one guest instance at a time when resources are involved: its
    ``handles`` table is that instance's (give it to :class:`Guest` too).
    ``mangling``: ``'legacy'`` (default) or ``'standard32'`` core import names.
    ``lenient``: lower what the functions return with :class:`cmabi.Context`'s lenient
    rules.
    """

    __reduce__ = refuse_copy

    def __init__(self, linker: Any, *, string_encoding: str = "utf8", mangling: str = "legacy",
                 handles: Optional[HandleTable] = None, lenient: bool = False) -> None:
        import_name("x", None, mangling)    # validates mangling
        Context(string_encoding=string_encoding)   # validates the encoding
        self.linker = linker
        self.string_encoding = string_encoding
        self.lenient = lenient
        self.mangling = mangling
        self.handles = HandleTable() if handles is None else handles
        self.resources: Dict[ResourceType, HostResource] = {}
        std = mangling == "standard32"
        self._memory_names = ("cm32p2_memory", "memory") if std else ("memory", "cm32p2_memory")
        self._realloc_names = ("cm32p2_realloc", "cabi_realloc") if std else ("cabi_realloc", "cm32p2_realloc")

    # -- plain functions

    def define(self, interface: Optional[str], name: str, functype: FuncType,
               fn: Callable[..., Any]) -> Tuple[str, str]:
        """Define WIT function ``name`` of ``interface`` (qualified name, ``None``
        for a world-level function) as ``fn(*args) -> result``. Returns the core
        ``(module, name)`` defined. Top-level ``own``/``borrow`` arguments and an
        ``own`` result of a resource registered with :meth:`resource` /
        :meth:`define_resource` before this call are passed as the Python
        objects (see :meth:`define_resource`)."""
        module, core_name = import_name(name, interface, self.mangling)
        self.define_core(module, core_name, functype, self._wrap_resource_fn(functype, fn))
        return module, core_name

    def define_core(self, module: str, name: str, functype: FuncType, fn: Callable[..., Any]) -> None:
        """Define the core import ``module``/``name`` lowering ``functype`` to ``fn``."""
        if not isinstance(functype, FuncType):
            raise TypeError("expected a cmabi.types.FuncType")
        if not callable(fn):
            raise TypeError("expected a callable")
        cw = _cw()
        flat_params, flat_results = functype.flat("lower")
        core = cw.FuncType(_core_valtypes(flat_params), _core_valtypes(flat_results))
        ptypes = functype.param_types
        rtypes = functype.result_types
        spill_result = len(_t.flatten_types(rtypes)) > _t.MAX_FLAT_RESULTS
        uses_memory = _uses_memory(functype)
        encoding = self.string_encoding
        handles = self.handles
        memory_names = self._memory_names
        realloc_names = self._realloc_names
        has_result = bool(rtypes)
        lenient = self.lenient

        def context(caller: Any) -> Context:
            # Always the calling instance's own memory (one native lookup per call).
            if not uses_memory:
                return Context(None, None, encoding, handles=handles, lenient=lenient)
            memory = CallerMemory(caller, memory_names)
            return Context(memory, _LazyRealloc(caller, realloc_names), encoding, handles=handles,
                           lenient=lenient)

        def trampoline(caller: Any, *flat: Any) -> Any:
            cx = context(caller)
            if spill_result:
                out_ptr = flat[-1]
                flat = flat[:-1]
            else:
                out_ptr = None
            try:
                result = fn(*lift_params(cx, ptypes, flat))
                if not has_result:
                    if result is not None:
                        raise TypeError(f"{module}/{name} returns nothing, but its host function "
                                        f"returned {result!r}")
                    out = None
                else:
                    out = lower_results(cx, rtypes, (result,), out_ptr)
            except BaseException:
                _abandon(cx)
                raise
            cx.end_call()
            return out[0] if out else None

        self.linker.define_func(module, name, core, trampoline, access_caller=True)

    def define_function(self, function: Any, fn: Callable[..., Any]) -> Tuple[str, str]:
        """Define a :class:`cmabi.wit.Function` (anything with ``name``, ``type``
        and ``interface``) as ``fn``."""
        return self.define(function.interface, function.name, function.type, fn)

    def define_world(self, world: Any, implementations: Dict[str, Any]) -> None:
        """Define every import of a :class:`cmabi.wit.World`.

        ``implementations`` maps a world-level function's name to its callable,
        and an interface's qualified name to a dict (or an object with attributes)
        of callables by WIT function name. Resources the interface defines get
        their ``[resource-drop]`` import, and their functions the object
        conversions of :meth:`define_resource`. A missing implementation raises
        ``LookupError`` before anything is defined."""
        plan: List[Tuple[Any, Callable[..., Any]]] = []
        resources: List[Tuple[str, ResourceType, List[Tuple[str, FuncType, Callable[..., Any]]]]] = []

        def lookup(impl: Any, name: str) -> Any:
            if isinstance(impl, dict):
                return impl.get(name)
            return getattr(impl, name.replace("-", "_"), None)

        for key, item in world.imports.items():
            functions = getattr(item, "functions", None)
            if isinstance(functions, dict):
                impl = implementations.get(key)
                if impl is None:
                    raise LookupError(f"no implementation for imported interface {key}")
                by_resource: Dict[ResourceType, List[Tuple[str, FuncType, Callable[..., Any]]]] = {
                    r: [] for r in getattr(item, "resources", {}).values()}
                for fname, f in functions.items():
                    fn = lookup(impl, fname)
                    if fn is None:
                        raise LookupError(f"no implementation for {key}#{fname}")
                    if f.resource is not None and f.resource in by_resource:
                        by_resource[f.resource].append((fname, f.type, fn))
                    else:
                        plan.append((f, fn))
                for r, fs in by_resource.items():
                    resources.append((key, r, fs))
            elif hasattr(item, "type") and hasattr(item, "interface"):
                fn = implementations.get(key)
                if fn is None:
                    raise LookupError(f"no implementation for imported function {key}")
                plan.append((item, fn))
        for key, r, fs in resources:
            self.resource(r)   # first, so the functions convert its objects
        for key, r, fs in resources:
            self.define_resource(key, r, functions=fs)
        for f, fn in plan:
            self.define_function(f, fn)

    # -- resources

    def resource(self, type: ResourceType, on_drop: Optional[Callable[[Any], Any]] = None) -> HostResource:
        """The :class:`HostResource` for ``type`` (made on first use)."""
        r = self.resources.get(type)
        if r is None:
            r = self.resources[type] = HostResource(type, on_drop)
        elif on_drop is not None:
            r.on_drop = on_drop
        return r

    def define_resource(self, interface: Optional[str], type: ResourceType, name: Optional[str] = None,
                        *, functions: Iterable[Tuple[str, FuncType, Callable[..., Any]]] = (),
                        on_drop: Optional[Callable[[Any], Any]] = None) -> HostResource:
        """Define a host resource: its ``[resource-drop]`` import and its
        ``functions`` — ``(wit_name, functype, fn)`` with WIT names
        ``[constructor]R``, ``[method]R.m``, ``[static]R.f``.

        Arguments and results of type ``own<R>``/``borrow<R>`` at the top level are
        converted between handles and the Python objects: a constructor returns
        the object, a method gets the object as ``self`` (``fn(obj, *args)``); an
        owned object passed in by the guest is handed over to ``fn`` (removed from
        the table). Nested handles stay ``int`` representations (see
        :meth:`HostResource.get`)."""
        name = type.name if name is None else name
        res = self.resource(type, on_drop)
        handles = self.handles

        def drop(i: int) -> None:
            rep = handles.drop(type, i)
            if rep is not None:
                res.drop(rep)

        if self.mangling == "legacy":
            self.define_core(interface if interface is not None else "$root", f"[resource-drop]{name}",
                             FuncType([("self", _t.U32)]), drop)
        else:
            module, _ = import_name("", interface, self.mangling)
            self.define_core(module, f"{name}_drop", FuncType([("self", _t.U32)]), drop)
        for wit_name, functype, fn in functions:
            self.define(interface, wit_name, functype, fn)
        return res

    def _wrap_resource_fn(self, functype: FuncType, fn: Callable[..., Any]) -> Callable[..., Any]:
        convert_in: List[Optional[Callable[[int], Any]]] = []
        for _, t in functype.params:
            if isinstance(t, (_t.Own, _t.Borrow)) and t.resource in self.resources:
                r = self.resources[t.resource]
                convert_in.append(r.take if isinstance(t, _t.Own) else r.get)
            else:
                convert_in.append(None)
        out = functype.result
        convert_out: Optional[Callable[[Any], int]] = None
        if isinstance(out, _t.Own) and out.resource in self.resources:
            convert_out = self.resources[out.resource].new
        if not any(convert_in) and convert_out is None:
            return fn

        def wrapped(*args: Any) -> Any:
            args = tuple(a if c is None else c(a) for c, a in zip(convert_in, args))
            result = fn(*args)
            return result if convert_out is None else convert_out(result)

        return wrapped
