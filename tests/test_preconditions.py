"""Wasmtime's C API preconditions, checked before each call (issue 12, class 2).

Wasmtime 50's C API panics when a precondition is violated, and the library is built
to abort on a panic: the whole process dies. Each case below aborted (or crashed) it
before cwasmtime checked that precondition; now it raises a clear Python exception, or
works. The reference for every row is /work/notes/capi-panics.md (the sections are
named in the case ids). Each runs in a fresh interpreter."""
import os
import signal
import sys

import pytest

from isolation import OUTCOME, assert_clean_exit, run_isolated

PRELUDE = OUTCOME + '''
import os
import cwasmtime as w

def config(**settings):
    made = w.Config()
    for name, value in settings.items():
        setattr(made, name, value)
    return made

def engine(**settings):
    return w.Engine(config(**settings))

def exports(wat, store=None):
    store = store or w.Store()
    return store, w.Instance(store, w.Module(store.engine, wat), []).exports(store)

def flags(*enabled, settings=None, **values):
    """What Engine() does with a Config of these ``settings`` (a dict) and Cranelift flags
    enabled and set."""
    made = config(**(settings or {}))
    for name in enabled:
        made.cranelift_flag_enable(name)
    for name, value in values.items():
        made.cranelift_flag_set(name, value)
    return outcome(lambda: w.Engine(made))

def pooled(pool=None, address_space=None, **settings):
    """What Engine() does with a Config of these ``settings`` whose allocation strategy is
    a pool of these ``pool`` settings (a dict), in this process limited to
    ``address_space`` bytes of address space if given."""
    if address_space:
        import resource
        resource.setrlimit(resource.RLIMIT_AS, (address_space, address_space))
    made = config(**settings)
    made.allocation_strategy = w.PoolingAllocationConfig(**(pool or {}))
    return outcome(lambda: w.Engine(made))
'''


def _case(id, code, *expected):
    """A case: ``code`` must print each of ``expected`` (substrings, in this order)."""
    return pytest.param(code, expected, id=id, marks=_marks(code))


def _marks(code):
    # A case that limits its process's address space cannot run under AddressSanitizer,
    # whose shadow memory alone needs terabytes of it.
    return pytest.mark.address_space if "address_space=" in code else ()


