"""``Global``, a wasm global variable living in a Store: the class is in the Cython core (``_externs.pxi``);
this module keeps its import path."""
from ._native import Global as Global

__all__ = ["Global"]
