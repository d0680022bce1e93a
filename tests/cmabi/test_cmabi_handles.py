"""own/borrow handles and the handle table (the spec's lift_own, lift_borrow,
lower_own, lower_borrow, resource.new/rep/drop and the end-of-call checks)."""
import pytest

import cmabi
from cmabi import Trap
from cmabi.types import Borrow, List, Own, ResourceType

R = ResourceType("file")
R2 = ResourceType("socket")


def test_own_transfers(heap):
    cx = heap.cx()
    [i] = cmabi.lower(cx, Own(R), 42)            # host -> guest: a new owned handle
    assert i == 1 and len(cx.handles) == 1
    assert cx.handles.get(i).own and cx.handles.get(i).rep == 42
    assert cmabi.lift(cx, Own(R), [i]) == 42     # guest -> host: ownership moves out
    assert len(cx.handles) == 0
    with pytest.raises(Trap, match="invalid handle"):
        cmabi.lift(cx, Own(R), [i])              # gone


def test_handle_indices_reused(heap):
    cx = heap.cx()
    a, b = cmabi.lower(cx, List(Own(R)), [10, 11]), None
    ptr, n = a
    assert cmabi.load(cx, Own(R), ptr) == 10
    b = cmabi.lower(cx, Own(R), 12)[0]
    assert b == 1                                  # slot 1 freed above, reused
    with pytest.raises(Trap):
        cmabi.lift(cx, Own(R), [0])                # index 0 is never valid


def test_own_traps(heap):
    cx = heap.cx()
    i = cx.handles.new_own(R, 7)
    with pytest.raises(Trap, match="not a socket"):
        cmabi.lift(cx, Own(R2), [i])
    with pytest.raises(Trap, match="invalid handle"):
        cmabi.lift(cx, Own(R), [99])
    [b] = cmabi.lower(cx, Borrow(R), 8)
    with pytest.raises(Trap, match="borrow"):
        cmabi.lift(cx, Own(R), [b])


def test_borrow_scoped_to_call(heap):
    # host calls a guest export with a borrow: the guest must drop it before returning
    cx = heap.cx()
    [b] = cmabi.lower(cx, Borrow(R), 5)
    assert cx.num_borrows == 1
    with pytest.raises(Trap, match="not dropped"):
        cx.end_call()
    cx = heap.cx()
    [b] = cmabi.lower(cx, Borrow(R), 5)
    assert cx.handles.rep(R, b) == 5
    assert cx.handles.drop(R, b) is None           # resource.drop of a borrow
    assert cx.num_borrows == 0
    cx.end_call()


def test_borrow_into_implementing_instance_passes_rep(heap):
    inst = object()
    rt = ResourceType("mine", instance=inst)
    cx = heap.cx(instance=inst)
    assert cmabi.lower(cx, Borrow(rt), 1234) == [1234]
    assert len(cx.handles) == 0 and cx.num_borrows == 0


def test_lifting_borrow_lends_the_own_handle(heap):
    # guest calls a host import passing borrow<R> of an own handle it holds
    table = cmabi.HandleTable()
    cx = heap.cx(handles=table)
    i = table.new_own(R, 77)
    assert cmabi.lift(cx, Borrow(R), [i]) == 77
    assert table.get(i).num_lends == 1
    with pytest.raises(Trap, match="lent"):
        cmabi.lift(cx, Own(R), [i])                 # can't move it while lent
    with pytest.raises(Trap, match="lent"):
        table.drop(R, i)
    cx.end_call()
    assert table.get(i).num_lends == 0
    assert table.drop(R, i) == 77                   # own: caller runs the destructor
    assert len(table) == 0


def test_borrow_lift_traps(heap):
    cx = heap.cx()
    with pytest.raises(Trap):
        cmabi.lift(cx, Borrow(R), [3])
    i = cx.handles.new_own(R2, 1)
    with pytest.raises(Trap):
        cmabi.lift(cx, Borrow(R), [i])
    with pytest.raises(Trap):
        cx.handles.rep(R, i)
    with pytest.raises(Trap):
        cx.handles.drop(R, i)


def test_handles_in_memory(heap):
    cx = heap.cx()
    cmabi.store(cx, Own(R), 9, 64)
    idx = int.from_bytes(heap.data[64:68], "little")
    assert cx.handles.get(idx).rep == 9
    assert cmabi.load(cx, Own(R), 64) == 9
    with pytest.raises(TypeError):
        cmabi.lower(cx, Own(R), "not a rep")


# ------------------------------------------------- borrow scopes (canon resource.drop)


def test_a_borrow_not_dropped_is_removed_when_its_call_ends(heap):
    # The spec traps at the end of the call (num_borrows != 0); the handle must not
    # outlive it: a later resource.drop of it would end a borrow of another call.
    cx = heap.cx()
    [stale] = cmabi.lower(cx, Borrow(R), 5)
    with pytest.raises(Trap, match="1 borrowed handle"):
        cx.end_call()
    assert len(cx.handles) == 0
    [fresh] = cmabi.lower(cx, Borrow(R), 6)      # the next call reuses the slot
    assert fresh == stale and cx.num_borrows == 1
    assert cx.handles.drop(R, fresh) is None
    cx.end_call()


def test_a_borrow_of_an_ended_call_cannot_end_a_borrow_of_the_current_one(heap):
    cx = heap.cx()
    [stale] = cmabi.lower(cx, Borrow(R), 5)
    with pytest.raises(Trap):
        cx.end_call()
    # next call: the guest drops the old handle instead of the one it gets now
    with pytest.raises(Trap, match="invalid handle"):
        cx.handles.drop(R, stale)
    cmabi.lower(cx, Borrow(R), 6)
    with pytest.raises(Trap, match="1 borrowed handle"):   # still owed
        cx.end_call()


def test_a_borrow_handle_kept_past_its_call_traps_everywhere(heap):
    # A borrow the host put in a table itself (not lowered in a call) has no live call.
    cx = heap.cx()
    i = cx.handles.add(cmabi.ResourceHandle(R, 3, False, cx))
    with pytest.raises(Trap, match="call has ended"):
        cx.handles.drop(R, i)
    with pytest.raises(Trap, match="call has ended"):
        cx.handles.rep(R, i)
    with pytest.raises(Trap, match="call has ended"):
        cmabi.lift(cx, Borrow(R), [i])
    assert cx.handles.get(i).rep == 3              # the table is left as it was


def test_dropping_a_lent_handle_traps_and_keeps_it(heap):
    table = cmabi.HandleTable()
    cx = heap.cx(handles=table)
    i = table.new_own(R, 1)
    [b] = cmabi.lower(cx, Borrow(R), 2)
    assert cmabi.lift(cx, Borrow(R), [i]) == 1 and cmabi.lift(cx, Borrow(R), [b]) == 2
    for handle in (i, b):                          # own or borrow: lent out until end_call
        with pytest.raises(Trap, match="lent out"):
            table.drop(R, handle)
        assert table.get(handle).num_lends == 1
    with pytest.raises(Trap, match="1 borrowed"):  # b: lowered in this call, not dropped
        cx.end_call()
    assert table.drop(R, i) == 1 and len(table) == 0