VALUE_TYPES = [
    _case("B: calling a function with a v128 parameter and result", '''
        s, ex = exports('(module (func (export "f") (param v128) (result v128) local.get 0))')
        print(ex["f"](s, 5), ex["f"](s, 2**128 - 1) == 2**128 - 1)
        ''', "5 True"),
    _case("B: a host function with v128", '''
        s = w.Store()
        ty = w.Module(s.engine, '(module (import "" "h" (func (param v128) (result v128))))').imports[0].type
        f = w.Func(s, ty, lambda v: v + 1)
        print(f(s, 41), str(ty))
        ''', "42 FuncType((v128) -> v128)"),
    _case("B: calling a function with an anyref parameter", '''
        s, ex = exports('(module (func (export "f") (param anyref)))')
        print(outcome(lambda: ex["f"](s, None)))
        ''', "TypeError: unsupported value type (ref null any) in a function signature"),
    _case("B: typed() of a function with a non-nullable funcref parameter", '''
        s, ex = exports('(module (func (export "f") (param (ref func))))')
        print(outcome(lambda: ex["f"].typed(s)))
        ''', "TypeError: unsupported value type (ref func)"),
    _case("B: calling a function returning i31ref", '''
        s, ex = exports('(module (func (export "f") (result i31ref) i32.const 1 ref.i31))')
        print(outcome(lambda: ex["f"](s)))
        ''', "TypeError: unsupported value type (ref null i31)"),
    _case("B: calling a function with a typed reference parameter", '''
        s, ex = exports('(module (type $t (func)) (func (export "f") (param (ref null $t))))')
        print(outcome(lambda: ex["f"](s, None)))
        ''', "TypeError: unsupported value type (ref <concrete type>)"),
    _case("B: defining a host function with an exnref parameter", '''
        e = engine(wasm_exceptions=True)
        ty = w.Module(e, '(module (import "" "h" (func (param exnref))))').imports[0].type
        linker = w.Linker(e)
        print(outcome(lambda: linker.define_func("", "h", ty, lambda x: None)))
        ''', "TypeError: unsupported value type (ref null exn)"),
    _case("B: str(), repr() and == of value types wasm_valtype_kind aborts on", '''
        m = w.Module(w.Engine(), \'\'\'(module (type $t (func))
            (func (export "a") (param v128 anyref (ref extern) (ref null $t) nullfuncref)))\'\'\')
        params = m.exports[0].type.params
        print([str(p) for p in params], repr(m))
        print(params[0] == params[0], params[1] == w.ValType.externref(), params[3] == params[3])
        ''', "['v128', '(ref null any)', '(ref extern)', '(ref <concrete type>)', '(ref null nofunc)'] "
             "<Module imports [], exports [a: (v128, (ref null any), (ref extern), "
             "(ref <concrete type>), (ref null nofunc)) -> ()]>\nTrue False True"),
    _case("B: a v128 global", '''
        s, ex = exports('(module (global (export "g") (mut v128) (v128.const i64x2 1 0)))')
        g = ex["g"]
        before = g.value(s)
        g.set_value(s, 5)
        print(before, g.value(s), g.type(s))
        ''', "1 5 GlobalType(v128, mutable=True)"),
    _case("B: an anyref global and table", '''
        s, ex = exports(\'\'\'(module (global (export "g") (mut anyref) (ref.null any))
            (table (export "t") 1 anyref))\'\'\')
        print(outcome(lambda: ex["g"].set_value(s, None)), outcome(lambda: ex["t"].grow(s, 1, None)))
        ''', "TypeError: unsupported value type (ref null any) TypeError: unsupported value type (ref null any)"),
    _case("G2-G4: continuation-typed table, global and parameter", '''
        e = engine(wasm_stack_switching=True, wasm_function_references=True, wasm_exceptions=True)
        s, ex = exports(\'\'\'(module (type $f (func)) (type $c (cont $f))
            (table (export "t") 1 (ref null $c)) (global (export "g") (ref null $c) (ref.null $c))
            (func (export "p") (param (ref null $c))))\'\'\', w.Store(e))
        print(outcome(lambda: ex["t"].get(s, 0)))
        print(outcome(lambda: ex["g"].value(s)))
        print(outcome(lambda: ex["p"](s, None)))
        print(str(ex["t"].type(s).element))
        ''', "TypeError: unsupported value type (ref <concrete type>)\n"
             "TypeError: unsupported value type (ref <concrete type>)\n"
             "TypeError: unsupported value type (ref <concrete type>) in a function signature"),
    _case("G1: a table64 with 2**32 elements or more", '''
        e = w.Engine()
        for wat in ('(module (table (export "t") i64 0 4294967296 externref))',
                    '(module (table (export "t") i64 4294967296 funcref))',
                    '(module (import "" "t" (table i64 1 18446744073709551615 externref)))'):
            print(outcome(lambda: w.Module(e, wat)))
        print(outcome(lambda: w.Module.validate(e, w.wat2wasm(wat))))
        print(w.Module(e, '(module (table (export "t") i64 1 4294967295 externref))').exports[0].type)
        ''', "WasmtimeError: this module has a table with 2**32 or more elements (min=0, max=4294967296)"
             ": Wasmtime's C API cannot describe such a table without aborting the process, so "
             "cwasmtime refuses it\n"),
]

