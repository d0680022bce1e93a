"""Python code run in the middle of a cmabi operation cannot crash it or make it write
wrong data: realloc callbacks and getters that change the value being lowered or the
memory (grow/move, shrink, close its Store), subclasses whose dunders lie, finalizers
run by the garbage collector, type descriptors changed after the fact. Each case runs
in a fresh interpreter (tests/isolation.py): before these fixes most of them crashed
it (SIGSEGV) or wrote through a stale memory base."""
from __future__ import annotations

import os
import sys
import textwrap

import isolation
import pytest

import cmabi
from cmabi import types as t

PRELUDE = """
    import gc, struct, sys
    import cmabi
    from cmabi import Record, Trap, Variant, types as t

    def heap(size=1 << 16, top=8):
        # A ByteArrayMemory and a bump realloc; `hook` (if set) runs inside realloc.
        mem = cmabi.ByteArrayMemory(size)
        state = {"top": top, "hook": None}
        def realloc(old, old_size, align, new_size):
            if state["hook"]:
                state["hook"]()
            p = -(-state["top"] // align) * align
            state["top"] = p + new_size
            while state["top"] > len(mem):
                mem.grow(len(mem))
            return p
        return mem, realloc, state
"""


def run(*code: str) -> str:
    """Run the ``code`` parts isolated; it must exit cleanly. Returns its stdout.
    (Without tests/ on the path: its cmabi/ folder would shadow the package.)"""
    done = isolation.run_isolated("".join(textwrap.dedent(part) for part in code), prelude=PRELUDE,
                                  env={"PYTHONPATH": os.environ.get("PYTHONPATH", "")})
    isolation.assert_clean_exit(done)
    return done.stdout


# ------------------------------------------------------- the value changes under it


@pytest.mark.parametrize("ty, value, lenient", [
    ("t.List(t.U32)", "list(range(100000))", False),                # the int fast path
    ("t.List(t.String)", "['s' * 20] * 10000", False),              # realloc per element
    ("t.List(t.Tuple([t.String, t.U8]))", "[('ab', 1)] * 5000", False),
    ("t.Tuple([t.String, t.U32, t.U32])", "['x', 1, 2]", True),     # a list as a tuple
    ("t.FixedList(t.String, 3)", "['a', 'b', 'c']", False),
])
def test_realloc_emptying_the_list_being_lowered_raises(ty, value, lenient):
    out = run(f"""
        mem, realloc, state = heap(1 << 22)
        value = {value}
        state["hook"] = value.clear
        try:
            cmabi.lower(cmabi.Context(mem, realloc, lenient={lenient}), {ty}, value)
        except RuntimeError as e:
            print("raised", e)
    """)
    assert "raised list changed size during conversion" in out


def test_a_list_changed_by_a_getter_of_one_of_its_records_raises():
    out = run("""
        mem, realloc, _ = heap(1 << 20)
        items = []

        class Shrinker:
            @property
            def a(self):
                items.clear()
                return 1

        items[:] = [Shrinker()] + [Record(a=i) for i in range(1000)]
        for op in ("lower", "store"):
            try:
                if op == "lower":
                    cmabi.lower(cmabi.Context(mem, realloc), t.List(t.Record([("a", t.U32)])), items)
                else:
                    cmabi.store(cmabi.Context(mem, realloc), t.FixedList(t.Record([("a", t.U32)]), 1001), items, 0)
            except RuntimeError as e:
                print(op, "raised", e)
            items[:] = [Shrinker()] + [Record(a=i) for i in range(1000)]
    """)
    assert out.count("raised list changed size during conversion") == 2


def test_lists_are_read_from_their_own_storage_not_their_dunders():
    out = run("""
        calls = []

        class Liar(list):
            def __len__(self):
                calls.append("len"); return 10_000_000
            def __getitem__(self, i):
                calls.append("getitem"); return 99
            def __iter__(self):
                calls.append("iter"); return iter([99] * 10)

        class Mapping(dict):
            def items(self):
                calls.append("items"); return [("zz", 99)]

        mem, realloc, _ = heap()
        cx = cmabi.Context(mem, realloc, lenient=True)  # (a list as a tuple, ints as list<u8, 2>)
        for ty, v in [(t.List(t.U32), Liar([1, 2, 3])), (t.List(t.String), Liar(["a", "b"])),
                      (t.Tuple([t.U8, t.U8]), Liar([1, 2])), (t.FixedList(t.U8, 2), Liar([1, 2])),
                      (t.Map(t.String, t.U8), Mapping(a=1))]:
            print(cmabi.lift(cx, ty, cmabi.lower(cx, ty, v)))
        print("calls", calls)
    """)
    assert out.split("\n")[:6] == ["[1, 2, 3]", "['a', 'b']", "(1, 2)", "b'\\x01\\x02'", "{'a': 1}",
                                   "calls []"]


