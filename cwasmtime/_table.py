"""``Table``, a wasm table of references living in a Store: the class is in the Cython core (``_externs.pxi``);
this module keeps its import path."""
from ._native import Table as Table

__all__ = ["Table"]