CONFIGS = [
    _case("A1: max_wasm_stack = 0", '''
        print(outcome(lambda: engine(max_wasm_stack=0)))
        ''', "WasmtimeError: Config.max_wasm_stack cannot be zero"),
    _case("A2: max_wasm_stack over the async stack size", '''
        print(outcome(lambda: engine(max_wasm_stack=3 << 20)), outcome(lambda: engine(max_wasm_stack=2 << 20)))
        ''', "WasmtimeError: Config.max_wasm_stack (3145728) cannot exceed Wasmtime's async_stack_size "
             "(2097152) ok: <Engine>"),
    _case("A3: wasm_simd = False alone disables relaxed SIMD too", '''
        e = engine(wasm_simd=False)
        print(outcome(lambda: w.Module(e, '(module (func (result i32) i32.const 1))')))
        print(outcome(lambda: w.Module(e, '(module (func (drop (v128.const i64x2 0 0))))')))
        ''', "ok: <Module imports [], exports []>\nWasmtimeError: ", "SIMD support is not enabled"),
    _case("A4: wasm_simd = False with wasm_relaxed_simd = True", '''
        print(outcome(lambda: engine(wasm_simd=False, wasm_relaxed_simd=True)))
        ''', "WasmtimeError: Config.wasm_relaxed_simd = True needs Config.wasm_simd"),
    _case("A5: wasm_reference_types = False", '''
        e = engine(wasm_reference_types=False)
        print(outcome(lambda: w.Module(e, '(module (func (param externref)))')))
        print(w.Instance(w.Store(e), w.Module(e, '(module)'), []))
        ''', "WasmtimeError: ", "reference types support is not enabled", "<Instance exports []>"),
    _case("A6: enabling an unknown Cranelift flag", '''
        print(flags("no_such_flag"))
        ''', "WasmtimeError: Config.cranelift_flag_enable('no_such_flag'): no Cranelift setting of that "
             "name for x86_64"),
    _case("A6: setting an unknown Cranelift flag", '''
        print(flags(no_such_flag="1"))
        ''', "WasmtimeError: Config.cranelift_flag_set('no_such_flag', ...): no Cranelift setting"),
    _case("A7: enabling a Cranelift setting that is not a bool", '''
        print(flags("opt_level"))
        ''', "WasmtimeError: Config.cranelift_flag_enable('opt_level'): it is not a bool"),
    _case("A8: a Cranelift enum setting with a bad value", '''
        print(flags(opt_level="fastest"))
        print(flags(regalloc_algorithm="single_pass"))
        ''', "WasmtimeError: Config.cranelift_flag_set('opt_level', 'fastest'): expected one of none, "
             "speed, speed_and_size\nok: <Engine>"),
    _case("A9: a Cranelift bool or number setting with a bad value", '''
        print(flags(enable_verifier="maybe"))
        print(flags(bb_padding_log2_minus_one="300"))
        print(flags(enable_verifier="on", bb_padding_log2_minus_one="0"))
        ''', "WasmtimeError: Config.cranelift_flag_set('enable_verifier', 'maybe'): expected a bool"),
    _case("A10: Wasmtime's own Cranelift settings with bad values", '''
        print(flags(wasmtime_linkopt_padding_between_functions="x"))
        print(flags(wasmtime_linkopt_force_jump_veneer="1"))
        print(flags(wasmtime_inlining_small_callee_size="10"))
        ''', "expected an unsigned integer below 18446744073709551616\n"
             "WasmtimeError: Config.cranelift_flag_set('wasmtime_linkopt_force_jump_veneer', '1'): "
             "expected true or false\nok: <Engine>"),
    _case("A11: enabling wasmtime_debug_checks (a setting that only takes a value)", '''
        print(flags("wasmtime_debug_checks"))
        ''', "WasmtimeError: Config.cranelift_flag_enable('wasmtime_debug_checks'): no Cranelift setting"),
    _case("A12: native_unwind_info against the unwind_info flag", '''
        print(flags(settings={"native_unwind_info": True}, unwind_info="false"))
        ''', "WasmtimeError: Config.native_unwind_info and cranelift_flag_set('unwind_info', 'false') disagree"),
    _case("A13: signals_based_traps = False with Spectre mitigations set or enabled", '''
        no_signals = {"signals_based_traps": False}
        print(flags(settings=no_signals, enable_heap_access_spectre_mitigation="true"))
        print(flags("enable_table_access_spectre_mitigation", settings=no_signals))
        ''', "WasmtimeError: Config.signals_based_traps = False needs the Cranelift setting "
             "enable_heap_access_spectre_mitigation left unset or set to 'false'\n"
             "WasmtimeError: Config.signals_based_traps = False needs the Cranelift setting "
             "enable_table_access_spectre_mitigation"),
    _case("A14: stack switching with another stack_switch_model", '''
        print(flags(settings={"wasm_stack_switching": True}, stack_switch_model="none"))
        ''', "WasmtimeError: cranelift_flag_set('stack_switch_model', 'none'): it must be 'basic'"),
    _case("A15: a target whose ISA is not compiled in", '''
        print(outcome(lambda: engine(target="s390x-unknown-linux-gnu")))
        print(outcome(lambda: engine(target="pulley64")))
        ''', "WasmtimeError: Config.target 's390x-unknown-linux-gnu': support for s390x is not compiled into "
             "this libwasmtime (only this machine's architecture and Pulley)\nok: <Engine>"),
    _case("A16: a target Cranelift does not implement", '''
        print(outcome(lambda: engine(target="i686-unknown-linux-gnu")))
        ''', "WasmtimeError: Config.target 'i686-unknown-linux-gnu': Cranelift cannot compile for i686"),
    _case("A17: a Windows target without unwind info", '''
        print(outcome(lambda: engine(target="x86_64-pc-windows-msvc", native_unwind_info=False)))
        ''', "WasmtimeError: Config.native_unwind_info cannot be disabled for Windows"),
    _case("A18: stack switching for Pulley", '''
        print(outcome(lambda: engine(target="pulley64", wasm_stack_switching=True)))
        ''', "WasmtimeError: Config.wasm_stack_switching: the stack-switching proposal is only supported"),
    _case("A19: threads for Pulley", '''
        print(outcome(lambda: engine(target="pulley64", wasm_threads=True)))
        ''', "WasmtimeError: Config.wasm_threads: the threads proposal is not supported on Pulley"),
    _case("A20: the jitdump profiler in a directory it cannot write to", '''
        os.chdir("/proc")
        print(outcome(lambda: engine(profiler="jitdump")))
        ''', "WasmtimeError: Config.profiler = 'jitdump': cannot create /proc/jit-"),
]