# ------------------------------------------------------------- the memory changes


def test_a_getter_that_moves_the_memory_does_not_make_it_write_through_the_old_base():
    # Every kind of value whose lowering runs Python code before writing: a record's
    # getter, a variant's tag/payload, a flags iterable, an enum's __hash__.
    out = run("""
        class Mover:
            def __init__(self, mem, value):
                self.mem, self.value = mem, value
            def __call__(self):
                self.mem.grow(1 << 22)   # the bytearray moves
                return self.value

        def record(mem):
            class R:
                a = property(lambda self: Mover(mem, 7)())
            return t.Record([("a", t.U32)]), R(), Record(a=7)

        def variant(mem):
            class V(Variant):
                payload = property(lambda self: Mover(mem, 5)())
                def __init__(self, tag):
                    self.tag = tag
            return t.Variant([("x", t.U32), ("y", t.U32)]), V("y"), Variant("y", 5)

        def flags(mem):
            class F(set):
                def __iter__(self):
                    return iter([Mover(mem, "b")()])
            return t.Flags(["a", "b"]), F(), {"b"}

        def enum(mem):
            class S(str):
                def __hash__(self):
                    return hash(Mover(mem, str(self))())
                __eq__ = str.__eq__
            return t.Enum(["a", "b"]), S("b"), "b"

        for case in (record, variant, flags, enum):
            for op in ("store", "spilled"):
                mem = cmabi.ByteArrayMemory(4096)
                ty, value, want = case(mem)
                cx = cmabi.Context(mem, lambda *a: 16)
                if op == "store":
                    cmabi.store(cx, ty, value, 8)
                    got = cmabi.load(cx, ty, 8)
                else:   # 17 flat values spill into realloc'd memory
                    [p] = cmabi.lower_params(cx, [ty] + [t.U32] * 16, [value] + [0] * 16)
                    got = cmabi.load(cx, ty, p)
                print(case.__name__, op, got == want)
    """)
    lines = out.split("\n")[:8]
    assert all(line.endswith(" True") for line in lines), out


def test_scalars_of_subclasses_never_run_their_dunders():
    # __float__, __index__, __ne__, __bool__, __len__ of int/float/str subclasses
    # could move the memory between the check and the write; they are not called
    # (lenient: an int subclass also lowers as a float or bool).
    out = run("""
        calls = []

        class I(int):
            def __float__(self): calls.append("float"); return 0.0
            def __index__(self): calls.append("index"); return 0
            def __ne__(self, o): calls.append("ne"); return False
            def __bool__(self): calls.append("bool"); return False

        class F(float):
            def __float__(self): calls.append("float"); return 0.0

        class C(str):
            def __len__(self): calls.append("len"); return 1

        mem, realloc, _ = heap()
        cx = cmabi.Context(mem, realloc, lenient=True)
        for ty, v in [(t.F64, I(3)), (t.F32, F(2.5)), (t.Bool, I(2)), (t.U32, I(7)),
                      (t.Char, C("z")), (t.List(t.F64), [I(1), F(0.5)]), (t.List(t.Bool), [I(4)])]:
            print(cmabi.lift(cx, ty, cmabi.lower(cx, ty, v)))
        try:
            cmabi.lower(cx, t.Char, C("ab"))
        except TypeError:
            print("two characters refused")
        print("calls", calls)
    """)
    assert out.split("\n")[:9] == ["3.0", "2.5", "True", "7", "z", "[1.0, 0.5]", "[True]",
                                   "two characters refused", "calls []"]


def test_a_getter_that_shrinks_the_memory_raises_value_error():
    out = run("""
        mem = cmabi.ByteArrayMemory(1 << 20)

        class R:
            b = 2
            @property
            def a(self):
                del mem.data[:]
                return 1

        try:
            cmabi.store(cmabi.Context(mem), t.Record([("a", t.U32), ("b", t.U32)]), R(), (1 << 20) - 8)
        except ValueError as e:
            print("raised", e)
    """)
    assert "raised linear memory shrank" in out


