# Which Python values lower to which component value: the one rule set of cmabi
# (cmabi/_abi.pyx) and cwasmtime.component (cwasmtime/_component_values.pxi).
#
# Inline functions only (there is no _accept module): both extension modules cimport
# them, so the same definitions are compiled into each. The rules are wasmtime-py
# 50.0.1's (strict) unless ``lenient`` is passed, which only cmabi does
# (``cmabi.Context(lenient=True)``; the README's "One value model" lists both).
#
# Nothing here reads an int, float or str through a method a subclass could override
# (values come from the objects' own storage, names are looked up as exact str);
# getattr on a record, a Variant's tag and
# payload, and iterating a set may run Python code, which callers must allow for.

from libc.stdint cimport uint32_t, uint64_t

cdef extern from "Python.h":
    unsigned long long PyLong_AsUnsignedLongLongMask(object v) except? 0xFFFFFFFFFFFFFFFF
    long long PyLong_AsLongLongAndOverflow(object v, int* overflow) except? -1
    double PyLong_AsDouble(object v) except? -1.0
    double PyFloat_AS_DOUBLE(object v)
    Py_ssize_t PyUnicode_GET_LENGTH(object s)
    Py_UCS4 PyUnicode_READ_CHAR(object s, Py_ssize_t i)
    Py_ssize_t PyList_GET_SIZE(object v)
    Py_ssize_t PyTuple_GET_SIZE(object v)
    Py_ssize_t PyDict_Size(object v) except -1
    object PyUnicode_FromObject(object s)


cdef inline str what_of(object v, str expected):
    """The end of a TypeError message: the type expected and the one given."""
    return f"{expected}, got {type(v).__name__}"


cdef inline bint accept_bool(object v, bint lenient) except -1:
    """bool: True or False (lenient: any int, nonzero is true)."""
    cdef int overflow = 0
    if v is True:
        return True
    if v is False:
        return False
    if lenient and isinstance(v, int):
        return PyLong_AsLongLongAndOverflow(v, &overflow) != 0 or overflow != 0
    raise TypeError(f"expected bool for {what_of(v, 'bool')}")


cdef inline uint64_t accept_int(object v, object ty) except? 0xFFFFFFFFFFFFFFFF:
    """s8 .. u64 (and resource representations): any int, bool included, its two's
    complement bits (callers keep the low ones: wrapping like a C cast)."""
    if not isinstance(v, int):
        raise TypeError(f"expected int for {what_of(v, str(ty))}")
    return PyLong_AsUnsignedLongLongMask(v)


cdef inline double accept_float(object v, object ty, bint lenient) except? -1.0:
    """f32, f64: a float (lenient: an int too)."""
    if isinstance(v, float):
        return PyFloat_AS_DOUBLE(v)
    if lenient and isinstance(v, int):
        return PyLong_AsDouble(v)
    raise TypeError(f"expected float for {what_of(v, str(ty))}")


cdef inline uint32_t accept_char(object v) except? 0xFFFFFFFF:
    """char: a one-character str that is not a surrogate."""
    cdef uint32_t c
    if not isinstance(v, str) or PyUnicode_GET_LENGTH(v) != 1:
        raise TypeError(f"expected single-character string for char, got {v!r:.40}")
    c = PyUnicode_READ_CHAR(v, 0)
    if 0xD800 <= c <= 0xDFFF:
        raise ValueError("a char must be a Unicode scalar value, not a surrogate")
    return c


cdef inline object exact_str(object s):
    """A str's characters as an exact str: looking a subclass up in a dict would call
    its __hash__ and __eq__."""
    return s if type(s) is str else PyUnicode_FromObject(s)


cdef inline int accept_str(object v, object ty) except -1:
    """string: a str (subclasses too: their own data is used)."""
    if not isinstance(v, str):
        raise TypeError(f"expected str for {what_of(v, str(ty))}")
    return 0


# accept_list: how a list value is read
cdef enum:
    LIST_BUFFER = 0   # list<u8> from bytes, bytearray or memoryview (their bytes)
    LIST_ITEMS = 1    # a list (lenient: or a tuple), read from its own storage


cdef inline int accept_list(object v, object ty, bint is_bytes, bint lenient) except -1:
    if is_bytes and isinstance(v, (bytes, bytearray, memoryview)):
        return LIST_BUFFER
    if (not is_bytes or lenient) and (isinstance(v, list) or lenient and isinstance(v, tuple)):
        return LIST_ITEMS
    raise TypeError(f"expected {'bytes' if is_bytes else 'list'} for {what_of(v, str(ty))}")


cdef inline int check_list_size(object v, Py_ssize_t n) except -1:
    """A list being lowered must keep its size (lowering an element can run Python
    code that changes it)."""
    if PyList_GET_SIZE(v) != n:
        raise RuntimeError("list changed size during conversion")
    return 0