ENGINES = [
    _case("D1: a FuncType used by host functions of two engines", '''
        ty = w.FuncType([w.ValType.i32()], [w.ValType.i32()])
        funcs = [w.Func(w.Store(), ty, lambda x, n=n: x + n) for n in (1, 2)]
        linkers = [w.Linker(w.Engine()) for _ in range(2)]
        for linker in linkers:
            linker.define_func("", "f", ty, lambda x: x)
        print([f(f._owner, 40) for f in funcs])
        ''', "[41, 42]"),
    _case("D1: a FuncType from a module or a function of another engine", '''
        e1 = w.Engine()
        from_module = w.Module(e1, '(module (import "" "f" (func (param i32))))').imports[0].type
        s1 = w.Store(e1)
        from_func = w.Func(s1, from_module, lambda x: None).type(s1)
        s2 = w.Store()
        for ty in (from_module, from_func):
            print(w.Func(s2, ty, lambda x: None)(s2, 1))
        ''', "None\nNone"),
    _case("E: Linker.define_module with a Store of another engine", '''
        linker = w.Linker(w.Engine())
        s = w.Store()
        print(outcome(lambda: linker.define_module(s, "m", w.Module(s.engine, "(module)"))))
        ''', "WasmtimeError: this Store belongs to another Engine than the Linker"),
    _case("E: Linker.get and get_default of host functions with a Store of another engine", '''
        linker = w.Linker(w.Engine())
        linker.define_func("a", "", w.FuncType([], []), lambda: None)
        print(outcome(lambda: linker.get(w.Store(), "a", "")))
        print(outcome(lambda: linker.get_default(w.Store(), "a")))
        ''', "WasmtimeError: this Store belongs to another Engine than the Linker\n"
             "WasmtimeError: this Store belongs to another Engine than the Linker"),
    _case("E: define_unknown_imports_as_traps/default_values with another engine", '''
        linker = w.Linker(w.Engine())
        other = w.Module(w.Engine(), '(module (import "a" "f" (func)))')
        print(outcome(lambda: linker.define_unknown_imports_as_traps(other)))
        mine = w.Module(linker.engine, '(module (import "a" "f" (func)))')
        print(outcome(lambda: linker.define_unknown_imports_as_default_values(w.Store(), mine)))
        ''', "WasmtimeError: this Module was compiled for another Engine than the Linker's\n"
             "WasmtimeError: this Store belongs to another Engine than the Linker"),
    _case("E: a Memory or Table of one Store, instantiated into another", '''
        e = w.Engine()
        s1, s2 = w.Store(e), w.Store(e)
        linker = w.Linker(e)
        linker.define(s1, "a", "m", w.Memory(s1, w.MemoryType(w.Limits(1, None))))
        linker.define(s1, "a", "t", w.Table(s1, w.TableType(w.ValType.funcref(), w.Limits(1, None)), None))
        for wat in ('(module (import "a" "m" (memory 1)))', '(module (import "a" "t" (table 1 funcref)))'):
            module = w.Module(e, wat)
            print(outcome(lambda: linker.instantiate(s2, module)))
            print(outcome(lambda: linker.define_module(s2, "r", module)))
            print(outcome(lambda: linker.instantiate(s1, module).exports(s1)))
        ''', "WasmtimeError: cannot instantiate into this Store: the linker's a.m is a Memory or Table of "
             "another Store\nWasmtimeError: cannot instantiate into this Store: the linker's a.m"),
    _case("E: a Memory defined through define_instance, instantiated into another Store", '''
        e = w.Engine()
        s1, s2 = w.Store(e), w.Store(e)
        linker = w.Linker(e)
        source = w.Instance(s1, w.Module(e, '(module (memory (export "m") 1))'), [])
        linker.define_instance(s1, "a", source)
        print(outcome(lambda: linker.instantiate(s2, w.Module(e, '(module (import "a" "m" (memory 1)))'))))
        ''', "WasmtimeError: cannot instantiate into this Store: the linker's a.m"),
]

