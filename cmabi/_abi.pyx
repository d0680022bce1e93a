# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True
"""Canonical ABI lift/lower between Python values and linear memory / flat core
values (CanonicalABI.md, 32-bit memories, synchronous calls).

Everything goes through a :class:`Context` (memory, realloc, string encoding,
handle table, lenient or strict value rules: ``_accept.pxd``). Each type descriptor (``cmabi.types``) is compiled once into a
``_Codec`` cached on the descriptor; a call is then a switch on a C int per value.

Guest memory is never cached across Python code: the memory's base and length are
re-read from ``memory._cmabi_memory()`` at every entry point, after every ``realloc``
call and after anything else that may run Python code (a getter, ``__hash__``, a
finalizer) before memory is touched again, unless the memory is *pinned* for the
operation (see :class:`Context`). Lifting runs no Python code at all (no callbacks,
and the garbage collector is paused: a finalizer could move or free the memory).
Containers are read from their own storage (a ``list`` subclass's ``__len__`` or
``__getitem__`` is not consulted), and a list changed by Python code run while it is
lowered raises ``RuntimeError``. Every access the guest controls (pointers, lengths,
discriminants, chars, strings, handles) is checked and raises :class:`Trap`.
"""
import sys
import struct

from libc.stdint cimport int8_t, int16_t, int32_t, int64_t, uint8_t, uint16_t, uint32_t, uint64_t, uintptr_t
from libc.string cimport memcpy
from cpython.bytes cimport PyBytes_FromStringAndSize, PyBytes_AS_STRING, PyBytes_GET_SIZE
from cpython.bytearray cimport PyByteArray_AS_STRING, PyByteArray_GET_SIZE
from cpython.list cimport PyList_New, PyList_SET_ITEM, PyList_GET_SIZE, PyList_GET_ITEM
from cpython.tuple cimport PyTuple_GET_SIZE, PyTuple_GET_ITEM
from cpython.dict cimport PyDict_Items
from cpython.ref cimport Py_INCREF

cdef extern from "Python.h":
    object PyUnicode_DecodeUTF8(const char* s, Py_ssize_t size, const char* errors)
    object PyUnicode_DecodeUTF16(const char* s, Py_ssize_t size, const char* errors, int* byteorder)
    object PyUnicode_DecodeLatin1(const char* s, Py_ssize_t size, const char* errors)
    object PyUnicode_AsEncodedString(object s, const char* encoding, const char* errors)
    const char* PyUnicode_AsUTF8AndSize(object s, Py_ssize_t* size) except NULL
    Py_ssize_t PyUnicode_GET_LENGTH(object s)
    Py_UCS4 PyUnicode_MAX_CHAR_VALUE(object s)
    Py_UCS4 PyUnicode_READ_CHAR(object s, Py_ssize_t i)
    unsigned long long PyLong_AsUnsignedLongLongMask(object v) except? 0xFFFFFFFFFFFFFFFF
    object PyLong_FromUnsignedLongLong(unsigned long long v)
    object PyLong_FromLongLong(long long v)
    int PyUnicode_KIND(object s)
    void* PyUnicode_DATA(object s)
    enum: PyUnicode_1BYTE_KIND
    bint PyLong_CheckExact(object v)
    PyObject** PySequence_Fast_ITEMS(object seq)
    ctypedef struct PyObject
    int PyGC_Disable()
    int PyGC_Enable()

from cmabi._accept cimport (
    LIST_BUFFER, accept_bool, accept_char, accept_float, accept_int, accept_list, accept_map,
    accept_str, accept_tuple, check_list_size, check_map_size, enum_case, flags_bits, record_field,
    variant_case)

from ._errors import Trap, refuse_copy
from . import types as _t
from .values import Record as _RecordValue, Variant as _VariantValue

if sys.byteorder != "little":  # pragma: no cover
    raise ImportError("cmabi supports little-endian hosts only")

MAX_FLAT_PARAMS = 16
MAX_FLAT_RESULTS = 1
MAX_STRING_BYTE_LENGTH = (1 << 28) - 1
MAX_LIST_BYTE_LENGTH = (1 << 28) - 1
UTF16_TAG = 1 << 31
MAX_HANDLES = (1 << 28) - 1

cdef enum:
    C_MAX_STRING = (1 << 28) - 1
    C_MAX_LIST = (1 << 28) - 1
cdef uint32_t C_UTF16_TAG = 0x80000000
cdef uint64_t C_REALLOC_MAX = 0xFFFFFFFF

# string encodings
cdef enum:
    E_UTF8 = 0
    E_UTF16 = 1
    E_LATIN1_UTF16 = 2
    E_LATIN1 = 3

# core types
cdef enum:
    C_I32 = 0
    C_I64 = 1
    C_F32 = 2
    C_F64 = 3

# type kinds: cmabi.types numbers its descriptors the same (see type_kinds)
cdef enum:
    K_BOOL = 0
    K_S8 = 1
    K_U8 = 2
    K_S16 = 3
    K_U16 = 4
    K_S32 = 5
    K_U32 = 6
    K_S64 = 7
    K_U64 = 8
    K_F32 = 9
    K_F64 = 10
    K_CHAR = 11
    K_STRING = 12
    K_LIST = 13
    K_FIXED_LIST = 14
    K_RECORD = 15
    K_TUPLE = 16
    K_VARIANT = 17
    K_ENUM = 18
    K_OPTION = 19
    K_RESULT = 20
    K_FLAGS = 21
    K_MAP = 22
    K_OWN = 23
    K_BORROW = 24



def type_kinds():
    """The type kinds compiled in here, in order (checked against the
    numbers cmabi.types gives its descriptors: tests/test_constants.py)."""
    return (K_BOOL, K_S8, K_U8, K_S16, K_U16, K_S32, K_U32, K_S64, K_U64, K_F32, K_F64,
            K_CHAR, K_STRING, K_LIST, K_FIXED_LIST, K_RECORD, K_TUPLE, K_VARIANT, K_ENUM,
            K_OPTION, K_RESULT, K_FLAGS, K_MAP, K_OWN, K_BORROW)

_ENCODINGS = {"utf8": E_UTF8, "utf-8": E_UTF8, "utf16": E_UTF16, "utf-16": E_UTF16,
              "latin1+utf16": E_LATIN1_UTF16, "latin1-utf16": E_LATIN1_UTF16}
_CORE = {"i32": C_I32, "i64": C_I64, "f32": C_F32, "f64": C_F64}

cdef object _NAN = struct.unpack("<d", struct.pack("<Q", 0x7ff8000000000000))[0]
cdef uint32_t CANON_NAN32 = 0x7fc00000
cdef uint64_t CANON_NAN64 = 0x7ff8000000000000


# Objects of these classes hold live state (a call's borrows, an instance's handles,
# raw memory addresses): no copies, no pickles.
cdef class _LiveObject:

    def __reduce__(self):
        refuse_copy(self)


# --------------------------------------------------------------------------- memory

cdef class ByteArrayMemory:
    """A linear memory backed by a ``bytearray``, for tests and pure-Python hosts.

    ``data`` is the bytearray (don't keep a ``memoryview`` of it alive across
    :meth:`grow`). Implements the ``_cmabi_memory()`` protocol."""
    cdef readonly bytearray data

    def __cinit__(self, *args, **kwargs):
        self.data = bytearray()  # never None, even when __init__ is skipped

    def __reduce__(self):
        return (ByteArrayMemory, (0,), self.data)  # copies and pickles with its bytes

    def __setstate__(self, data):
        self.data = bytearray(data)

    def __init__(self, size=65536):
        self.data = bytearray(size)

    def _cmabi_memory(self):
        """(base address, length in bytes) — the protocol :class:`Context` reads."""
        return (<uintptr_t>PyByteArray_AS_STRING(self.data), PyByteArray_GET_SIZE(self.data))

    def grow(self, Py_ssize_t nbytes):
        """Append ``nbytes`` zero bytes (the buffer may move)."""
        self.data.extend(bytes(nbytes))

    def __len__(self):
        return len(self.data)


# --------------------------------------------------------------------------- handles

cdef class Context


cdef class ResourceHandle(_LiveObject):
    """One element of a :class:`HandleTable` (the spec's ``ResourceHandle``).

    An owned handle has no ``borrow_scope``; a borrowed one belongs to the call of
    the :class:`Context` it was lowered in (and only lowering makes live ones)."""
    cdef readonly object resource
    cdef readonly object rep
    cdef readonly bint own
    cdef readonly Context borrow_scope
    cdef readonly Py_ssize_t num_lends

    def __init__(self, resource, rep, bint own, borrow_scope=None):
        if own and borrow_scope is not None:
            raise ValueError("an owned handle has no borrow scope")
        if not own and not isinstance(borrow_scope, Context):
            raise TypeError("a borrowed handle's borrow_scope must be the Context of its call")
        self.resource = resource
        self.rep = rep
        self.own = own
        self.borrow_scope = borrow_scope
        self.num_lends = 0

    def __repr__(self):
        return (f"ResourceHandle({self.resource!r}, rep={self.rep!r}, "
                f"{'own' if self.own else 'borrow'}, lends={self.num_lends})")


