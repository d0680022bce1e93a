#!/usr/bin/env python3
"""Run the benchmarks (benchmarks/) and write their results as a table and a chart.

    python scripts/bench.py                   # full run (a few minutes on 2 cores)
    python scripts/bench.py --quick           # a rough run in well under a minute
    python scripts/bench.py --from-json run.json   # only re-render an earlier run
    python scripts/bench.py -- -k callback    # extra pytest arguments after --
    python scripts/bench.py --startup-only    # only the cold-start table

Runs `pytest benchmarks --benchmark-enable --benchmark-json=...` (every implementation
in the same run), then writes benchmarks/results.md (the machine, then one row per
operation: the median ns/op of each implementation and the ratios) and
benchmarks/results.png (ns/op, log scale), and prints the table. The cmabi benchmarks
(benchmarks/test_bench_cmabi.py: the Canonical ABI, `cmabi` vs wasmtime-py's
`wasmtime.component`) and the component API benchmarks
(benchmarks/test_bench_component.py: `cwasmtime.component` vs wasmtime-py's
`wasmtime.component`) each get a table of their own, in µs, with the data size, GB/s
and the ratio; so do the pooling allocator's (benchmarks/test_bench_pooling.py:
instantiation pooled vs on demand, in µs, and the ratio). Then fresh processes time the cold start (benchmarks/startup.py: imports,
loading libwasmtime, the first compile and instantiation) of cwasmtime against
wasmtime-py, for a table of its own. Needs the `bench` extra (pywasm3 is optional: its columns are simply
empty without it; the chart needs matplotlib)."""
from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
OUT_DIR = ROOT / "benchmarks"

# Columns in this order; implementations not listed here follow, as they come.
IMPLS = ["cwasmtime", "cwasmtime typed", "cwasmtime typed, GIL held", "wasmtime-py", "pywasm3",
         "floor", "floor, GIL held"]
# Rows follow the benchmark files in this order, then the order the cases ran in.
FILES = ["test_bench_calls", "test_bench_objects", "test_bench_lifecycle", "test_bench_compute"]
# (numerator, denominator, column title)
RATIOS = [("wasmtime-py", "cwasmtime", "wasmtime-py / cwasmtime"),
          ("cwasmtime", "floor", "cwasmtime / floor"),
          ("cwasmtime typed, GIL held", "floor", "typed, GIL held / floor"),
          ("pywasm3", "cwasmtime", "pywasm3 / cwasmtime")]

# The cmabi file and the component API file have a table each: these columns, the
# data size, GB/s of the first implementation and this ratio.
CMABI_FILE = "test_bench_cmabi"
CMABI_IMPLS = ["cmabi", "wasmtime-py component"]
CMABI_RATIO = ("wasmtime-py component", "cmabi", "wasmtime-py component / cmabi")
COMPONENT_FILE = "test_bench_component"
COMPONENT_IMPLS = ["cwasmtime.component", "wasmtime-py component", "C API floor"]
COMPONENT_RATIO = ("wasmtime-py component", "cwasmtime.component",
                   "wasmtime-py component / cwasmtime.component")
# The pooling allocator's table: these two columns and their ratio.
POOLING_FILE = "test_bench_pooling"
POOLING_RATIO = ("pooling", "on-demand", "pooling / on-demand")
# Files with a table of their own (not in the main table), in run and table order.
DATA_FILES = [POOLING_FILE, CMABI_FILE, COMPONENT_FILE]

# pytest-benchmark settings: a round lasts at least MIN_TIME seconds (so ns-scale calls
# are repeated enough to amortize the timer), a case at most about MAX_TIME seconds.
FULL = {"min_time": 0.0005, "max_time": 1.0, "min_rounds": 5}
QUICK = {"min_time": 0.0001, "max_time": 0.05, "min_rounds": 3}


sys.path.insert(0, str(OUT_DIR))
import startup  # noqa: E402  (benchmarks/startup.py: the cold-start probes)