WASI = [
    _case("F1: define_module of a WASI command into a Store without WASI, then running it", '''
        s = w.Store()
        linker = w.Linker(s.engine)
        linker.define_wasi()
        def run():
            linker.define_module(s, "", w.Module.from_file(s.engine, HELLO))
            linker.get_default(s, "")(s)
        print(outcome(run))
        ''', "WasmtimeError: this module imports WASI but the Store has no WASI context"),
    _case("F1: Linker.get of a WASI function for a Store without WASI, passed as an import", '''
        s = w.Store()
        linker = w.Linker(s.engine)
        linker.define_wasi()
        def run():
            fd_write = linker.get(s, "wasi_snapshot_preview1", "fd_write")
            w.Instance(s, w.Module.from_file(s.engine, HELLO), [fd_write]).exports(s)["_start"](s)
        print(outcome(run))
        ''', "WasmtimeError: wasi_snapshot_preview1.fd_write is a WASI function but the Store has no WASI context"),
    _case("F2: a custom stdout callback returning more than it was given, or a bad errno", '''
        import sys
        for answer in (lambda data: len(data) + 1, lambda data: -5000):
            s = w.Store()
            wasi = w.WasiConfig()
            wasi.stdout_custom = answer
            s.set_wasi(wasi)
            linker = w.Linker(s.engine)
            linker.define_wasi()
            start = linker.instantiate(s, w.Module.from_file(s.engine, HELLO)).exports(s)["_start"]
            print(outcome(lambda: start(s)))
            sys.stdout.flush()
        ''', "ok: None\nok: None", "the callback returned 43 for 42 bytes", "the callback returned -5000"),
    _case("NUL bytes in WASI arguments, environment and paths, and Config strings", '''
        wasi = w.WasiConfig()
        print(outcome(lambda: setattr(wasi, "argv", ["a\\0b"])))
        print(outcome(lambda: setattr(wasi, "env", [("A", "b\\0c")])))
        print(outcome(lambda: setattr(wasi, "stdout_file", "/tmp/x\\0y")))
        print(outcome(lambda: wasi.preopen_dir("/tmp\\0/etc", "/")))
        c = w.Config()
        print(outcome(lambda: c.cranelift_flag_set("opt_level\\0x", "none")))
        print(outcome(lambda: setattr(c, "target", "x86_64\\0")))
        print(outcome(lambda: w.Module.deserialize_file(w.Engine(), "/tmp/x\\0y")))
        ''', "\n".join(["ValueError: embedded null byte"] * 7)),
]