cdef class HandleTable(_LiveObject):
    """A component instance's handle table (the spec's ``Table``): index 0 is
    never valid, freed slots are reused, at most 2**28-1 live entries."""
    cdef list array
    cdef list free

    def __cinit__(self):
        self.array = [None]
        self.free = []

    def __len__(self):
        return len(self.array) - 1 - len(self.free)

    # The codecs use these C methods: a subclass cannot run Python code in a lift.
    cdef ResourceHandle _get(self, uint32_t i):
        if i >= <uint32_t>len(self.array) or self.array[i] is None:
            raise Trap(f"invalid handle index {i}")
        return self.array[i]

    cdef uint32_t _add(self, ResourceHandle h) except? 0:
        cdef Py_ssize_t i
        if self.free:
            i = self.free.pop()
            self.array[i] = h
        else:
            i = len(self.array)
            if i > MAX_HANDLES:
                raise Trap("handle table full")
            self.array.append(h)
        return <uint32_t>i

    cdef ResourceHandle _remove(self, uint32_t i):
        h = self._get(i)
        self.array[i] = None
        self.free.append(i)
        return h

    def get(self, uint32_t i):
        """The handle at ``i``; traps if there is none."""
        return self._get(i)

    def add(self, ResourceHandle h not None):
        """Add ``h``; returns its index."""
        return self._add(h)

    def remove(self, uint32_t i):
        """Remove and return the handle at ``i``; traps if there is none."""
        return self._remove(i)

    def new_own(self, resource, rep):
        """``canon resource.new``: a new owned handle for ``rep``; returns its index."""
        return self._add(ResourceHandle(resource, rep, True))

    def rep(self, resource, uint32_t i):
        """``canon resource.rep``: the representation behind handle ``i``."""
        h = self._get(i)
        if h.resource is not resource:
            raise Trap("handle of the wrong resource type")
        _check_borrow_live(h, i)
        return h.rep

    def drop(self, resource, uint32_t i):
        """``canon resource.drop``: remove handle ``i``. Returns the representation
        of an owned handle (the caller runs the destructor) or ``None`` for a
        borrow (which ends that borrow). Traps, leaving the table as it was, for
        a handle of another resource, one that is lent out (``num_lends``), or a
        borrow whose call has ended."""
        cdef ResourceHandle h = self._get(i)
        if h.resource is not resource:
            raise Trap("handle of the wrong resource type")
        if h.num_lends != 0:
            raise Trap("dropping a handle that is lent out")
        _check_borrow_live(h, i)
        self._remove(i)
        if h.own:
            return h.rep
        del h.borrow_scope.borrows[h]  # live: _check_borrow_live found it there
        return None


cdef int _check_borrow_live(ResourceHandle h, uint32_t i) except -1:
    """A borrowed handle is valid only during the call it was lowered for."""
    # (A borrow made without __init__ has no scope: never live.)
    if not h.own and (h.borrow_scope is None or h not in h.borrow_scope.borrows):
        raise Trap(f"handle {i} is a borrow whose call has ended")
    return 0


# --------------------------------------------------------------------------- context

cdef class Context(_LiveObject):
    """Everything a lift or lower needs (the spec's ``LiftLowerContext``).

    ``memory``: any object whose ``_cmabi_memory()`` returns ``(address, length)``
    of the linear memory's bytes (e.g. :class:`ByteArrayMemory`), or ``None`` when
    the types involved need no memory. It may also have ``_cmabi_pin()``: keep the
    memory where it is (not moved, shrunk or freed by any Python code) until the
    callable it returns is called, or return ``None`` if it cannot; an operation
    pins the memory the first time it runs Python code other than ``realloc``, and
    re-reads ``_cmabi_memory()`` after each such point otherwise.
    ``realloc(old_ptr, old_size, align, new_size) -> int``: the guest's
    ``cabi_realloc`` (or ``None``).
    ``string_encoding``: the guest's, ``'utf8'``, ``'utf16'`` or ``'latin1+utf16'``.
    ``host_string_encoding``: how Python strings count as a *source* for the
    spec's ``store_string`` (its allocation strategy depends on it): ``'utf8'``
    (default: code units are UTF-8 bytes, like a Rust host), ``'utf16'`` or
    ``'latin1+utf16'`` (Latin-1 when every character fits, else UTF-16).
    ``handles``: the guest instance's :class:`HandleTable` (a new one by default).
    ``instance``: identity of the guest instance (see ``ResourceType.instance``).
    ``lenient``: also lower the values the strict rules (wasmtime-py's, shared with
    ``cwasmtime.component``) refuse: an int for bool or a float, a list for a tuple,
    a tuple for a list, a list or tuple of ints for ``list<u8>``, a dict for a
    record, any iterable of names for flags, any object with ``tag`` and
    ``payload`` for a tagged variant.

    A context is also the borrow scope of one call: borrows lowered into the guest
    and owned handles lent by lifting a borrow are settled by :meth:`end_call`,
    after which the next call starts. While an operation runs, the memory must not
    shrink (``ValueError``; ``Trap`` when ``realloc`` shrank it).
    """
    cdef readonly object memory
    cdef readonly object realloc
    cdef readonly str string_encoding
    cdef readonly str host_string_encoding
    cdef readonly HandleTable handles
    cdef readonly object instance
    cdef readonly bint lenient
    cdef int enc
    cdef int host_enc
    cdef uint8_t* base
    cdef uint64_t length
    cdef list lenders
    cdef dict borrows           # this call's live borrowed handles -> their index
    cdef bint bytearray_memory  # a ByteArrayMemory: read its bytearray directly
    cdef bint pinnable          # the memory has a _cmabi_pin() that may succeed
    cdef object unpin           # while pinned: what ends the pin
    cdef Py_ssize_t depth       # operations running on this context now

    def __cinit__(self, *args, **kwargs):
        # What __init__'s defaults give: usable even when __init__ is skipped.
        self.string_encoding = self.host_string_encoding = "utf8"
        self.handles = HandleTable()
        self.lenders = []
        self.borrows = {}

    def __init__(self, memory=None, realloc=None, str string_encoding="utf8", *,
                 HandleTable handles=None, instance=None, str host_string_encoding="utf8",
                 bint lenient=False):
        if string_encoding not in _ENCODINGS:
            raise ValueError(f"unknown string encoding {string_encoding!r}")
        if host_string_encoding not in _ENCODINGS:
            raise ValueError(f"unknown string encoding {host_string_encoding!r}")
        if memory is not None and not hasattr(memory, "_cmabi_memory"):
            raise TypeError("memory must have a _cmabi_memory() method returning (address, length)")
        if realloc is not None and not callable(realloc):
            raise TypeError("realloc must be callable")
        self.memory = memory
        self.realloc = realloc
        self.string_encoding = string_encoding
        self.host_string_encoding = host_string_encoding
        self.enc = _ENCODINGS[string_encoding]
        self.host_enc = _ENCODINGS[host_string_encoding]
        if handles is not None:
            self.handles = handles
        self.instance = instance
        self.lenient = lenient
        self.bytearray_memory = type(memory) is ByteArrayMemory
        self.pinnable = hasattr(memory, "_cmabi_pin")

    cdef int refresh(self, bint in_realloc=False) except -1:
        """Re-read the memory's base and length. During an operation the memory must
        not have shrunk: every range checked so far has to stay inside it."""
        cdef uintptr_t addr
        cdef uint64_t n
        if self.memory is None:
            self.base = NULL
            self.length = 0
            return 0
        if self.bytearray_memory:
            data = (<ByteArrayMemory>self.memory).data
            addr = <uintptr_t>PyByteArray_AS_STRING(data)
            n = PyByteArray_GET_SIZE(data)
        else:
            a, size = self.memory._cmabi_memory()
            if size < 0:
                raise ValueError("negative memory length")
            addr = a
            n = size
        if n > 0xFFFFFFFF:
            n = 0x100000000  # a 32-bit memory can't address more
        if self.depth > 0 and n < self.length:
            if in_realloc:
                raise Trap("linear memory shrank during realloc")
            raise ValueError("linear memory shrank while a value was converted (it must never shrink)")
        if addr == 0 and n != 0:
            raise ValueError("memory address is NULL")
        self.base = <uint8_t*>addr
        self.length = n
        return 0

    def end_call(self):
        """End the call this context served: give back the owned handles lent by
        lifting ``borrow`` values, remove the borrowed handles the guest did not
        drop from the table, then trap if there were any (the guest must drop
        them before returning)."""
        cdef ResourceHandle h
        for h in self.lenders:
            h.num_lends -= 1
        self.lenders = []
        left, self.borrows = self.borrows, {}
        for h, i in left.items():
            if self.handles.array[i] is h:
                self.handles._remove(i)
        if left:
            raise Trap(f"{len(left)} borrowed handle(s) not dropped before the call ended")

    @property
    def num_borrows(self):
        """Borrowed handles lowered in this call and not dropped yet."""
        return len(self.borrows)

    @property
    def memory_size(self):
        """The memory's current length in bytes (re-read now)."""
        self.refresh()
        return self.length


