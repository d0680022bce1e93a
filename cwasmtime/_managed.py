"""The base of every object that owns a C pointer (CFFI cdata) it must free."""
from __future__ import annotations

from abc import ABCMeta, abstractmethod
from contextlib import contextmanager
from typing import Any, Generic, Iterator, List, Optional, TypeVar

from cmabi._errors import refuse_copy

T = TypeVar("T")

_UNSET: Any = object()


class Managed(Generic[T], metaclass=ABCMeta):
    """Owns one C pointer: ``ptr()`` hands it out while open, ``close()`` frees it once,
    and any use after ``close()`` (or after the pointer was consumed by another object)
    raises ``ValueError``. Also a context manager. The Cython-backed Store follows the
    same protocol and is registered as a virtual subclass."""

    _managed_ptr: Optional[T] = _UNSET

    @abstractmethod
    def _delete(self, ptr: T) -> None:
        """Free ``ptr`` with the matching C destructor."""

    def _set_ptr(self, ptr: T) -> None:
        if self._managed_ptr is not _UNSET:
            raise ValueError("already initialized")
        self._managed_ptr = ptr

    def ptr(self) -> T:
        ptr = self._managed_ptr
        if ptr is _UNSET:
            raise ValueError("never initialized")
        if ptr is None:
            raise ValueError("already closed")
        return ptr

    def _consume(self) -> T:
        """Hand the pointer to a new owner; this object is closed afterwards."""
        ptr = self.ptr()
        self._managed_ptr = None
        return ptr

    def close(self) -> None:
        ptr = self._managed_ptr
        if ptr is not _UNSET and ptr is not None:
            # Closed first, then checked: a lent() from now on fails, and one that
            # started before is seen here.
            self._managed_ptr = None
            if self.__dict__.get("_lenders"):
                self._managed_ptr = ptr
                from ._error import WasmtimeError
                raise WasmtimeError(f"cannot close this {type(self).__name__}: another thread "
                                    "is using it (compiling, say)")
            self._delete(ptr)

    def _is_open(self) -> bool:
        return self._managed_ptr is not _UNSET and self._managed_ptr is not None

    def __repr__(self) -> str:
        if not self._is_open():
            from ._repr import name_of
            return f"<{name_of(self)} (closed)>"
        return self._repr()

    def _repr(self) -> str:
        """The repr of the open object (the scheme is in ``cwasmtime._repr``)."""
        from ._repr import name_of
        return f"<{name_of(self)}>"

    def __reduce__(self) -> Any:
        """No copies, no pickles: a subclass that can be rebuilt from data (bytes,
        settings) overrides this to return how."""
        refuse_copy(self)

    def __enter__(self) -> Any:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def __del__(self) -> None:
        self.close()


@contextmanager
def lent(owner: Managed[T]) -> Iterator[T]:
    """``owner.ptr()``, for C calls that may run while another thread calls
    ``owner.close()`` (CFFI releases the GIL during a call): ``close()`` raises
    meanwhile, instead of freeing the pointer under the call."""
    owner.ptr()  # first: a closed owner, or no Managed at all, raises as wasmtime-py's would
    # One entry per call in progress: list.append/pop are atomic under the GIL.
    lenders: List[None] = owner.__dict__.setdefault("_lenders", [])
    lenders.append(None)
    try:
        yield owner.ptr()  # again: a close() that ran meanwhile is seen
    finally:
        lenders.pop()