# (id, code, what it prints, what Wasmtime says aborting on it without cwasmtime's check)
POOLING_CASES = [
    ("L: max_memory_size above memory_reservation", '''
        print(pooled(memory_reservation=1 << 20))
        print(pooled(dict(max_memory_size=1 << 20), memory_reservation=1 << 20))
        ''', "WasmtimeError: PoolingAllocationConfig.max_memory_size (4294967296) exceeds "
             "Config.memory_reservation (1048576): a pooled memory may grow to max_memory_size, in "
             "a slot of memory_reservation bytes\nok: <Engine>",
     "maximum memory size of 0x100000000 bytes exceeds the configured memory reservation of "
     "0x100000 bytes"),
    ("L: the default max_memory_size for pulley32 (whose memory_reservation is 10 MiB)", '''
        print(pooled(target="pulley32"))
        ''', "WasmtimeError: PoolingAllocationConfig.max_memory_size (4294967296) exceeds "
             "Config.memory_reservation (10485760)",
     "exceeds the configured memory reservation of 0xa00000 bytes"),
    ("L: a memory_reservation too large for a memory slot", '''
        print(pooled(dict(max_memory_size=1 << 16), memory_reservation=2**64 - 1))
        ''', "WasmtimeError: A memory slot, Config.memory_reservation (18446744073709551615) + "
             "memory_guard_size (33554432) in whole pages, is 18446744073743106048 bytes: more "
             "than the address space can hold", "memory reservation is too large"),
    ("L: a memory_guard_size too large for a memory slot", '''
        print(pooled(memory_guard_size=2**64 - 1))
        ''', "WasmtimeError: A memory slot, Config.memory_reservation (4294967296) + "
             "memory_guard_size (18446744073709551615)", "guard region is too large"),
    ("L: memory_reservation + memory_guard_size beyond the address space", '''
        print(pooled(memory_reservation=2**63, memory_guard_size=2**63))
        ''', "WasmtimeError: A memory slot, Config.memory_reservation (9223372036854775808) + "
             "memory_guard_size (9223372036854775808) in whole pages, is 18446744073709551616 "
             "bytes", "faulting region is too large"),
    ("L: total_memories slots beyond the address space", '''
        print(pooled(dict(total_memories=2**32 - 1)))
        ''', "WasmtimeError: The memory pool, PoolingAllocationConfig.total_memories (4294967295) "
             "slots of 4328521728 bytes, is 18590859257490440192 bytes: more than the address "
             "space can hold", "total size of memory reservation exceeds addressable memory"),
    ("L: a memory pool the process cannot map", '''
        print(pooled(address_space=64 << 30))
        ''', "WasmtimeError: PoolingAllocationConfig.total_memories (1000) slots of 4.0 GiB "
             "(Config.memory_reservation + memory_guard_size): its 3.9 TiB cannot be mapped in "
             "this process (Cannot allocate memory)", "failed to create memory pool mapping"),
    ("L: table_elements beyond the address space", '''
        print(pooled(dict(table_elements=2**62)))
        ''', "WasmtimeError: A table slot, PoolingAllocationConfig.table_elements "
             "(4611686018427387904) × 8 bytes, is 36893488147419103232 bytes: more than the "
             "address space can hold", "table size exceeds addressable memory"),
    ("L: total_tables slots beyond the address space", '''
        print(pooled(dict(table_elements=2**58)))
        ''', "WasmtimeError: The table pool, PoolingAllocationConfig.total_tables (1000) slots of "
             "2305843009213693952 bytes, is", "total size of tables exceeds addressable memory"),
    ("L: a table pool the process cannot map", '''
        print(pooled(dict(total_memories=0, table_elements=2**24), address_space=64 << 30))
        ''', "WasmtimeError: PoolingAllocationConfig.total_tables (1000) slots of 128.0 MiB "
             "(table_elements × 8): its 125.0 GiB cannot be mapped in this process",
     "failed to create table pool mapping"),
    ("L: a stack pool the process cannot map", '''
        print(pooled(dict(total_memories=0), address_space=1 << 30))
        ''', "WasmtimeError: PoolingAllocationConfig.total_stacks (1000) async stacks of 2.0 MiB: "
             "its 2.0 GiB cannot be mapped in this process", "failed to create stack pool mapping"),
    ("L: more stack guard pages than memory mappings left (vm.max_map_count)", '''
        stacks = int(open("/proc/sys/vm/max_map_count").read()) // 2 + 1
        print(pooled(dict(total_stacks=stacks)))
        ''', "WasmtimeError: PoolingAllocationConfig.total_stacks (", "memory mappings (a stack "
             "and its guard page each), and this process may make only",
     "failed to protect stack guard page"),
    ("L: keep_resident sizes that overflow when rounded up to whole pages", '''
        for name in ("linear_memory_keep_resident", "table_keep_resident",
                     "async_stack_keep_resident"):
            print(pooled({name: 2**64 - 1}), pooled({name: 2**64 - 4096}))
        ''', "WasmtimeError: PoolingAllocationConfig.linear_memory_keep_resident "
             "(18446744073709551615) in whole pages is 18446744073709551616 bytes: more than the "
             "address space can hold ok: <Engine>", "table_keep_resident (18446744073709551615) in "
             "whole pages", "async_stack_keep_resident (18446744073709551615) in whole pages",
     "byte count overflow rounding up"),
    ("L: the bookkeeping of 2**32 - 1 table slots", '''
        print(pooled(dict(total_memories=0, total_tables=2**32 - 1, table_elements=0),
                     address_space=16 << 30))
        ''', "WasmtimeError: The pool's bookkeeping, ~56 bytes × PoolingAllocationConfig."
             "total_tables (4294967295) + 56 bytes × PoolingAllocationConfig.total_stacks (1000) + "
             "80 bytes × PoolingAllocationConfig.total_gc_heaps (1000): its 224.0 GiB cannot be "
             "mapped in this process", "memory allocation of 120259084288 bytes failed"),
    ("L: the bookkeeping of 2**32 - 1 GC heaps, unless GC support is off", '''
        pool = dict(total_memories=0, total_gc_heaps=2**32 - 1)
        print(pooled(pool, address_space=16 << 30))
        print(pooled(pool, gc_support=False))
        ''', "WasmtimeError: The pool's bookkeeping, ~56 bytes × PoolingAllocationConfig."
             "total_tables (1000) + 56 bytes × PoolingAllocationConfig.total_stacks (1000) + 80 "
             "bytes × PoolingAllocationConfig.total_gc_heaps (4294967295): its 320.0 GiB cannot "
             "be mapped in this process (Cannot allocate memory)\nok: <Engine>",
     "memory allocation of 120259084288 bytes failed"),
]
POOLING = [_case(id, code, *expected) for id, code, *expected, _ in POOLING_CASES]