cdef inline int _need_memory(Context cx) except -1:
    if cx.memory is None:
        raise ValueError("this type needs a memory (Context(memory=...))")
    return 0


cdef object _begin(Context cx):
    """Start an operation on ``cx`` (operations nest when Python code they run
    converts more values): read the memory. Returns what :func:`_end` needs."""
    cx.refresh()
    cx.depth += 1
    return cx.unpin


cdef int _end(Context cx, object outer_unpin) except -1:
    """End an operation: release the pin it took, if any."""
    cx.depth -= 1
    unpin = cx.unpin
    if unpin is not outer_unpin:
        cx.unpin = outer_unpin
        unpin()
    return 0


cdef inline int _after_python(Context cx) except -1:
    """Call after anything that may have run Python code (a getter, ``__hash__``, an
    allocation's finalizer) and before memory is touched again: that code may have
    grown (moved) or shrunk the memory, or closed its Store."""
    if cx.unpin is not None or cx.memory is None:
        return 0
    return _revalidate(cx)


cdef int _revalidate(Context cx) except -1:
    cx.refresh()
    if cx.pinnable:  # pin the memory for the rest of the operation: no more re-reads
        unpin = cx.memory._cmabi_pin()
        if unpin is None:
            cx.pinnable = False
        else:
            cx.unpin = unpin
            cx.refresh()  # pinning ran Python code too
    return 0


cdef int64_t _realloc(Context cx, uint32_t old_ptr, uint32_t old_size, uint32_t align,
                      uint32_t new_size) except -1:
    if cx.realloc is None:
        raise ValueError("this value needs a realloc (Context(realloc=...))")
    r = cx.realloc(old_ptr, old_size, align, new_size)
    if not isinstance(r, int):
        raise Trap(f"realloc returned {type(r).__name__}, not an int")
    cdef uint32_t ptr = <uint32_t>(PyLong_AsUnsignedLongLongMask(r) & 0xFFFFFFFF)
    cx.refresh(True)
    return ptr


cdef inline int _check(Context cx, uint64_t ptr, uint64_t align, uint64_t nbytes, str what) except -1:
    if ptr & (align - 1):
        raise Trap(f"misaligned {what}: {ptr:#x} is not {align}-byte aligned")
    if ptr + nbytes > cx.length:
        raise Trap(f"{what} out of bounds: {ptr:#x} + {nbytes} > memory size {cx.length}")
    return 0


cdef inline int _check_bounds(Context cx, uint64_t ptr, uint64_t nbytes, str what) except -1:
    if ptr + nbytes > cx.length:
        raise Trap(f"{what} out of bounds: {ptr:#x} + {nbytes} > memory size {cx.length}")
    return 0


# --------------------------------------------------------------------------- codecs

cdef class _Codec(_LiveObject):
    cdef int kind
    cdef uint32_t size
    cdef uint32_t align
    cdef Py_ssize_t nflat
    cdef object type
    cdef _Codec elem                 # list/fixed-list/map element, option payload
    cdef tuple children              # record/tuple fields, variant case payloads (or None)
    cdef tuple offsets               # record/tuple field offsets
    cdef tuple labels                # record fields, case tags, enum/flags labels
    cdef dict index                  # label -> index (variants, enums, flags)
    cdef tuple classes               # untagged variants: per case a class tuple or None
    cdef bint tagged
    cdef uint32_t disc_size
    cdef uint32_t payload_offset
    cdef uint32_t length             # fixed lists
    cdef bint is_bytes
    cdef object resource
    cdef tuple flat_codes            # joined flat core types (variants: without the discriminant)
    cdef tuple case_flat             # variants: per case its flat core type codes


cdef _Codec codec_of(object t):
    """The codec of type descriptor ``t`` (built once, cached on the descriptor)."""
    c = getattr(t, "_codec", None) if isinstance(t, _t.ValType) else None
    if type(c) is _Codec:
        return <_Codec>c
    if not isinstance(t, _t.ValType):
        raise TypeError(f"expected a cmabi type, got {t!r}")
    cdef _Codec cd = _Codec.__new__(_Codec)
    cd.type = t
    cd.kind = t.kind
    cd.size = t.size
    cd.align = t.alignment
    cd.nflat = len(t.flat)
    cdef int k = cd.kind
    if k == K_LIST or k == K_FIXED_LIST:
        cd.elem = codec_of(t.element)
        cd.is_bytes = t.element.kind == K_U8
        if k == K_FIXED_LIST:
            cd.length = t.length
    elif k == K_MAP:
        cd.elem = codec_of(t.entry)
    elif k == K_RECORD:
        cd.children = tuple(codec_of(ft) for _, ft in t.fields)
        cd.labels = tuple(n for n, _ in t.fields)
        cd.offsets = t.offsets
    elif k == K_TUPLE:
        cd.children = tuple(codec_of(ft) for ft in t.types)
        cd.offsets = t.offsets
    elif k == K_VARIANT or k == K_ENUM or k == K_OPTION or k == K_RESULT:
        cd.children = tuple(None if ct is None else codec_of(ct) for _, ct in t.cases)
        cd.labels = tuple(n for n, _ in t.cases)
        cd.index = {n: i for i, n in enumerate(cd.labels)}
        cd.tagged = t.tagged
        cd.classes = tuple(None if ct is None else tuple(ct.python_classes) for _, ct in t.cases)
        cd.disc_size = t.disc_size
        cd.payload_offset = t.payload_offset
        cd.flat_codes = tuple(_CORE[f] for f in t.flat[1:])
        cd.case_flat = tuple(() if ct is None else tuple(_CORE[f] for f in ct.flat) for _, ct in t.cases)
    elif k == K_FLAGS:
        cd.labels = t.labels
        cd.index = {n: i for i, n in enumerate(t.labels)}
    elif k == K_OWN or k == K_BORROW:
        cd.resource = t.resource
    _validate(cd)
    object.__setattr__(t, "_codec", cd)
    return cd


# For messages: the integer kinds' WIT names.
cdef tuple _KIND_NAMES = ("bool", "s8", "u8", "s16", "u16", "s32", "u32", "s64", "u64")


cdef dict _PRIMITIVE_SIZE = {K_BOOL: 1, K_S8: 1, K_U8: 1, K_S16: 2, K_U16: 2, K_S32: 4, K_U32: 4,
                             K_S64: 8, K_U64: 8, K_F32: 4, K_F64: 8, K_CHAR: 4}


cdef int _validate(_Codec cd) except -1:
    """Every memory access is bounds-checked against a type's size only: its parts
    must fit in it as the Canonical ABI lays them out. A descriptor made by
    cmabi.types always does; one changed after the fact (a subclass, or
    object.__setattr__) may not."""
    cdef int k = cd.kind
    cdef Py_ssize_t i, n, nflat = 0
    cdef _Codec child
    cdef bint ok = cd.align in (1, 2, 4, 8) and cd.size % cd.align == 0
    if k <= K_CHAR:
        ok = ok and cd.size == _PRIMITIVE_SIZE[k] and cd.align == cd.size and cd.nflat == 1
    elif k == K_STRING or k == K_LIST or k == K_MAP:
        ok = ok and cd.size == 8 and cd.align == 4 and cd.nflat == 2
    elif k == K_FIXED_LIST:
        ok = (ok and cd.size == <uint64_t>cd.elem.size * cd.length and cd.align == cd.elem.align
              and cd.nflat == cd.elem.nflat * <Py_ssize_t>cd.length)
    elif k == K_RECORD or k == K_TUPLE:
        n = len(cd.children)
        ok = ok and len(cd.offsets) == n and (k == K_TUPLE or len(cd.labels) == n)
        for i in range(n if ok else 0):
            child = cd.children[i]
            ok = ok and _fits(cd, child, cd.offsets[i])
            nflat += child.nflat
        ok = ok and cd.nflat == nflat
    elif k == K_VARIANT or k == K_ENUM or k == K_OPTION or k == K_RESULT:
        n = len(cd.children)
        ok = (ok and cd.disc_size in (1, 2, 4) and 0 < n and (n - 1) >> (8 * cd.disc_size) == 0
              and cd.payload_offset >= cd.disc_size and len(cd.labels) == n and len(cd.case_flat) == n
              and len(cd.classes) == n and cd.nflat == 1 + len(cd.flat_codes))
        for i in range(n if ok else 0):
            if cd.children[i] is not None:
                child = cd.children[i]
                ok = (ok and _fits(cd, child, cd.payload_offset)
                      and len(cd.case_flat[i]) == child.nflat <= len(cd.flat_codes))
    elif k == K_FLAGS:
        ok = (ok and cd.size in (1, 2, 4) and cd.align == cd.size and cd.nflat == 1
              and 0 < len(cd.labels) <= 8 * cd.size)
    elif k == K_OWN or k == K_BORROW:
        ok = ok and cd.size == 4 and cd.align == 4 and cd.nflat == 1
    else:
        ok = False
    if not ok:
        raise TypeError(f"{cd.type!r} is not a consistent cmabi type: its layout does not match "
                        "its parts (was the descriptor changed?)")
    return 0