def test_a_garbage_collector_finalizer_cannot_move_memory_while_it_is_lifted():
    # Lifting allocates (records, lists): in CPython 3.11 that can run the garbage
    # collector, and so finalizers, right there. It is paused while cmabi reads.
    out = run("""
        mem, realloc, _ = heap(1 << 22)
        cx = cmabi.Context(mem, realloc)
        ty = t.List(t.Record([("a", t.U32), ("b", t.String)]))
        value = [Record(a=i, b="s" * 50) for i in range(20000)]
        flat = cmabi.lower(cx, ty, value)
        ran = []

        class Bomb:
            # Garbage (a cycle) whose finalizer moves the memory and makes more garbage.
            def __init__(self):
                self.cycle = self
            def __del__(self):
                ran.append(1)
                mem.grow(1 << 16)
                Bomb()

        gc.set_threshold(10)
        Bomb()
        got = cmabi.lift(cx, ty, flat)
        print(got == value, gc.isenabled(), bool(ran))
    """)
    assert out.split("\n")[0] == "True True True"


# -------------------------------------------------------- a real guest's memory

GUEST = """(module
  (memory (export "memory") 1)
  (global $bump (mut i32) (i32.const 1024))
  (func (export "cabi_realloc") (param i32 i32 i32 i32) (result i32)
    (local $p i32)
    (local.set $p (i32.and (i32.add (global.get $bump) (i32.sub (local.get 2) (i32.const 1)))
                           (i32.sub (i32.const 0) (local.get 2))))
    (global.set $bump (i32.add (local.get $p) (local.get 3)))
    (if (i32.gt_u (global.get $bump) (i32.shl (memory.size) (i32.const 16)))
      (then (drop (memory.grow (i32.add (i32.shr_u (global.get $bump) (i32.const 16)) (i32.const 1))))))
    (local.get $p))
  (func (export "len") (param i32 i32) (result i32) (local.get 1)))"""

GUEST_PRELUDE = f"""
    import cwasmtime as wasmtime
    from cmabi import bind
    GUEST = {GUEST!r}
    ITEMS = t.List(t.Record([("a", t.U32), ("b", t.String)]))

    def guest(config=None):
        engine = wasmtime.Engine(config) if config else wasmtime.Engine()
        store = wasmtime.Store(engine)
        instance = wasmtime.Instance(store, wasmtime.Module(engine, GUEST), [])
        return store, bind.Guest(store, instance)
"""


@pytest.mark.parametrize("when", ["first getter", "later getter"])
def test_closing_the_store_from_a_getter_while_lowering_into_its_memory_raises(when):
    out = run(GUEST_PRELUDE, f"""
        store, g = guest()
        length = g.function(t.FuncType([("v", ITEMS)], t.U32), "len")
        n = [0]

        class Closer:
            b = "s" * 100
            @property
            def a(self):
                n[0] += 1
                if n[0] == (1 if {when!r} == "first getter" else 50):
                    store.close()
                return 1

        try:
            length([Closer() for _ in range(100)])
        except (ValueError, wasmtime.WasmtimeError) as e:
            print("raised", type(e).__name__, e)
    """)
    # The first getter finds the Store open; after it the memory is pinned: the Store
    # refuses to close. A getter closing it first is seen at the next memory read.
    if when == "first getter":
        assert "raised ValueError already closed" in out
    else:
        assert "raised WasmtimeError cannot close a Store while wasm is running" in out


def test_a_getter_growing_a_memory_that_moves_is_seen():
    # With a small reservation, a wasm memory moves when it grows: Memory.view and
    # pinning refuse it, so cmabi re-reads it after every getter.
    out = run(GUEST_PRELUDE, """
        config = wasmtime.Config()
        config.memory_reservation = 1 << 16
        config.memory_guard_size = 0
        config.memory_reservation_for_growth = 0
        store, g = guest(config)
        memory = g.memory.memory
        before = memory.data_ptr(store)
        import ctypes
        before = ctypes.addressof(before.contents)

        class Grower:
            b = "payload"
            @property
            def a(self):
                memory.grow(store, 20)
                return 42

        cx = g.context
        flat = cmabi.lower(cx, ITEMS, [Grower(), Grower()])
        after = ctypes.addressof(memory.data_ptr(store).contents)
        print("moved", before != after)
        print(cmabi.lift(cx, ITEMS, flat) == [Record(a=42, b="payload")] * 2)
    """)
    assert out.split("\n")[:2] == ["moved True", "True"]


HOST_GUEST = """(module
  (import "$root" "give" (func $give (param i32)))
  (memory (export "memory") 1)
  (global $bump (mut i32) (i32.const 1024))
  (func (export "cabi_realloc") (param i32 i32 i32 i32) (result i32)
    (local $p i32)
    (local.set $p (global.get $bump))
    (global.set $bump (i32.add (local.get $p) (local.get 3)))
    (local.get $p))
  (func (export "grow") (drop (memory.grow (i32.const 20))))
  ;; call-give: calls give (its record result at 16), returns the string's (ptr, len) word pair
  (func (export "call-give") (result i64)
    (call $give (i32.const 16))
    (i64.load (i32.const 20))))"""