# Fresh processes per cold-start probe and implementation (medians of these).
STARTUP_RUNS = {"full": 15, "quick": 5}


# ------------------------------------------------------------------ the table's rows

def rows_of(data: dict[str, Any]) -> list[dict[str, Any]]:
    """One row per operation (pytest-benchmark group): {"op", "ns": {impl: median ns},
    "threads": n or None}; an operation made of several calls (extra_info
    calls_per_op, and per_call: the title of one) gets a second row, per call."""
    rows: dict[str, dict[str, Any]] = {}
    for bench in data["benchmarks"]:
        if _file_stem(bench) in DATA_FILES:
            continue  # their own tables: data_rows_of
        group = bench["group"] or bench["name"]
        row = rows.setdefault(group, {"op": group, "ns": {}, "file": _file_rank(bench),
                                      "per": bench["extra_info"].get("calls_per_op"),
                                      "per_call": bench["extra_info"].get("per_call"),
                                      "threads": bench["extra_info"].get("threads")})
        row["ns"][bench["name"]] = bench["stats"]["median"] * 1e9
    ordered = sorted(rows.values(), key=lambda r: r["file"])  # stable: run order kept
    out = []
    for row in ordered:
        out.append(row)
        if row["per"]:
            title = row["per_call"] or f"{row['op']}, per call (÷ {row['per']:,})"
            out.append({"op": title, "threads": None,
                        "ns": {k: v / row["per"] for k, v in row["ns"].items()}})
    return out


def _file_stem(bench: dict[str, Any]) -> str:
    return str(bench["fullname"].split("::")[0].rsplit("/", 1)[-1].removesuffix(".py"))


def _file_rank(bench: dict[str, Any]) -> int:
    stem = _file_stem(bench)
    return FILES.index(stem) if stem in FILES else len(FILES)


def data_rows_of(data: dict[str, Any], file: str) -> list[dict[str, Any]]:
    """The benchmarks of one of DATA_FILES, one row per group in run order: {"op", "ns":
    {impl: median ns}, "bytes": the value's size in guest memory or None}."""
    rows: dict[str, dict[str, Any]] = {}
    for bench in data["benchmarks"]:
        if _file_stem(bench) != file:
            continue
        group = bench["group"] or bench["name"]
        row = rows.setdefault(group, {"op": group, "ns": {}, "bytes": None})
        row["ns"][bench["name"]] = bench["stats"]["median"] * 1e9
        if bench["extra_info"].get("bytes") is not None:
            row["bytes"] = bench["extra_info"]["bytes"]
    return list(rows.values())


def cmabi_rows_of(data: dict[str, Any]) -> list[dict[str, Any]]:
    """The cmabi benchmarks (test_bench_cmabi.py): see data_rows_of."""
    return data_rows_of(data, CMABI_FILE)


def component_rows_of(data: dict[str, Any]) -> list[dict[str, Any]]:
    """The component API benchmarks (test_bench_component.py): see data_rows_of."""
    return data_rows_of(data, COMPONENT_FILE)


def impls_of(rows: list[dict[str, Any]]) -> list[str]:
    seen = {name for row in rows for name in row["ns"]}
    return [i for i in IMPLS if i in seen] + sorted(seen - set(IMPLS))


def fmt_ns(ns: float | None) -> str:
    if ns is None:
        return "–"
    return f"{ns:,.1f}" if ns < 100 else f"{ns:,.0f}"


def fmt_ratio(num: float | None, den: float | None) -> str:
    if num is None or den is None or den == 0:
        return "–"
    r = num / den
    return f"{r:.2f}×" if r < 10 else f"{r:,.0f}×"


