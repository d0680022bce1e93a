# cython: language_level=3, boundscheck=False, wraparound=False, auto_pickle=False
"""The hot paths of cwasmtime, in Cython: Store, Func calls through
``wasmtime_func_call_unchecked``, host functions through ``wasmtime_func_new_unchecked``
trampolines, Val conversion, Caller, Memory, Global, Table and Tag access, component
values and calls.

Ownership: every Store-owned object (Func, Memory, Global, Table, Tag, Caller) holds its
Store and checks on each use that the Store is open, is the one passed in, and is not
running wasm on another thread; misuse raises instead of crashing. A host function's
exception is parked on its Store (not a process global) and re-raised by the outermost
call.

One extension module, one file per concept (the classes are declared in _native.pxd):
_store.pxi, _values.pxi, _func.pxi, _host.pxi, _memory.pxi, _externs.pxi,
_instantiate.pxi, _component_values.pxi, _component_calls.pxi, _floors.pxi, _foreign.pxi,
_async.pxi (asyncio: call_async, async host functions), _component_async.pxi (the
same for components), _ticker.pxi (EpochTicker's thread)."""
cimport cython
from cpython.buffer cimport (PyBUF_FORMAT, PyBUF_ND, PyBUF_SIMPLE, PyBUF_STRIDES,
                             PyBuffer_Release, PyObject_GetBuffer)
from cpython.bytearray cimport PyByteArray_FromStringAndSize
from cpython.bytes cimport PyBytes_AS_STRING, PyBytes_FromStringAndSize
from cpython.float cimport PyFloat_AS_DOUBLE, PyFloat_CheckExact
from cpython.long cimport PyLong_AsUnsignedLongLongMask, PyLong_CheckExact
from cpython.number cimport PyNumber_Index
from cpython.object cimport PyObject
from cpython.pythread cimport PyThread_get_thread_ident
from cpython.ref cimport Py_INCREF, Py_XDECREF, Py_XINCREF
from cpython.sequence cimport PySequence_Fast_ITEMS
from cpython.tuple cimport PyTuple_GET_SIZE
from cpython.unicode cimport PyUnicode_AsUTF8AndSize, PyUnicode_DecodeUTF8
from libc.stddef cimport ptrdiff_t
from libc.stdint cimport int8_t, int32_t, int64_t, uint8_t, uint16_t, uint32_t, uint64_t, uintptr_t
from libc.stdlib cimport free, malloc
from libc.string cimport memcpy, memmove, memset

from ._cdecl cimport *

# Pins the glibc symbol versions of the pthread functions used below (see the header).
cdef extern from "cwasmtime_glibc.h":
    pass


cdef extern from "Python.h":
    object PyObject_Vectorcall(object callable, PyObject** args, size_t nargsf, PyObject* kwnames)
    int Py_AddPendingCall(int (*func)(void*) noexcept, void* arg)
    int PyErr_CheckSignals() except -1

from libc.errno cimport errno as errno_value
from os import register_at_fork as os_register_at_fork
from sys import modules as sys_modules
from importlib import import_module

from ._capi import ffi, lib
from ._error import UnknownNameError, WasmtimeError
from ._managed import Managed, lent
from cmabi._errors import refuse_copy
from ._trap import call_failure
from cmabi.values import Record, Variant

cdef int _bind_native() except -1:
    cdef size_t i
    for i in range(cw_native_count):
        name = cw_native_names[i]
        address = <uintptr_t>int(ffi.cast("uintptr_t", getattr(lib, name.decode())))
        if cw_bind(name, <void*>address) != 0:
            raise ImportError(f"cwasmtime: no native slot for {name.decode()}")
    return 0


_bind_native()


def c_layout_table():
    """(type, field, size, align, offset) of every declared struct and field, as gcc
    laid them out when this extension was compiled (field "" is the type itself)."""
    cdef size_t i
    return [
        (cw_layout_table[i].type.decode(), cw_layout_table[i].field.decode(),
         cw_layout_table[i].size, cw_layout_table[i].align, cw_layout_table[i].offset)
        for i in range(cw_layout_count)
    ]


_UINTPTR = ffi.typeof("uintptr_t")


# The package's Python modules the core uses (reflection types, reprs, component
# resources): they import this module, so it imports them on first use, once, and keeps
# them here (a lookup is then a dict hit, not an import statement per call).
cdef dict _modules = {}


cdef object _py(str name):
    """The module ``cwasmtime.<name>`` (e.g. "_types", "component._resources")."""
    module = _modules.get(name)
    if module is None:
        module = _modules[name] = import_module("cwasmtime." + name)
    return module


cdef inline uintptr_t _address(cdata) except? 0:
    return <uintptr_t>int(ffi.cast(_UINTPTR, cdata))


include "_store.pxi"
include "_values.pxi"
include "_func.pxi"
include "_host.pxi"
include "_memory.pxi"
include "_externs.pxi"
include "_instantiate.pxi"
include "_component_values.pxi"
include "_component_calls.pxi"
include "_floors.pxi"
include "_foreign.pxi"
include "_async.pxi"
include "_component_async.pxi"
include "_ticker.pxi"