cdef inline Py_ssize_t accept_tuple(object v, object ty, Py_ssize_t n, bint lenient) except -1:
    """tuple: a tuple (lenient: or a list) of ``n`` elements; returns ``n``."""
    cdef Py_ssize_t size
    if isinstance(v, tuple):
        size = PyTuple_GET_SIZE(v)
    elif lenient and isinstance(v, list):
        size = PyList_GET_SIZE(v)
    else:
        raise TypeError(f"expected tuple for {what_of(v, str(ty))}")
    if size != n:
        raise TypeError(f"tuple length mismatch: expected {n} elements for {ty}, got {size}")
    return n


cdef inline object record_field(object v, str name, bint lenient):
    """A record's field: the attribute ``name`` of any object (lenient: or a dict's
    item). A missing one raises AttributeError. (The class AttributeError stands for
    "missing": no component value is a class, and a lookup with a default costs no
    try block, unlike catching the error.)"""
    if lenient and isinstance(v, dict):
        value = (<dict>v).get(name, AttributeError)
    else:
        value = getattr(v, name, AttributeError)
    if value is AttributeError:
        raise AttributeError(f"expected a record with a field {name!r}, got {type(v).__name__}")
    return value


cdef inline int accept_map(object v, object ty) except -1:
    """map: a dict, lowered from its entries as they are when its conversion starts
    (PyDict_Items); ``check_map_size`` afterwards."""
    if not isinstance(v, dict):
        raise TypeError(f"expected dict for {what_of(v, str(ty))}")
    return 0


cdef inline int check_map_size(object v, Py_ssize_t n) except -1:
    if PyDict_Size(v) != n:
        raise RuntimeError("dictionary changed size during conversion")
    return 0


cdef inline Py_ssize_t enum_case(object v, object ty, dict index, object name_error) except -1:
    """enum: the position of the case named by str ``v``. An unknown name raises
    ``name_error``, a ValueError (cwasmtime.component's is also a WasmtimeError)."""
    if not isinstance(v, str):
        raise TypeError(f"expected str for {what_of(v, str(ty))}")
    found = index.get(exact_str(v))
    if found is None:
        raise name_error(f"{exact_str(v)!r:.60} is not a case of {ty}")
    return <Py_ssize_t>found


cdef inline uint64_t flags_bits(object v, object ty, dict index, object name_error,
                                bint lenient) except? 0xFFFFFFFFFFFFFFFF:
    """flags (at most 32, as both type systems enforce): bit ``i`` set for the flag at position ``i``. A set or frozenset
    of flag names (lenient: any iterable of them but a str or bytes); an unknown one
    raises ``name_error`` (as for enums)."""
    cdef uint64_t bits = 0
    if not (isinstance(v, (set, frozenset)) or
            lenient and not isinstance(v, (str, bytes)) and hasattr(v, "__iter__")):
        raise TypeError(f"expected set for {what_of(v, str(ty))}")
    for name in v:
        if not isinstance(name, str):
            raise TypeError(f"expected set of str for {what_of(name, str(ty))}")
        found = index.get(exact_str(name))
        if found is None:
            raise name_error(f"{exact_str(name)!r:.60} is not a flag of {ty}")
        bits |= <uint64_t>1 << <Py_ssize_t>found
    return bits


cdef inline Py_ssize_t variant_case(object v, object ty, bint tagged, tuple classes, dict index,
                                    object variant_class, bint lenient) except -1:
    """variant, option, result: the case ``v`` is. Tagged (``tagged``): ``v`` is a
    ``Variant`` (``variant_class``, or another class named so: wasmtime-py's; lenient:
    any object with ``tag`` and ``payload``) naming the case.
    Untagged: ``v`` is the payload itself (``None`` for a case without one); ``classes``
    holds per case the classes its payloads lift to, or ``None``. The case is the one
    with ``type(v)`` itself among its classes; else the one with a base class of
    ``v`` (not ``object``); else the one whose payload can be anything (``object``: a
    payload-less case nested in it). Two cases that fit equally raise TypeError: a
    value never lowers as another case than the one it lifts from."""
    cdef Py_ssize_t i, n = len(classes), found = -1, anything = -1
    if tagged:
        if not (isinstance(v, variant_class) or type(v).__name__ == "Variant" or
                lenient and hasattr(v, "tag") and hasattr(v, "payload")):
            raise TypeError(f"expected Variant for {what_of(v, str(ty))}")
        tag = v.tag
        case = index.get(exact_str(tag)) if isinstance(tag, str) else None
        if case is None:
            raise ValueError(f"{tag!r:.60} is not a case of {ty}")
        return <Py_ssize_t>case
    if v is None:
        for i in range(n):
            if classes[i] is None:
                return i
    cls = type(v)
    for i in range(n):  # by identity: a metaclass's __eq__ must not decide
        if classes[i] is not None:
            for c in <tuple>classes[i]:
                if c is cls:
                    return i
    for i in range(n):
        if classes[i] is not None:
            for c in <tuple>classes[i]:
                if c is object:
                    anything = i
                elif isinstance(v, c):
                    if found >= 0 and found != i:
                        raise TypeError(f"{type(v).__name__} value fits two cases of {ty}: "
                                        f"pass a value of the case's own class")
                    found = i
    if found >= 0:
        return found
    if anything >= 0:
        return anything
    raise ValueError(f"value not valid for this variant ({ty}): {v!r:.60}")