def markdown_table(rows: list[dict[str, Any]]) -> str:
    impls = impls_of(rows)
    ratios = [r for r in RATIOS if any(r[0] in row["ns"] and r[1] in row["ns"] for row in rows)]
    head = ["operation"] + [f"{i} (ns)" for i in impls] + [r[2] for r in ratios]
    lines = ["| " + " | ".join(head) + " |", "| --- |" + " ---: |" * (len(head) - 1)]
    for row in rows:
        ns = row["ns"]
        cells = [row["op"].replace("|", "\\|")] + [fmt_ns(ns.get(i)) for i in impls]
        cells += [fmt_ratio(ns.get(a), ns.get(b)) for a, b, _ in ratios]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def fmt_us(ns: float | None) -> str:
    if ns is None:
        return "–"
    us = ns / 1e3
    return f"{us:.2f}" if us < 10 else f"{us:.1f}" if us < 1000 else f"{us:,.0f}"


def fmt_bytes(n: int | None) -> str:
    if n is None:
        return ""
    for unit, size in (("MiB", 1 << 20), ("KiB", 1 << 10)):
        if n >= size:
            return f"{n / size:.1f}".removesuffix(".0") + f" {unit}"
    return f"{n} B"


def fmt_gbps(nbytes: int | None, ns: float | None) -> str:
    if nbytes is None or not ns:
        return "–"
    rate = nbytes / ns  # bytes per ns = GB/s
    return f"{rate:.2f}" if rate < 10 else f"{rate:,.1f}"


def data_table(rows: list[dict[str, Any]], order: list[str],
               ratio_of: tuple[str, str, str]) -> str:
    """operation | data | µs per implementation (`order` first) | GB/s of the first |
    the ratio `ratio_of` (numerator, denominator, title), if any row has both."""
    seen = {name for row in rows for name in row["ns"]}
    impls = [i for i in order if i in seen] + sorted(seen - set(order))
    num, den, title = ratio_of
    ratio = any(num in row["ns"] and den in row["ns"] for row in rows)
    head = (["operation", "data"] + [f"{i} (µs)" for i in impls] + [f"{impls[0]} GB/s"]
            + ([title] if ratio else []))
    lines = ["| " + " | ".join(head) + " |", "| --- |" + " ---: |" * (len(head) - 1)]
    for row in rows:
        ns = row["ns"]
        cells = ([row["op"].replace("|", "\\|"), fmt_bytes(row["bytes"])]
                 + [fmt_us(ns.get(i)) for i in impls] + [fmt_gbps(row["bytes"], ns.get(impls[0]))])
        if ratio:
            cells.append(fmt_ratio(ns.get(num), ns.get(den)))
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def cmabi_table(rows: list[dict[str, Any]]) -> str:
    """The cmabi table: `cmabi` first, its GB/s, wasmtime-py component / cmabi."""
    return data_table(rows, CMABI_IMPLS, CMABI_RATIO)


def component_table(rows: list[dict[str, Any]]) -> str:
    """The component API table: `cwasmtime.component` first, its GB/s, wasmtime-py
    component / cwasmtime.component."""
    return data_table(rows, COMPONENT_IMPLS, COMPONENT_RATIO)


def pooling_table(rows: list[dict[str, Any]]) -> str:
    """operation | on-demand (µs) | pooling (µs) | pooling / on-demand."""
    num, den, title = POOLING_RATIO
    lines = [f"| operation | {den} (µs) | {num} (µs) | {title} |",
             "| --- | ---: | ---: | ---: |"]
    for row in rows:
        ns = row["ns"]
        op = row["op"].replace("|", "\\|")
        lines.append(f"| {op} | {fmt_us(ns.get(den))} | {fmt_us(ns.get(num))} | "
                     f"{fmt_ratio(ns.get(num), ns.get(den))} |")
    return "\n".join(lines)