cdef bint _fits(_Codec parent, _Codec child, object offset):
    return (isinstance(offset, int) and 0 <= offset and offset % child.align == 0
            and offset + child.size <= parent.size and child.align <= parent.align)


# ---- small helpers (none runs Python code: int/float/str subclasses are read
# through the C API, never through their __index__, __float__, __len__ ...)

cdef inline uint32_t _f32_bits(double d):
    cdef float f = <float>d
    cdef uint32_t bits
    if f != f:
        return CANON_NAN32
    memcpy(&bits, &f, 4)
    return bits


cdef inline uint64_t _f64_bits(double d):
    cdef uint64_t bits
    if d != d:
        return CANON_NAN64
    memcpy(&bits, &d, 8)
    return bits


cdef inline object _f32_from_bits(uint32_t bits):
    cdef float f
    memcpy(&f, &bits, 4)
    if f != f:
        return _NAN
    return <double>f


cdef inline object _f64_from_bits(uint64_t bits):
    cdef double d
    memcpy(&d, &bits, 8)
    if d != d:
        return _NAN
    return d


cdef inline object _f32_canon(double d):
    cdef float f = <float>d
    if f != f:
        return _NAN
    return <double>f


cdef inline object _f64_canon(double d):
    if d != d:
        return _NAN
    return d


cdef inline object _char_from(uint32_t i):
    if i >= 0x110000:
        raise Trap(f"invalid char: {i:#x} is not a Unicode code point")
    if 0xD800 <= i <= 0xDFFF:
        raise Trap(f"invalid char: {i:#x} is a surrogate")
    return chr(i)


# ---- primitive memory access (offsets already bounds-checked)

cdef inline uint64_t _rd(Context cx, uint64_t ptr, uint32_t n):
    cdef uint64_t v = 0
    memcpy(&v, cx.base + ptr, n)
    return v


cdef inline void _wr(Context cx, uint64_t ptr, uint64_t v, uint32_t n):
    memcpy(cx.base + ptr, &v, n)


cdef object _load_prim(Context cx, int kind, uint64_t ptr):
    if kind == K_BOOL:
        return cx.base[ptr] != 0
    elif kind == K_U8:
        return <long>cx.base[ptr]
    elif kind == K_S8:
        return <long>(<int8_t>cx.base[ptr])
    elif kind == K_U16:
        return <long>(<uint16_t>_rd(cx, ptr, 2))
    elif kind == K_S16:
        return <long>(<int16_t>_rd(cx, ptr, 2))
    elif kind == K_U32:
        return <long long>(<uint32_t>_rd(cx, ptr, 4))
    elif kind == K_S32:
        return <long long>(<int32_t>_rd(cx, ptr, 4))
    elif kind == K_U64:
        return PyLong_FromUnsignedLongLong(_rd(cx, ptr, 8))
    elif kind == K_S64:
        return PyLong_FromLongLong(<int64_t>_rd(cx, ptr, 8))
    elif kind == K_F32:
        return _f32_from_bits(<uint32_t>_rd(cx, ptr, 4))
    elif kind == K_F64:
        return _f64_from_bits(_rd(cx, ptr, 8))
    elif kind == K_CHAR:
        return _char_from(<uint32_t>_rd(cx, ptr, 4))
    raise AssertionError(kind)


cdef int _store_prim(Context cx, int kind, uint32_t size, object v, uint64_t ptr) except -1:
    cdef uint64_t bits
    if kind == K_BOOL:
        bits = accept_bool(v, cx.lenient)
    elif kind <= K_U64:
        bits = accept_int(v, _KIND_NAMES[kind])
    elif kind == K_F32:
        bits = _f32_bits(accept_float(v, "f32", cx.lenient))
    elif kind == K_F64:
        bits = _f64_bits(accept_float(v, "f64", cx.lenient))
    elif kind == K_CHAR:
        bits = accept_char(v)
    else:
        raise AssertionError(kind)
    _wr(cx, ptr, bits, size)
    return 0


# --------------------------------------------------------------------------- strings

cdef object _load_string_from_range(Context cx, uint32_t ptr, uint32_t tagged):
    cdef uint64_t nbytes
    cdef uint64_t align
    cdef int enc
    cdef int byteorder = -1
    _need_memory(cx)
    if cx.enc == E_UTF8:
        align = 1
        nbytes = tagged
        enc = E_UTF8
    elif cx.enc == E_UTF16:
        align = 2
        nbytes = 2 * <uint64_t>tagged
        enc = E_UTF16
    else:
        align = 2
        if tagged & C_UTF16_TAG:
            nbytes = 2 * <uint64_t>(tagged ^ C_UTF16_TAG)
            enc = E_UTF16
        else:
            nbytes = tagged
            enc = E_LATIN1
    if nbytes > C_MAX_STRING:
        raise Trap(f"string of {nbytes} bytes exceeds the {C_MAX_STRING}-byte limit")
    _check(cx, ptr, align, nbytes, "string")
    try:
        if enc == E_UTF8:
            return PyUnicode_DecodeUTF8(<const char*>cx.base + ptr, nbytes, "strict")
        elif enc == E_UTF16:
            return PyUnicode_DecodeUTF16(<const char*>cx.base + ptr, nbytes, "strict", &byteorder)
        else:
            return PyUnicode_DecodeLatin1(<const char*>cx.base + ptr, nbytes, "strict")
    except UnicodeError as e:
        raise Trap(f"invalid {cx.string_encoding} string: {e}") from None


cdef inline int _string_fits(uint64_t n) except -1:
    if n > C_REALLOC_MAX:
        raise ValueError("string too long for a 32-bit memory")
    return 0


cdef int _copy_in(Context cx, uint64_t ptr, const char* src, Py_ssize_t n) except -1:
    if n:
        memcpy(cx.base + ptr, src, n)
    return 0


cdef int _store_string_copy(Context cx, const char* data, Py_ssize_t n, uint32_t units,
                            uint32_t unit_size, uint32_t align, uint32_t* out) except -1:
    cdef uint64_t nbytes = <uint64_t>unit_size * units
    _string_fits(nbytes)
    cdef uint32_t ptr = <uint32_t>_realloc(cx, 0, 0, align, <uint32_t>nbytes)
    _check(cx, ptr, align, nbytes, "string")
    if <uint64_t>n != nbytes:
        raise AssertionError("string copy length mismatch")
    _copy_in(cx, ptr, data, n)
    out[0] = ptr
    out[1] = units
    return 0


cdef int _store_string_to_utf8(Context cx, const char* utf8, Py_ssize_t utf8_len,
                               uint32_t units, uint64_t worst, uint32_t* out) except -1:
    # Optimistic: one byte per source code unit; on the first non-ASCII code
    # point grow to the worst case, finish the copy, then shrink.
    _string_fits(worst)
    cdef uint32_t ptr = <uint32_t>_realloc(cx, 0, 0, 1, units)
    _check_bounds(cx, ptr, units, "string")
    cdef Py_ssize_t i = 0
    while i < utf8_len and <uint8_t>utf8[i] < 0x80:
        i += 1
    if i == utf8_len:
        _copy_in(cx, ptr, utf8, utf8_len)
        out[0] = ptr
        out[1] = units
        return 0
    _copy_in(cx, ptr, utf8, i)
    ptr = <uint32_t>_realloc(cx, ptr, units, 1, <uint32_t>worst)
    _check_bounds(cx, ptr, worst, "string")
    _copy_in(cx, <uint64_t>ptr + i, utf8 + i, utf8_len - i)
    if worst > <uint64_t>utf8_len:
        ptr = <uint32_t>_realloc(cx, ptr, <uint32_t>worst, 1, <uint32_t>utf8_len)
        _check_bounds(cx, ptr, utf8_len, "string")
    out[0] = ptr
    out[1] = <uint32_t>utf8_len
    return 0