HELLO = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "examples", "hello.wat")


@pytest.mark.parametrize("code, expected", VALUE_TYPES + CONFIGS + ENGINES + WASI + POOLING)
def test_precondition(code, expected):
    done = run_isolated(code, prelude=PRELUDE + f"HELLO = {HELLO!r}\n")
    assert_clean_exit(done)
    output, at = done.stdout + done.stderr, 0
    for part in expected:
        at = output.find(part, at)
        assert at >= 0, f"missing {part!r} in:\n{output}"


@pytest.mark.parametrize("code, wasmtime", [pytest.param(code, wasmtime, id=id, marks=_marks(code))
                                            for id, code, *_, wasmtime in POOLING_CASES])
def test_wasmtime_aborts_on_each_pooling_case_without_the_check(code, wasmtime):
    """Evidence that each pooling check is needed: with it switched off, Engine() aborts
    the process (SIGABRT), for the reason Wasmtime gives."""
    switched_off = "import cwasmtime._config_check as check\ncheck._check_pooling = lambda *_: None\n"
    done = run_isolated(code, prelude=PRELUDE + switched_off)
    assert done.returncode == -signal.SIGABRT, done.stdout + done.stderr
    assert wasmtime in done.stderr


def test_jitdump_can_be_used_where_the_file_can_be_made(tmp_path):
    done = run_isolated('''
        import cwasmtime as w
        config = w.Config()
        config.profiler = "jitdump"
        w.Engine(config)
        print(os.listdir("."))
        ''', prelude=f"import os\nos.chdir({str(tmp_path)!r})\n")
    assert_clean_exit(done)
    assert f"jit-" in done.stdout


@pytest.mark.skipif(sys.platform != "linux", reason="the flags of x86_64 Linux")
def test_every_cranelift_flag_of_the_table_is_accepted_by_wasmtime_for_a_sample():
    """A valid value of a sample of settings (one of each kind) makes an Engine: the
    table (generated from Wasmtime's source) agrees with the library on them.
    scripts/gen_cranelift_settings.py --verify checks every setting."""
    done = run_isolated('''
        print(flags("has_avx2", "enable_verifier", "haswell", opt_level="speed_and_size",
                    bb_padding_log2_minus_one="3", wasmtime_debug_checks="",
                    wasmtime_inlining_sum_size_threshold="100"))
        ''', prelude=PRELUDE)
    assert_clean_exit(done)
    assert done.stdout.strip() == "ok: <Engine>"