def threads_table(rows: list[dict[str, Any]]) -> str:
    """Wall time of the same work on 1 thread and split over 2 (one Store each)."""
    by_threads = {row["threads"]: row for row in rows if row["threads"]}
    if 1 not in by_threads or 2 not in by_threads:
        return ""
    one, two = by_threads[1]["ns"], by_threads[2]["ns"]
    lines = [f"{by_threads[1]['op']} vs {by_threads[2]['op']} (each thread with its own "
             "Store on one Engine and Module):", "",
             "| implementation | 1 thread (ms) | 2 threads (ms) | speed-up |",
             "| --- | ---: | ---: | ---: |"]
    for impl in impls_of([by_threads[1]]):
        if impl in two:
            lines.append(f"| {impl} | {one[impl] / 1e6:,.2f} | {two[impl] / 1e6:,.2f} | "
                         f"{fmt_ratio(one[impl], two[impl])} |")
    return "\n".join(lines)


# ------------------------------------------------------------------ the machine

def machine_description() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    items = [("CPU", f"{cpu}, {os.cpu_count()} logical cores"),
             ("OS", platform.platform()),
             ("Python", f"{platform.python_implementation()} {platform.python_version()}")]
    items += [(name, _version(name)) for name in ("cwasmtime", "wasmtime-py", "pywasm3")]
    items.append(("libwasmtime", _libwasmtime_version()))
    return "\n".join(f"- {k}: {v}" for k, v in items)


def _version(name: str) -> str:
    from importlib import import_module, metadata
    dist = {"wasmtime-py": "wasmtime"}.get(name, name)
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        pass
    try:  # e.g. cwasmtime from a source checkout on PYTHONPATH
        return str(import_module(dist).__version__) + " (not installed)"
    except Exception:
        return "not installed"


def _libwasmtime_version() -> str:
    try:
        from cwasmtime import _library
        info = _library.resolve(progress=False)
        return f"Wasmtime {info.version_string} ({info.path})"
    except Exception as exc:  # only a description: never fail the report for it
        return f"unknown ({exc})"


# ------------------------------------------------------------------ outputs

def run_settings(data: dict[str, Any]) -> str:
    """The pytest-benchmark options of the run (and the load before it, if known)."""
    options = data["benchmarks"][0].get("options", {}) if data["benchmarks"] else {}
    parts = [f"`--benchmark-{k.replace('_', '-')}={options[k]}`"
             for k in ("min_time", "max_time", "min_rounds") if k in options]
    if data.get("load_average_before") is not None:
        parts.append(f"1-minute load average {data['load_average_before']:.2f} before it")
    return ", ".join(parts)