cdef int _store_utf8_to_utf16(Context cx, object s, uint32_t units, uint32_t* out) except -1:
    cdef uint64_t worst = 2 * <uint64_t>units
    _string_fits(worst)
    cdef uint32_t ptr = <uint32_t>_realloc(cx, 0, 0, 2, <uint32_t>worst)
    _check(cx, ptr, 2, worst, "string")
    cdef bytes encoded = PyUnicode_AsEncodedString(s, "utf-16-le", "strict")
    cdef Py_ssize_t n = PyBytes_GET_SIZE(encoded)
    _copy_in(cx, ptr, PyBytes_AS_STRING(encoded), n)
    if <uint64_t>n < worst:
        ptr = <uint32_t>_realloc(cx, ptr, <uint32_t>worst, 2, <uint32_t>n)
        _check(cx, ptr, 2, n, "string")
    out[0] = ptr
    out[1] = <uint32_t>(n // 2)
    return 0


cdef int _store_to_latin1_or_utf16(Context cx, object s, uint32_t units, uint32_t* out) except -1:
    # Optimistic Latin-1; on the first code point >= 256 grow to the UTF-16 worst
    # case, inflate the Latin-1 prefix in place (back to front), copy the rest.
    _string_fits(2 * <uint64_t>units)
    cdef uint32_t ptr = <uint32_t>_realloc(cx, 0, 0, 2, units)
    _check(cx, ptr, 2, units, "string")
    cdef Py_ssize_t n = PyUnicode_GET_LENGTH(s)
    cdef Py_ssize_t j = 0
    cdef Py_UCS4 ch
    cdef uint64_t worst
    cdef bytes encoded
    cdef Py_ssize_t elen, k
    if PyUnicode_KIND(s) == PyUnicode_1BYTE_KIND:  # every character < 256: one copy
        memcpy(cx.base + <uint64_t>ptr, PyUnicode_DATA(s), n)
        j = n
    while j < n:
        ch = PyUnicode_READ_CHAR(s, j)
        if ch >= 256:
            break
        cx.base[<uint64_t>ptr + j] = <uint8_t>ch
        j += 1
    if j == n:
        if <uint64_t>n < units:
            ptr = <uint32_t>_realloc(cx, ptr, units, 2, <uint32_t>n)
            _check(cx, ptr, 2, n, "string")
        out[0] = ptr
        out[1] = <uint32_t>n
        return 0
    worst = 2 * <uint64_t>units
    ptr = <uint32_t>_realloc(cx, ptr, units, 2, <uint32_t>worst)
    _check(cx, ptr, 2, worst, "string")
    k = j - 1
    while k >= 0:
        cx.base[<uint64_t>ptr + 2 * k] = cx.base[<uint64_t>ptr + k]
        cx.base[<uint64_t>ptr + 2 * k + 1] = 0
        k -= 1
    encoded = PyUnicode_AsEncodedString(s, "utf-16-le", "strict")
    elen = PyBytes_GET_SIZE(encoded)
    _copy_in(cx, <uint64_t>ptr + 2 * j, PyBytes_AS_STRING(encoded) + 2 * j, elen - 2 * j)
    if worst > <uint64_t>elen:
        ptr = <uint32_t>_realloc(cx, ptr, <uint32_t>worst, 2, <uint32_t>elen)
        _check(cx, ptr, 2, elen, "string")
    out[0] = ptr
    out[1] = <uint32_t>(elen // 2) | C_UTF16_TAG
    return 0


cdef int _store_string_into_range(Context cx, object s, uint32_t* out) except -1:
    """The spec's ``store_string_into_range`` for a Python str whose source
    encoding is ``cx.host_string_encoding``; out = (ptr, tagged code units)."""
    accept_str(s, "string")
    _need_memory(cx)
    cdef Py_ssize_t ncp = PyUnicode_GET_LENGTH(s)
    cdef Py_UCS4 maxc = PyUnicode_MAX_CHAR_VALUE(s)
    cdef const char* utf8 = NULL
    cdef Py_ssize_t utf8_len = 0
    cdef int src                    # E_UTF8, E_UTF16 or E_LATIN1
    cdef uint64_t units
    cdef bytes utf16 = None
    if cx.host_enc == E_UTF8:
        utf8 = PyUnicode_AsUTF8AndSize(s, &utf8_len)
        src = E_UTF8
        units = utf8_len
    else:
        if cx.host_enc == E_LATIN1_UTF16 and maxc < 256:
            src = E_LATIN1
            units = ncp
        else:
            src = E_UTF16
            if maxc < 0x10000:
                units = ncp
            else:
                utf16 = PyUnicode_AsEncodedString(s, "utf-16-le", "strict")
                units = PyBytes_GET_SIZE(utf16) // 2
    _string_fits(units)
    cdef uint32_t u = <uint32_t>units
    if cx.enc == E_UTF8:
        if src == E_UTF8:
            return _store_string_copy(cx, utf8, utf8_len, u, 1, 1, out)
        utf8 = PyUnicode_AsUTF8AndSize(s, &utf8_len)
        return _store_string_to_utf8(cx, utf8, utf8_len, u, (3 if src == E_UTF16 else 2) * units, out)
    elif cx.enc == E_UTF16:
        if src == E_UTF8:
            return _store_utf8_to_utf16(cx, s, u, out)
        if utf16 is None:
            utf16 = PyUnicode_AsEncodedString(s, "utf-16-le", "strict")
        return _store_string_copy(cx, PyBytes_AS_STRING(utf16), PyBytes_GET_SIZE(utf16), u, 2, 2, out)
    else:
        if cx.host_enc != E_LATIN1_UTF16:
            return _store_to_latin1_or_utf16(cx, s, u, out)
        if src == E_LATIN1:
            latin1 = PyUnicode_AsEncodedString(s, "latin-1", "strict")
            return _store_string_copy(cx, PyBytes_AS_STRING(latin1), PyBytes_GET_SIZE(latin1), u, 1, 2, out)
        # Source tagged UTF-16 (it has a code point >= 256, so the spec's
        # "deflate back to Latin-1" branch cannot apply): copy as UTF-16.
        if utf16 is None:
            utf16 = PyUnicode_AsEncodedString(s, "utf-16-le", "strict")
        _store_string_copy(cx, PyBytes_AS_STRING(utf16), PyBytes_GET_SIZE(utf16), u, 2, 2, out)
        out[1] = u | C_UTF16_TAG
        return 0


# --------------------------------------------------------------------------- lists

cdef object _load_list_from_range(Context cx, _Codec elem, bint is_bytes, uint32_t ptr, uint32_t length):
    cdef uint64_t nbytes = <uint64_t>length * elem.size
    _need_memory(cx)
    if nbytes > C_MAX_LIST:
        raise Trap(f"list of {nbytes} bytes exceeds the {C_MAX_LIST}-byte limit")
    _check(cx, ptr, elem.align, nbytes, "list")
    return _load_elems(cx, elem, is_bytes, ptr, length)


cdef object _load_elems(Context cx, _Codec elem, bint is_bytes, uint64_t ptr, uint32_t length):
    cdef Py_ssize_t i
    cdef list out
    cdef int kind = elem.kind
    cdef uint32_t size = elem.size
    if is_bytes:
        return PyBytes_FromStringAndSize(<const char*>cx.base + ptr, length)
    out = PyList_New(length)
    for i in range(length):
        if kind <= K_CHAR:
            v = _load_prim(cx, kind, ptr + i * size)
        else:
            v = _load(elem, cx, ptr + i * size)
        Py_INCREF(v)
        PyList_SET_ITEM(out, i, v)
    return out


cdef int _store_ints(Context cx, uint32_t size, object seq, uint64_t ptr, Py_ssize_t n) except -1:
    """Integer elements of a list or tuple of ``n`` items, written in place (the hot
    loop of list<u32> and friends: no per-element index or type dispatch). Runs no
    Python code, so ``seq`` cannot change under it."""
    cdef PyObject** items = PySequence_Fast_ITEMS(seq)
    cdef Py_ssize_t i
    cdef uint64_t bits
    for i in range(n):
        item = <object>items[i]
        if PyLong_CheckExact(item):
            bits = PyLong_AsUnsignedLongLongMask(item)
        else:
            bits = accept_int(item, "an integer type")
        memcpy(cx.base + ptr + <uint64_t>i * size, &bits, size)
    return 0


cdef int _store_elems(Context cx, _Codec elem, object seq, uint64_t ptr, Py_ssize_t n) except -1:
    """The ``n`` elements of ``seq`` (a list or tuple of that size)."""
    cdef Py_ssize_t i
    cdef int kind = elem.kind
    cdef uint32_t size = elem.size
    if K_S8 <= kind <= K_U64:
        return _store_ints(cx, size, seq, ptr, n)
    if kind <= K_CHAR:
        for i in range(n):
            _store_prim(cx, kind, size, _item(seq, i, n), ptr + i * size)
    else:
        for i in range(n):
            _store(elem, cx, _item(seq, i, n), ptr + i * size)
    return 0


cdef inline Py_ssize_t _size(object seq):
    """The number of items of a list, tuple or bytes, from its own storage."""
    if isinstance(seq, list):
        return PyList_GET_SIZE(seq)
    if isinstance(seq, tuple):
        return PyTuple_GET_SIZE(seq)
    return PyBytes_GET_SIZE(seq)


cdef inline int _check_size(object seq, Py_ssize_t n) except -1:
    if isinstance(seq, list):
        check_list_size(seq, n)
    return 0


cdef object _item(object seq, Py_ssize_t i, Py_ssize_t n):
    """Item ``i`` of a list, tuple or bytes of ``n`` items: a list may have been
    changed by Python code run since (a realloc, a getter), so its size is checked."""
    if isinstance(seq, list):
        _check_size(seq, n)
        return <object>PyList_GET_ITEM(seq, i)
    if isinstance(seq, tuple):
        return <object>PyTuple_GET_ITEM(seq, i)
    return <long>(<uint8_t>PyBytes_AS_STRING(seq)[i])


cdef object _list_value(_Codec c, Context cx, object v):
    """Validate a list or map value; returns a list, tuple or bytes (for u8 lists) to
    read (a map: its entries now, see ``check_map_size``)."""
    if c.kind == K_MAP:
        accept_map(v, c.type)
        return PyDict_Items(v)
    if accept_list(v, c.type, c.is_bytes, cx.lenient) == LIST_BUFFER:
        return v if isinstance(v, bytes) else bytes(v)
    return v


cdef int _store_list_into_range(_Codec c, Context cx, object v, uint32_t* out) except -1:
    _need_memory(cx)
    seq = _list_value(c, cx, v)
    cdef _Codec elem = c.elem
    cdef Py_ssize_t n = _size(seq)
    cdef uint64_t nbytes = <uint64_t>n * elem.size
    if nbytes > C_REALLOC_MAX:
        raise ValueError("list too long for a 32-bit memory")
    cdef uint32_t ptr = <uint32_t>_realloc(cx, 0, 0, elem.align, <uint32_t>nbytes)
    _check(cx, ptr, elem.align, nbytes, "list")
    if isinstance(seq, bytes):
        _copy_in(cx, ptr, PyBytes_AS_STRING(seq), n)
    else:
        _check_size(seq, n)  # realloc ran Python code
        _store_elems(cx, elem, seq, ptr, n)
        if c.kind == K_MAP:
            check_map_size(v, n)
    out[0] = ptr
    out[1] = <uint32_t>n
    return 0


cdef object _fixed_value(_Codec c, Context cx, object v):
    seq = _list_value(c, cx, v)
    if _size(seq) != c.length:
        raise ValueError(f"expected {c.length} elements for {c.type!r}, got {_size(seq)}")
    return seq


cdef object _finish_list(_Codec c, object lst):
    if c.kind == K_MAP:
        return dict(lst)
    return lst


# --------------------------------------------------------------------------- variants

cdef Py_ssize_t _match_case(_Codec c, Context cx, object v) except -1:
    """The case index of a Python value for a variant-like codec (its payload is
    ``v.payload`` when tagged, else ``v`` itself)."""
    if c.kind == K_ENUM:
        return enum_case(v, c.type, c.index, ValueError)
    return variant_case(v, c.type, c.tagged, c.classes, c.index, _VariantValue, cx.lenient)


cdef object _make_case(_Codec c, Py_ssize_t i, object payload):
    if c.kind == K_ENUM:
        return c.labels[i]
    if c.tagged:
        v = _VariantValue.__new__(_VariantValue)  # (its __init__ is Python code)
        v.tag = c.labels[i]
        v.payload = payload
        return v
    return payload


cdef object _new_record():
    """An empty Record, made without running its (Python) __init__."""
    return _RecordValue.__new__(_RecordValue)


# --------------------------------------------------------------------------- load / store

cdef object _load(_Codec c, Context cx, uint64_t ptr):
    cdef int k = c.kind
    cdef Py_ssize_t i
    cdef uint32_t disc
    if k <= K_CHAR:
        return _load_prim(cx, k, ptr)
    elif k == K_STRING:
        return _load_string_from_range(cx, <uint32_t>_rd(cx, ptr, 4), <uint32_t>_rd(cx, ptr + 4, 4))
    elif k == K_LIST or k == K_MAP:
        lst = _load_list_from_range(cx, c.elem, c.is_bytes, <uint32_t>_rd(cx, ptr, 4),
                                    <uint32_t>_rd(cx, ptr + 4, 4))
        return _finish_list(c, lst)
    elif k == K_FIXED_LIST:
        return _load_elems(cx, c.elem, c.is_bytes, ptr, c.length)
    elif k == K_RECORD:
        r = _new_record()
        d = r.__dict__
        for i in range(len(c.children)):
            d[c.labels[i]] = _load(<_Codec>c.children[i], cx, ptr + <uint32_t>c.offsets[i])
        return r
    elif k == K_TUPLE:
        return tuple([_load(<_Codec>c.children[i], cx, ptr + <uint32_t>c.offsets[i])
                      for i in range(len(c.children))])
    elif k == K_VARIANT or k == K_ENUM or k == K_OPTION or k == K_RESULT:
        disc = <uint32_t>_rd(cx, ptr, c.disc_size)
        if disc >= <uint32_t>len(c.children):
            raise Trap(f"discriminant {disc} out of range for {c.type!r}")
        ch = c.children[disc]
        payload = None if ch is None else _load(<_Codec>ch, cx, ptr + c.payload_offset)
        return _make_case(c, disc, payload)
    elif k == K_FLAGS:
        return _unpack_flags(c, _rd(cx, ptr, c.size))
    elif k == K_OWN:
        return _lift_own(c, cx, <uint32_t>_rd(cx, ptr, 4))
    elif k == K_BORROW:
        return _lift_borrow(c, cx, <uint32_t>_rd(cx, ptr, 4))
    raise AssertionError(k)


cdef int _store(_Codec c, Context cx, object v, uint64_t ptr) except -1:
    cdef int k = c.kind
    cdef Py_ssize_t i, n
    cdef uint64_t bits
    cdef uint32_t pair[2]
    if k <= K_CHAR:
        return _store_prim(cx, k, c.size, v, ptr)
    elif k == K_STRING:
        _store_string_into_range(cx, v, pair)
        _wr(cx, ptr, pair[0], 4)
        _wr(cx, ptr + 4, pair[1], 4)
    elif k == K_LIST or k == K_MAP:
        _store_list_into_range(c, cx, v, pair)
        _wr(cx, ptr, pair[0], 4)
        _wr(cx, ptr + 4, pair[1], 4)
    elif k == K_FIXED_LIST:
        seq = _fixed_value(c, cx, v)
        if isinstance(seq, bytes):
            _copy_in(cx, ptr, PyBytes_AS_STRING(seq), c.length)
        else:
            _store_elems(cx, c.elem, seq, ptr, c.length)
    elif k == K_RECORD:
        for i in range(len(c.children)):
            field = record_field(v, c.labels[i], cx.lenient)
            _after_python(cx)
            _store(<_Codec>c.children[i], cx, field, ptr + <uint32_t>c.offsets[i])
    elif k == K_TUPLE:
        n = accept_tuple(v, c.type, len(c.children), cx.lenient)
        for i in range(n):
            _store(<_Codec>c.children[i], cx, _item(v, i, n), ptr + <uint32_t>c.offsets[i])
    elif k == K_VARIANT or k == K_ENUM or k == K_OPTION or k == K_RESULT:
        i = _match_case(c, cx, v)
        ch = c.children[i]
        payload = None if ch is None else v.payload if c.tagged else v
        _after_python(cx)
        _wr(cx, ptr, <uint64_t>i, c.disc_size)
        if ch is not None:
            _store(<_Codec>ch, cx, payload, ptr + c.payload_offset)
    elif k == K_FLAGS:
        bits = flags_bits(v, c.type, c.index, ValueError, cx.lenient)
        _after_python(cx)
        _wr(cx, ptr, bits, c.size)
    elif k == K_OWN or k == K_BORROW:
        i = _lower_own(c, cx, v) if k == K_OWN else _lower_borrow(c, cx, v)
        _after_python(cx)  # a new handle: an allocation, which may run a finalizer
        _wr(cx, ptr, <uint64_t>i, 4)
    else:
        raise AssertionError(k)
    return 0


cdef object _unpack_flags(_Codec c, uint64_t bits):
    out = set()
    cdef Py_ssize_t i
    for i in range(len(c.labels)):
        if bits & (<uint64_t>1 << i):
            out.add(c.labels[i])
    return out


# --------------------------------------------------------------------------- handles

cdef object _lift_own(_Codec c, Context cx, uint32_t i):
    cdef ResourceHandle h = cx.handles._get(i)
    if h.resource is not c.resource:
        raise Trap(f"handle {i} is not a {c.resource.name} handle")
    if not h.own:
        raise Trap(f"handle {i} is a borrow, not an own")
    if h.num_lends != 0:
        raise Trap(f"handle {i} is lent out")
    cx.handles._remove(i)
    return h.rep


cdef object _lift_borrow(_Codec c, Context cx, uint32_t i):
    cdef ResourceHandle h = cx.handles._get(i)
    if h.resource is not c.resource:
        raise Trap(f"handle {i} is not a {c.resource.name} handle")
    _check_borrow_live(h, i)
    h.num_lends += 1
    cx.lenders.append(h)
    return h.rep


cdef uint32_t _lower_own(_Codec c, Context cx, object rep) except? 0:
    accept_int(rep, "a resource representation")
    return cx.handles._add(ResourceHandle(c.resource, rep, True))


cdef uint32_t _lower_borrow(_Codec c, Context cx, object rep) except? 0:
    cdef uint64_t r = accept_int(rep, "a resource representation")
    if c.resource.instance is not None and c.resource.instance is cx.instance:
        return <uint32_t>r
    h = ResourceHandle(c.resource, rep, False, cx)
    cdef uint32_t i = cx.handles._add(h)
    cx.borrows[h] = i
    return i


# --------------------------------------------------------------------------- flat

cdef object _next_core(list vals, Py_ssize_t* pos, int have):
    """The next core value, normalized: i32/i64 as unsigned ints, f32/f64 as
    floats (f32 rounded to single precision)."""
    if pos[0] >= len(vals):
        raise ValueError("too few flat values")
    v = vals[pos[0]]
    pos[0] += 1
    if have == C_I32:
        return <long long>(accept_int(v, "an i32") & 0xFFFFFFFF)
    elif have == C_I64:
        return PyLong_FromUnsignedLongLong(accept_int(v, "an i64"))
    elif have == C_F32:
        return <double>(<float>accept_float(v, "an f32", True))
    else:
        return accept_float(v, "an f64", True)


cdef inline uint64_t _next_int(list vals, Py_ssize_t* pos, uint64_t mask) except? 0xFFFFFFFFFFFFFFFF:
    if pos[0] >= len(vals):
        raise ValueError("too few flat values")
    v = vals[pos[0]]
    pos[0] += 1
    return accept_int(v, "a core integer") & mask


cdef inline double _next_float(list vals, Py_ssize_t* pos) except? -1.0:
    if pos[0] >= len(vals):
        raise ValueError("too few flat values")
    v = vals[pos[0]]
    pos[0] += 1
    return accept_float(v, "a core float", True)


cdef object _lift(_Codec c, Context cx, list vals, Py_ssize_t* pos):
    cdef int k = c.kind
    cdef Py_ssize_t i
    cdef uint32_t ptr, n
    if k == K_BOOL:
        return _next_int(vals, pos, 0xFFFFFFFF) != 0
    elif k == K_U8:
        return <long>(_next_int(vals, pos, 0xFF))
    elif k == K_S8:
        return <long>(<int8_t>_next_int(vals, pos, 0xFF))
    elif k == K_U16:
        return <long>(_next_int(vals, pos, 0xFFFF))
    elif k == K_S16:
        return <long>(<int16_t>_next_int(vals, pos, 0xFFFF))
    elif k == K_U32:
        return <long long>(_next_int(vals, pos, 0xFFFFFFFF))
    elif k == K_S32:
        return <long long>(<int32_t>_next_int(vals, pos, 0xFFFFFFFF))
    elif k == K_U64:
        return PyLong_FromUnsignedLongLong(_next_int(vals, pos, 0xFFFFFFFFFFFFFFFF))
    elif k == K_S64:
        return PyLong_FromLongLong(<int64_t>_next_int(vals, pos, 0xFFFFFFFFFFFFFFFF))
    elif k == K_F32:
        return _f32_canon(_next_float(vals, pos))
    elif k == K_F64:
        return _f64_canon(_next_float(vals, pos))
    elif k == K_CHAR:
        return _char_from(<uint32_t>_next_int(vals, pos, 0xFFFFFFFF))
    elif k == K_STRING:
        ptr = <uint32_t>_next_int(vals, pos, 0xFFFFFFFF)
        n = <uint32_t>_next_int(vals, pos, 0xFFFFFFFF)
        return _load_string_from_range(cx, ptr, n)
    elif k == K_LIST or k == K_MAP:
        ptr = <uint32_t>_next_int(vals, pos, 0xFFFFFFFF)
        n = <uint32_t>_next_int(vals, pos, 0xFFFFFFFF)
        return _finish_list(c, _load_list_from_range(cx, c.elem, c.is_bytes, ptr, n))
    elif k == K_FIXED_LIST:
        lst = [_lift(c.elem, cx, vals, pos) for i in range(c.length)]
        return bytes(lst) if c.is_bytes else lst
    elif k == K_RECORD:
        r = _new_record()
        d = r.__dict__
        for i in range(len(c.children)):
            d[c.labels[i]] = _lift(<_Codec>c.children[i], cx, vals, pos)
        return r
    elif k == K_TUPLE:
        return tuple([_lift(<_Codec>c.children[i], cx, vals, pos) for i in range(len(c.children))])
    elif k == K_VARIANT or k == K_ENUM or k == K_OPTION or k == K_RESULT:
        return _lift_variant(c, cx, vals, pos)
    elif k == K_FLAGS:
        return _unpack_flags(c, _next_int(vals, pos, 0xFFFFFFFF))
    elif k == K_OWN:
        return _lift_own(c, cx, <uint32_t>_next_int(vals, pos, 0xFFFFFFFF))
    elif k == K_BORROW:
        return _lift_borrow(c, cx, <uint32_t>_next_int(vals, pos, 0xFFFFFFFF))
    raise AssertionError(k)


cdef object _lift_variant(_Codec c, Context cx, list vals, Py_ssize_t* pos):
    cdef uint32_t disc = <uint32_t>_next_int(vals, pos, 0xFFFFFFFF)
    cdef Py_ssize_t i, npay
    cdef int have, want
    cdef tuple joined = c.flat_codes
    # Read every joined slot (the spec consumes them all whatever the case).
    cdef list raw = [_next_core(vals, pos, <int>joined[i]) for i in range(len(joined))]
    if disc >= <uint32_t>len(c.children):
        raise Trap(f"discriminant {disc} out of range for {c.type!r}")
    ch = c.children[disc]
    if ch is None:
        return _make_case(c, disc, None)
    cdef tuple want_codes = <tuple>c.case_flat[disc]
    npay = len(want_codes)
    cdef list coerced = PyList_New(npay)
    cdef Py_ssize_t sub = 0
    for i in range(npay):
        have = <int>joined[i]
        want = <int>want_codes[i]
        x_obj = raw[i]
        if have != want:
            if have == C_I32 and want == C_F32:
                x_obj = _f32_from_bits(<uint32_t>(<unsigned long long>x_obj))
            elif have == C_I64 and want == C_I32:
                x_obj = <long long>(<unsigned long long>x_obj & 0xFFFFFFFF)
            elif have == C_I64 and want == C_F32:
                x_obj = _f32_from_bits(<uint32_t>(<unsigned long long>x_obj & 0xFFFFFFFF))
            elif have == C_I64 and want == C_F64:
                x_obj = _f64_from_bits(<unsigned long long>x_obj)
            else:
                raise AssertionError((have, want))
        Py_INCREF(x_obj)
        PyList_SET_ITEM(coerced, i, x_obj)
    payload = _lift(<_Codec>ch, cx, coerced, &sub)
    return _make_case(c, disc, payload)


cdef int _lower(_Codec c, Context cx, object v, list out) except -1:
    cdef int k = c.kind
    cdef Py_ssize_t i, n
    cdef uint32_t pair[2]
    if k == K_BOOL:
        out.append(1 if accept_bool(v, cx.lenient) else 0)
    elif k == K_U8:
        out.append(<long>(accept_int(v, "u8") & 0xFF))
    elif k == K_U16:
        out.append(<long>(accept_int(v, "u16") & 0xFFFF))
    elif k == K_U32:
        out.append(<long long>(accept_int(v, "u32") & 0xFFFFFFFF))
    elif k == K_S8:
        out.append(<long long>(<uint32_t>(<int32_t>(<int8_t>accept_int(v, "s8")))))
    elif k == K_S16:
        out.append(<long long>(<uint32_t>(<int32_t>(<int16_t>accept_int(v, "s16")))))
    elif k == K_S32:
        out.append(<long long>(<uint32_t>accept_int(v, "s32")))
    elif k == K_U64 or k == K_S64:
        out.append(PyLong_FromUnsignedLongLong(accept_int(v, _KIND_NAMES[k])))
    elif k == K_F32:
        out.append(_f32_canon(accept_float(v, "f32", cx.lenient)))
    elif k == K_F64:
        out.append(_f64_canon(accept_float(v, "f64", cx.lenient)))
    elif k == K_CHAR:
        out.append(<long long>accept_char(v))
    elif k == K_STRING:
        _store_string_into_range(cx, v, pair)
        out.append(<long long>pair[0])
        out.append(<long long>pair[1])
    elif k == K_LIST or k == K_MAP:
        _store_list_into_range(c, cx, v, pair)
        out.append(<long long>pair[0])
        out.append(<long long>pair[1])
    elif k == K_FIXED_LIST:
        seq = _fixed_value(c, cx, v)
        for i in range(c.length):
            _lower(c.elem, cx, _item(seq, i, c.length), out)
    elif k == K_RECORD:
        for i in range(len(c.children)):
            _lower(<_Codec>c.children[i], cx, record_field(v, c.labels[i], cx.lenient), out)
    elif k == K_TUPLE:
        n = accept_tuple(v, c.type, len(c.children), cx.lenient)
        for i in range(n):
            _lower(<_Codec>c.children[i], cx, _item(v, i, n), out)
    elif k == K_VARIANT or k == K_ENUM or k == K_OPTION or k == K_RESULT:
        _lower_variant(c, cx, v, out)
    elif k == K_FLAGS:
        out.append(<long long>flags_bits(v, c.type, c.index, ValueError, cx.lenient))
    elif k == K_OWN:
        out.append(<long long>_lower_own(c, cx, v))
    elif k == K_BORROW:
        out.append(<long long>_lower_borrow(c, cx, v))
    else:
        raise AssertionError(k)
    return 0


cdef int _lower_variant(_Codec c, Context cx, object v, list out) except -1:
    cdef Py_ssize_t i = _match_case(c, cx, v)
    cdef tuple joined = c.flat_codes
    cdef Py_ssize_t j
    cdef int have, want
    out.append(<long long>i)
    ch = c.children[i]
    cdef list pay = []
    if ch is not None:
        _lower(<_Codec>ch, cx, v.payload if c.tagged else v, pay)
        have_codes = <tuple>c.case_flat[i]
        for j in range(len(pay)):
            have = <int>have_codes[j]
            want = <int>joined[j]
            if have != want:
                fv = pay[j]
                if have == C_F32:     # to i32 or i64
                    pay[j] = <long long>_f32_bits(<double>fv)
                elif have == C_F64:   # to i64
                    pay[j] = PyLong_FromUnsignedLongLong(_f64_bits(<double>fv))
                # i32 -> i64: the same (unsigned) int
    out.extend(pay)
    for j in range(len(pay), len(joined)):
        out.append(0.0 if <int>joined[j] >= C_F32 else 0)
    return 0


# --------------------------------------------------------------------------- public API

cdef dict _TUPLES = {}


cdef object _tuple_of(object types):
    key = tuple(types)
    t = _TUPLES.get(key)
    if t is None:
        t = _t.Tuple(key)
        if len(_TUPLES) < 4096:
            _TUPLES[key] = t
    return t


# Every operation runs between _begin and _end. Lifts and loads run no Python code:
# the garbage collector (whose finalizers could) is paused meanwhile; with no Python
# code running no other thread can run either, so none can see it paused.

def lower(Context cx not None, t, value):
    """Lower ``value`` of type ``t`` to its flat core values (the spec's
    ``lower_flat``): a list of ints (``i32``/``i64``, unsigned) and floats
    (``f32``/``f64``), one per entry of ``t.flat``. Strings and lists are written
    to memory through ``realloc``. Integers wrap modulo their width; NaNs become
    the canonical NaN."""
    cdef _Codec c = codec_of(t)
    cdef list out = []
    outer = _begin(cx)
    try:
        _lower(c, cx, value, out)
    finally:
        _end(cx, outer)
    return out


def lift(Context cx not None, t, flat):
    """Lift a value of type ``t`` from its flat core values (the spec's
    ``lift_flat``; ``len(flat)`` must equal ``len(t.flat)``). ``i32``/``i64``
    values may be signed or unsigned ints (they are masked to their width)."""
    cdef _Codec c = codec_of(t)
    cdef list vals = list(flat)
    cdef Py_ssize_t pos = 0
    if len(vals) != c.nflat:
        raise ValueError(f"{t!r} takes {c.nflat} flat values, got {len(vals)}")
    outer = _begin(cx)
    cdef bint gc = PyGC_Disable()
    try:
        return _lift(c, cx, vals, &pos)
    finally:
        if gc:
            PyGC_Enable()
        _end(cx, outer)


def store(Context cx not None, t, value, ptr):
    """Store ``value`` of type ``t`` at ``ptr`` in linear memory (the spec's
    ``store``). Traps if ``ptr`` is misaligned or the value's bytes are out of
    bounds."""
    cdef _Codec c = codec_of(t)
    cdef uint32_t p = <uint32_t>(accept_int(ptr, "a pointer") & 0xFFFFFFFF)
    _need_memory(cx)
    outer = _begin(cx)
    try:
        _check(cx, p, c.align, c.size, "value")
        _store(c, cx, value, p)
    finally:
        _end(cx, outer)


def load(Context cx not None, t, ptr):
    """Load a value of type ``t`` from ``ptr`` in linear memory (the spec's
    ``load``). Traps if ``ptr`` is misaligned or out of bounds."""
    cdef _Codec c = codec_of(t)
    cdef uint32_t p = <uint32_t>(accept_int(ptr, "a pointer") & 0xFFFFFFFF)
    _need_memory(cx)
    outer = _begin(cx)
    cdef bint gc = PyGC_Disable()
    try:
        _check(cx, p, c.align, c.size, "value")
        return _load(c, cx, p)
    finally:
        if gc:
            PyGC_Enable()
        _end(cx, outer)


cdef list _codecs(tuple types, Py_ssize_t* nflat):
    cdef list codecs = [codec_of(t) for t in types]
    cdef _Codec c
    nflat[0] = 0
    for c in codecs:
        nflat[0] += c.nflat
    return codecs


def lower_values(Context cx not None, types, values, Py_ssize_t max_flat=MAX_FLAT_PARAMS, out_ptr=None):
    """The spec's ``lower_flat_values``: lower ``values`` of ``types`` to core
    values. If they flatten to more than ``max_flat`` values they are stored as
    one tuple in memory instead: at ``out_ptr`` (returns ``[]``) or, without one,
    in a ``realloc``'d block (returns ``[ptr]``)."""
    types = tuple(types)
    values = tuple(values)
    if len(types) != len(values):
        raise ValueError(f"expected {len(types)} values, got {len(values)}")
    cdef Py_ssize_t i, nflat
    cdef list codecs = _codecs(types, &nflat)
    cdef list out = []
    cdef _Codec c = None
    cdef uint32_t p = 0
    if nflat > max_flat:
        _need_memory(cx)
        c = codec_of(_tuple_of(types))
        if out_ptr is not None:
            p = <uint32_t>(accept_int(out_ptr, "a pointer") & 0xFFFFFFFF)
    outer = _begin(cx)
    try:
        if c is None:
            for i in range(len(codecs)):
                _lower(<_Codec>codecs[i], cx, values[i], out)
            return out
        if out_ptr is None:
            p = <uint32_t>_realloc(cx, 0, 0, c.align, c.size)
            out.append(<long long>p)
        _check(cx, p, c.align, c.size, "spilled values")
        _store(c, cx, values, p)
        return out
    finally:
        _end(cx, outer)


def lift_values(Context cx not None, types, flat, Py_ssize_t max_flat=MAX_FLAT_RESULTS):
    """The spec's ``lift_flat_values``: lift values of ``types`` from core values.
    If they flatten to more than ``max_flat`` values, ``flat`` is one ``i32``
    pointer to a tuple of them in memory. Returns a list of values."""
    types = tuple(types)
    cdef list vals = list(flat)
    cdef Py_ssize_t nflat
    cdef Py_ssize_t pos = 0
    cdef list codecs = _codecs(types, &nflat)
    cdef _Codec c = None
    if nflat <= max_flat:
        if len(vals) != nflat:
            raise ValueError(f"expected {nflat} flat values, got {len(vals)}")
    else:
        if len(vals) != 1:
            raise ValueError(f"expected 1 flat value (a pointer), got {len(vals)}")
        _need_memory(cx)
        c = codec_of(_tuple_of(types))
    outer = _begin(cx)
    cdef bint gc = PyGC_Disable()
    try:
        if c is None:
            return [_lift(<_Codec>codecs[i], cx, vals, &pos) for i in range(len(codecs))]
        p = <uint32_t>_next_int(vals, &pos, 0xFFFFFFFF)
        _check(cx, p, c.align, c.size, "spilled values")
        return list(_load(c, cx, p))
    finally:
        if gc:
            PyGC_Enable()
        _end(cx, outer)


def lower_params(Context cx not None, types, values):
    """Arguments of a call into a guest export: ``lower_values`` with
    ``MAX_FLAT_PARAMS`` (more than 16 flat values go through one realloc'd
    pointer)."""
    return lower_values(cx, types, values, MAX_FLAT_PARAMS)


def lift_results(Context cx not None, types, flat):
    """Results of a call into a guest export: ``lift_values`` with
    ``MAX_FLAT_RESULTS`` (more than 1 flat value come back as a pointer)."""
    return lift_values(cx, types, flat, MAX_FLAT_RESULTS)


def lift_params(Context cx not None, types, flat):
    """Arguments of a guest's call into a host import: ``lift_values`` with
    ``MAX_FLAT_PARAMS``. ``flat`` holds only the parameters (not a trailing
    return pointer)."""
    return lift_values(cx, types, flat, MAX_FLAT_PARAMS)


def lower_results(Context cx not None, types, values, out_ptr=None):
    """Results of a host import called by a guest: ``lower_values`` with
    ``MAX_FLAT_RESULTS``; results that spill go to ``out_ptr``, the return
    pointer the guest passed as its last argument (required then)."""
    cdef Py_ssize_t nflat
    types = tuple(types)
    _codecs(types, &nflat)
    if nflat > MAX_FLAT_RESULTS and out_ptr is None:
        raise ValueError("these results spill to memory: pass the guest's return pointer as out_ptr")
    return lower_values(cx, types, values, MAX_FLAT_RESULTS, out_ptr)