def test_a_host_result_getter_growing_a_memory_that_moves_is_seen():
    # bind.Host lowers a host function's result into the caller's memory (found through
    # the Caller, never pinned): a getter that grows it (it moves) is followed by a re-read.
    out = run(GUEST_PRELUDE, f"""
        import ctypes
        config = wasmtime.Config()
        config.memory_reservation = 1 << 16
        config.memory_guard_size = 0
        config.memory_reservation_for_growth = 0
        engine = wasmtime.Engine(config)
        store = wasmtime.Store(engine)
        linker = wasmtime.Linker(engine)
        host = bind.Host(linker)
        exports = {{}}

        class Grows:
            b = "from the host"
            @property
            def a(self):
                exports["grow"](store)
                return 7

        give = t.FuncType([], t.Record([("a", t.U32), ("b", t.String)]))
        host.define(None, "give", give, Grows)
        instance = linker.instantiate(store, wasmtime.Module(engine, {HOST_GUEST!r}))
        exports.update(instance.exports(store))
        memory = exports["memory"]
        before = ctypes.addressof(memory.data_ptr(store).contents)
        pair = exports["call-give"](store) & 0xFFFFFFFFFFFFFFFF
        ptr, n = pair & 0xFFFFFFFF, pair >> 32
        print("moved", before != ctypes.addressof(memory.data_ptr(store).contents))
        print(memory.read(store, 16, 20), bytes(memory.read(store, ptr, ptr + n)))
    """)
    assert out.split("\n")[:2] == ["moved True", "bytearray(b'\\x07\\x00\\x00\\x00') b'from the host'"]


# ------------------------------------------------------------- lifting is inert


def test_lifting_runs_no_python_code():
    # Records and variants are made without their (Python) __init__, handle tables
    # are read through C methods: nothing can run between two reads of memory.
    mem = cmabi.ByteArrayMemory(1 << 16)
    top = [8]

    def realloc(old, old_size, align, size):
        p = -(-top[0] // align) * align
        top[0] = p + size
        return p

    class Table(cmabi.HandleTable):
        def get(self, i):  # pragma: no cover - must not be called
            raise AssertionError("called")

    r = t.ResourceType("r")
    ty = t.List(t.Record([("v", t.Variant([("a", t.U8), ("b", t.U8)])), ("o", t.Own(r)),
                          ("s", t.String)]))
    cx = cmabi.Context(mem, realloc, handles=Table())
    value = [cmabi.Record(v=cmabi.Variant("b", 1), o=5, s="x")] * 3
    flat = cmabi.lower(cx, ty, value)
    lift = cmabi.lift
    calls = []
    sys.setprofile(lambda frame, event, arg: event == "call" and calls.append(frame.f_code.co_name))
    try:
        got = lift(cx, ty, flat)
    finally:
        sys.setprofile(None)
    assert got == value
    assert calls == []


# ------------------------------------------------------- type descriptors that lie


def test_a_descriptor_whose_layout_was_changed_is_refused():
    out = run("""
        cases = {
            "record offsets": (t.Record([("a", t.U64), ("b", t.U64)]), "offsets", (0, 1 << 20)),
            "flags size": (t.Flags(["a"]), "size", 64),
            "variant payload": (t.Variant([("a", t.U64)]), "payload_offset", 1 << 20),
            "fixed list size": (t.FixedList(t.U64, 4), "size", 8),
            "primitive size": (t.Option(t.U8), "disc_size", 8),
        }
        mem = cmabi.ByteArrayMemory(64)
        for name, (ty, attr, value) in cases.items():
            object.__setattr__(ty, attr, value)
            try:
                cmabi.store(cmabi.Context(mem), ty, None, 0)
            except TypeError as e:
                print(name, "refused" if "not a consistent cmabi type" in str(e) else e)
        object.__setattr__(t.String, "_codec", "not a codec")   # a cached codec is checked too
        print(cmabi.lower(cmabi.Context(mem, lambda *a: 8), t.String, "x"))
    """)
    assert out.split("\n")[:6] == [
        "record offsets refused", "flags size refused", "variant payload refused",
        "fixed list size refused", "primitive size refused", "[8, 1]"]


def test_context_methods_check_their_arguments():
    with pytest.raises(TypeError):
        cmabi.HandleTable().add(None)
    with pytest.raises(TypeError, match="borrow_scope"):
        cmabi.ResourceHandle(t.ResourceType("r"), 1, False, "not a context")
    with pytest.raises(ValueError, match="borrow scope"):
        cmabi.ResourceHandle(t.ResourceType("r"), 1, True, cmabi.Context())