def render_markdown(data: dict[str, Any], machine: str) -> str:
    rows = rows_of(data)
    pooling_rows = data_rows_of(data, POOLING_FILE)
    cmabi_rows = cmabi_rows_of(data)
    component_rows = component_rows_of(data)
    settings = run_settings(data)
    parts = ["# Benchmark results", "",
             f"Medians per operation from one run ({data.get('datetime', '')}), all "
             "implementations in the same process and run"
             + (f" ({settings})" if settings else "") + ". Lower is better; "
             "`floor` is the least any binding could do (a Cython call straight into "
             "`wasmtime_func_call_unchecked`, or C calling the Python callback and "
             "re-taking the GIL for each call; `floor, GIL held` without re-taking it).",
             "", machine]
    if rows:
        parts += ["", markdown_table(rows)]
        threads = threads_table(rows)
        if threads:
            parts += ["", threads]
    if pooling_rows:
        parts += ["", "## Many short-lived instances: the pooling allocator", "",
                  "Medians in µs (benchmarks/test_bench_pooling.py), cwasmtime only: one "
                  "Engine per allocation strategy, Wasmtime's default Config otherwise. "
                  "On demand, each instance maps its memory and table and unmaps them when "
                  "its Store is freed; pooling (`PoolingAllocationConfig` with 100 slots of "
                  "each kind, no async stacks) reserves the slots once and reuses them. The "
                  "module has a 1-page memory with a data segment and a 4-element table "
                  "with an element segment; its `run` stores, loads and calls through the "
                  "table.", "", pooling_table(pooling_rows)]
    if cmabi_rows:
        parts += ["", "## cmabi: the Component Model Canonical ABI", "",
                  "Medians in µs (benchmarks/test_bench_cmabi.py). `lower+lift` rows: "
                  "`cmabi.lower` then `cmabi.lift` of one value in a `ByteArrayMemory`, "
                  "no wasm. `call` rows: a call of the guest in examples/bench-guest/ "
                  "(whose own work is nothing or a trivial loop) through `cmabi.bind.Guest` "
                  "on the core module in cwasmtime, and through wasmtime-py 50's "
                  "`wasmtime.component` on the component (call, then `post_return`). "
                  "`data`: the value's size in guest memory, in the guest's string "
                  "encoding; GB/s is that size over the whole operation's time.",
                  "", cmabi_table(cmabi_rows)]
    if component_rows:
        parts += ["", "## The component API: cwasmtime.component vs wasmtime-py", "",
                  "Medians in µs (benchmarks/test_bench_component.py). A call of the guest "
                  "in examples/bench-guest/ (whose own work is nothing or a trivial loop; "
                  "`reverse` copies the string backwards) through `cwasmtime.component` "
                  "and through wasmtime-py 50's `wasmtime.component`, the same code "
                  "(`Component.from_file`, `Linker.instantiate`, `instance.get_func`, "
                  "`func(store, *args)`; Wasmtime 50 runs the guest's post-return function "
                  "within the call), each with its own Engine and Store. `data`: the "
                  "argument's size in guest memory; GB/s is that size over the whole "
                  "call's time.",
                  "", component_table(component_rows)]
    if data.get("startup"):
        parts += ["", "## Cold start: fresh processes", "",
                  f"Medians of {data['startup_runs']} fresh interpreters per cell "
                  "(benchmarks/startup.py), run interleaved: the whole process, from start "
                  "to exit, running the same code with `import cwasmtime` and with "
                  "`import wasmtime` (libwasmtime already downloaded and cached).",
                  "", startup.markdown_table(data["startup"])]
    return "\n".join(parts) + "\n"


