"""The ``Storelike`` type alias: anything a Store-owned object accepts as its store."""
from typing import Union

from ._native import Caller, Store, StoreContext

Storelike = Union[Store, Caller, StoreContext]
