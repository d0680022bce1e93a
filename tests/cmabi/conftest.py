"""Shared helpers for the cmabi tests: a bytearray memory with a bump allocator
whose realloc records every call (and copies on move, like a real realloc)."""
import pytest

import cmabi


class Heap:
    def __init__(self, size=4096, start=8, grow_by=65536):
        self.memory = cmabi.ByteArrayMemory(size)
        self.top = start
        self.grow_by = grow_by
        self.calls = []

    @property
    def data(self):
        return self.memory.data

    def realloc(self, old, old_size, align, new_size):
        self.calls.append((old, old_size, align, new_size))
        if old and new_size <= old_size:
            return old
        ptr = -(-self.top // align) * align
        end = ptr + new_size
        while end > len(self.memory):
            self.memory.grow(self.grow_by)     # the bytearray may move
        if old:
            self.data[ptr:ptr + old_size] = self.data[old:old + old_size]
        self.top = end
        return ptr

    def cx(self, encoding="utf8", **kw):
        return cmabi.Context(self.memory, self.realloc, encoding, **kw)


@pytest.fixture
def heap():
    return Heap()


ENCODINGS = ["utf8", "utf16", "latin1+utf16"]