def write_chart(data: dict[str, Any], path: Path) -> None:
    """Horizontal grouped bars of ns/op per operation, log scale, a colour per impl."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows = rows_of(data) + [row for file in DATA_FILES for row in data_rows_of(data, file)]
    impls = impls_of(rows)
    colour = {impl: plt.get_cmap("tab10")(k % 10) for k, impl in enumerate(impls)}
    fig, ax = plt.subplots(figsize=(10, 0.5 * len(rows) + 1.2))
    for i, row in enumerate(rows):  # each row shares its slot among the impls it has
        present = [impl for impl in impls if impl in row["ns"]]
        height = 0.8 / len(present)
        for k, impl in enumerate(present):
            ax.barh(i - 0.4 + (k + 0.5) * height, row["ns"][impl], height=height,
                    color=colour[impl])
    handles = [plt.Rectangle((0, 0), 1, 1, color=colour[impl]) for impl in impls]
    ax.legend(handles, impls, loc="lower center", bbox_to_anchor=(0.5, 1.0),
              ncol=min(len(impls), 6), fontsize=8, frameon=False)
    ax.set_yticks(range(len(rows)))
    ax.set_yticklabels([row["op"] for row in rows], fontsize=8)
    ax.set_ylim(len(rows) - 0.5, -0.5)
    ax.set_xscale("log")
    ax.set_xlabel("ns per operation (median, log scale; lower is better)")
    ax.grid(axis="x", which="major", alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=110, bbox_inches="tight")
    plt.close(fig)


# ------------------------------------------------------------------ running

def run_benchmarks(json_path: Path, settings: dict[str, float], extra: list[str]) -> int:
    # The files in table order, cmabi's and the component API's last: their large lists
    # and strings would otherwise leave the allocator and GC busier for the
    # small-object cases (and the pooling allocator's).
    files = [f"benchmarks/{name}.py" for name in FILES + DATA_FILES]
    cmd = [sys.executable, "-m", "pytest", *files, "-q", "-p", "no:cacheprovider",
           "--benchmark-enable", f"--benchmark-json={json_path}",
           f"--benchmark-min-time={settings['min_time']}",
           f"--benchmark-max-time={settings['max_time']}",
           f"--benchmark-min-rounds={int(settings['min_rounds'])}",
           # warm-up rounds first: the first cases otherwise pay for cold caches/clocks
           "--benchmark-warmup=on", "--benchmark-warmup-iterations=2000",
           "--benchmark-group-by=group", "--benchmark-columns=median,rounds,iterations",
           *extra]
    print("$", " ".join(cmd), flush=True)
    return subprocess.run(cmd, cwd=ROOT).returncode


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--quick", action="store_true", help="short rounds: rough figures, fast")
    p.add_argument("--min-time", type=float, help="seconds per round at least "
                   f"(default {FULL['min_time']}, quick {QUICK['min_time']})")
    p.add_argument("--max-time", type=float, help="seconds per case about at most "
                   f"(default {FULL['max_time']}, quick {QUICK['max_time']})")
    p.add_argument("--json", type=Path, help="keep pytest-benchmark's JSON here")
    p.add_argument("--from-json", type=Path, help="render this JSON instead of running")
    p.add_argument("--out-dir", type=Path, default=OUT_DIR,
                   help="where results.md and results.png go (default benchmarks/)")
    p.add_argument("--startup-runs", type=int, help="fresh processes per cold-start cell "
                   f"(default {STARTUP_RUNS['full']}, quick {STARTUP_RUNS['quick']}; 0: none)")
    p.add_argument("--startup-only", action="store_true",
                   help="only print the cold-start table (no pytest-benchmark run, no files)")
    p.add_argument("pytest_args", nargs="*", help="after --: extra pytest arguments")
    args = p.parse_args(argv)

    settings = dict(QUICK if args.quick else FULL)
    if args.min_time is not None:
        settings["min_time"] = args.min_time
    if args.max_time is not None:
        settings["max_time"] = args.max_time
    startup_runs = args.startup_runs
    if startup_runs is None:
        startup_runs = STARTUP_RUNS["quick" if args.quick else "full"]
    if args.from_json:
        json_path = args.from_json
    elif args.startup_only:  # print the table; results.md keeps the last full run
        print(startup.markdown_table(startup.measure(startup_runs or STARTUP_RUNS["full"])))
        return 0
    else:
        json_path = args.json or Path(tempfile.mkdtemp(prefix="cwasmtime-bench-")) / "run.json"
        load = os.getloadavg()[0] if hasattr(os, "getloadavg") else None
        if load is not None and load > 0.5:
            print(f"warning: load average {load:.2f} before the run: other processes "
                  "will skew the figures (the thread cases most)", file=sys.stderr)
        status = run_benchmarks(json_path, settings, args.pytest_args)
        if status != 0:
            print(f"pytest failed (exit status {status})", file=sys.stderr)
            return status
        data = json.loads(json_path.read_text())
        data["load_average_before"] = load  # kept for --from-json
        json_path.write_text(json.dumps(data, indent=1))
    data = json.loads(json_path.read_text())
    if not args.from_json and startup_runs > 0:
        print(f"cold start: {startup_runs} fresh processes per cell...", flush=True)
        data["startup"] = startup.measure(startup_runs)
        data["startup_runs"] = startup_runs
        json_path.write_text(json.dumps(data, indent=1))

    args.out_dir.mkdir(parents=True, exist_ok=True)
    markdown = render_markdown(data, machine_description())
    (args.out_dir / "results.md").write_text(markdown)
    print()
    print(markdown)
    try:
        write_chart(data, args.out_dir / "results.png")
    except ImportError:
        print("matplotlib is not installed: no chart (pip install -e '.[bench]')",
              file=sys.stderr)
    else:
        print(f"wrote {args.out_dir / 'results.md'} and {args.out_dir / 'results.png'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
