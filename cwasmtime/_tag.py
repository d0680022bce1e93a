"""``Tag``, an exception tag living in a Store: the class is in the Cython core (``_externs.pxi``);
this module keeps its import path."""
from ._native import Tag as Tag

__all__ = ["Tag"]
