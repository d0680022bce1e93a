"""The benchmarks still run, and scripts/bench.py still renders results (no timing here:
benchmarks report, they never pass or fail on speed)."""
import json
import subprocess
import sys
import repo

ROOT = repo.ROOT


def load_bench_script():
    return repo.load("scripts/bench.py")


def test_every_benchmark_body_runs_once():
    # -P: the repository root (the working directory) must not shadow the package under test.
    done = subprocess.run([sys.executable, "-P", "-m", "pytest", "benchmarks", "--benchmark-disable",
                           "-q", "-p", "no:cacheprovider"],
                          cwd=ROOT, capture_output=True, text=True, timeout=300)
    print(done.stdout[-3000:], done.stderr[-3000:])
    assert done.returncode == 0
    assert " passed" in done.stdout.strip().splitlines()[-1]


def case(group, name, median, file="test_bench_calls", **extra):
    return {"group": group, "name": name, "fullname": f"benchmarks/{file}.py::test_x[{name}]",
            "extra_info": extra, "stats": {"median": median}}


SYNTHETIC = {
    "datetime": "2025-01-01T00:00:00",
    "benchmarks": [
        case("fib(25)", "cwasmtime", 5e-4, file="test_bench_compute"),
        case("add", "cwasmtime", 120e-9), case("add", "wasmtime-py", 24e-6),
        case("add", "pywasm3", 110e-9), case("add", "floor", 60e-9),
        case("loop", "cwasmtime", 130e-6, calls_per_op=1000, per_call="one callback"),
        case("loop", "wasmtime-py", 8e-3, calls_per_op=1000, per_call="one callback"),
        case("fib ×4 on 1 thread", "cwasmtime", 2e-3, file="test_bench_compute", threads=1),
        case("fib ×4 on 2 threads", "cwasmtime", 1e-3, file="test_bench_compute", threads=2),
    ],
}


def test_bench_script_renders_a_table_and_a_chart(tmp_path):
    bench = load_bench_script()
    markdown = bench.render_markdown(SYNTHETIC, "- CPU: synthetic")
    lines = markdown.splitlines()
    assert "- CPU: synthetic" in lines
    header = next(line for line in lines if line.startswith("| operation"))
    assert "cwasmtime (ns)" in header and "wasmtime-py / cwasmtime" in header
    assert "cwasmtime / floor" in header and "pywasm3 / cwasmtime" in header
    rows = {line.split(" | ")[0][2:]: line for line in lines
            if line.startswith("| ") and not line.startswith("| ---")}
    assert list(rows)[1:4] == ["add", "loop", "one callback"]  # calls file first
    assert "| 120 | 24,000 | 110 | 60.0 | 200× | 2.00× | 0.92× |" in rows["add"]
    assert "| 130 | 8,000 |" in rows["one callback"]  # the loop's time / 1000
    assert "| cwasmtime | 2.00 | 1.00 | 2.00× |" in lines
    assert "CPU" in bench.machine_description()

    bench.write_chart(SYNTHETIC, tmp_path / "results.png")
    assert (tmp_path / "results.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


CMABI = {
    "datetime": "2025-01-01T00:00:00",
    "benchmarks": [
        case("add", "cwasmtime", 120e-9),
        case("lower+lift: list<u8> 1 MiB", "cmabi", 50e-6, file="test_bench_cmabi",
             bytes=1 << 20),
        case("call empty()", "cmabi", 700e-9, file="test_bench_cmabi"),
        case("call empty()", "wasmtime-py component", 8.4e-6, file="test_bench_cmabi"),
        case("call bytes-len(list<u8> 1 MiB)", "cmabi", 30e-6, file="test_bench_cmabi",
             bytes=1 << 20),
        case("call bytes-len(list<u8> 1 MiB)", "wasmtime-py component", 1.2, file="test_bench_cmabi",
             bytes=1 << 20),
    ],
}


def test_bench_script_renders_the_cmabi_table(tmp_path):
    bench = load_bench_script()
    markdown = bench.render_markdown(CMABI, "- CPU: synthetic")
    core, _, cmabi = markdown.partition("## cmabi")
    assert "| add |" in core and "cmabi" not in core.split("| operation", 1)[1]
    lines = cmabi.splitlines()
    assert ("| operation | data | cmabi (µs) | wasmtime-py component (µs) | cmabi GB/s | "
            "wasmtime-py component / cmabi |") in lines
    assert "| lower+lift: list<u8> 1 MiB | 1 MiB | 50.0 | – | 21.0 | – |" in lines
    assert "| call empty() |  | 0.70 | 8.40 | – | 12× |" in lines
    assert "| call bytes-len(list<u8> 1 MiB) | 1 MiB | 30.0 | 1,200,000 | 35.0 | 40,000× |" in lines
    only_cmabi = {"datetime": "x", "benchmarks": CMABI["benchmarks"][1:]}
    markdown = bench.render_markdown(only_cmabi, "- CPU: synthetic")   # e.g. `-- -k cmabi`
    assert markdown.count("| operation") == 1 and "## cmabi" in markdown
    bench.write_chart(only_cmabi, tmp_path / "results.png")
    assert (tmp_path / "results.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


COMPONENT = {
    "datetime": "2025-01-01T00:00:00",
    "benchmarks": [
        case("add", "cwasmtime", 120e-9),
        case("call empty()", "cmabi", 700e-9, file="test_bench_cmabi"),
        case("call empty()", "wasmtime-py component", 8.4e-6, file="test_bench_cmabi"),
        case("component: empty()", "cwasmtime.component", 500e-9, file="test_bench_component"),
        case("component: empty()", "wasmtime-py component", 8e-6,
             file="test_bench_component"),
        case("component: reverse(string 1 MiB) -> string", "cwasmtime.component", 1e-3,
             file="test_bench_component", bytes=1 << 20),
        case("component: reverse(string 1 MiB) -> string", "wasmtime-py component", 2e-3,
             file="test_bench_component", bytes=1 << 20),
        case("component: u32s-sum(list<u32> 1M elements)", "cwasmtime.component", 2e-3,
             file="test_bench_component", bytes=4 << 20),
        case("component: u32s-sum(list<u32> 1M elements)", "wasmtime-py component", 1.0,
             file="test_bench_component", bytes=4 << 20),
    ],
}


def test_bench_script_renders_the_component_table(tmp_path):
    bench = load_bench_script()
    markdown = bench.render_markdown(COMPONENT, "- CPU: synthetic")
    core, _, rest = markdown.partition("## cmabi")
    cmabi, _, component = rest.partition("## The component API")
    assert "| add |" in core and "component" not in core.split("| operation", 1)[1]
    assert "| call empty() |" in cmabi and "cwasmtime.component" not in cmabi
    lines = component.splitlines()
    assert ("| operation | data | cwasmtime.component (µs) | wasmtime-py component (µs) | "
            "cwasmtime.component GB/s | wasmtime-py component / cwasmtime.component |") in lines
    rows = [line for line in lines if line.startswith("| component: ")]
    assert rows == [  # run order
        "| component: empty() |  | 0.50 | 8.00 | – | 16× |",
        "| component: reverse(string 1 MiB) -> string | 1 MiB | 1,000 | 2,000 | 1.05 | 2.00× |",
        "| component: u32s-sum(list<u32> 1M elements) | 4 MiB | 2,000 | 1,000,000 | 2.10 | 500× |",
    ]
    only = {"datetime": "x", "benchmarks": COMPONENT["benchmarks"][3:]}  # `-- -k component`
    markdown = bench.render_markdown(only, "- CPU: synthetic")
    assert markdown.count("| operation") == 1 and "## cmabi" not in markdown
    assert "## The component API" in markdown
    bench.write_chart(COMPONENT, tmp_path / "results.png")
    assert (tmp_path / "results.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


POOLING = {
    "datetime": "2025-01-01T00:00:00",
    "benchmarks": [
        case("add", "cwasmtime", 120e-9),
        case("Instance(...)", "on-demand", 20e-6, file="test_bench_pooling"),
        case("Instance(...)", "pooling", 5e-6, file="test_bench_pooling"),
        case("request", "on-demand", 40e-6, file="test_bench_pooling"),
        case("request", "pooling", 24e-6, file="test_bench_pooling"),
    ],
}


def test_bench_script_renders_the_pooling_table(tmp_path):
    bench = load_bench_script()
    markdown = bench.render_markdown(POOLING, "- CPU: synthetic")
    core, _, pooling = markdown.partition("## Many short-lived instances: the pooling allocator")
    assert "| add |" in core and "pooling" not in core.split("| operation", 1)[1]
    lines = pooling.splitlines()
    assert "| operation | on-demand (µs) | pooling (µs) | pooling / on-demand |" in lines
    assert [line for line in lines if line.startswith(("| Instance", "| request"))] == [
        "| Instance(...) | 20.0 | 5.00 | 0.25× |", "| request | 40.0 | 24.0 | 0.60× |"]
    bench.write_chart(POOLING, tmp_path / "results.png")
    assert (tmp_path / "results.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_bench_script_from_json(tmp_path):
    (tmp_path / "run.json").write_text(json.dumps(SYNTHETIC))
    bench = load_bench_script()
    assert bench.main(["--from-json", str(tmp_path / "run.json"), "--out-dir", str(tmp_path)]) == 0
    assert "| add |" in (tmp_path / "results.md").read_text()
    assert (tmp_path / "results.png").exists()


def test_startup_probes_run_and_render():
    """Every cold-start probe runs (once per implementation) and the table has a row
    per probe with both timings and their ratio."""
    bench = load_bench_script()
    medians = bench.startup.measure(runs=1)
    assert set(medians) == {p.title for p in bench.startup.PROBES} | {bench.startup.BARE}
    table = bench.startup.markdown_table(medians)
    rows = [line for line in table.splitlines()[2:]]
    assert len(rows) == len(bench.startup.PROBES) + 1
    for probe, row in zip(bench.startup.PROBES, rows):
        cells = [c.strip() for c in row.strip("|").split("|")]
        assert cells[0] == probe.title and cells[1].endswith(" ms") and cells[2].endswith(" ms")
        assert float(cells[3]) > 0
    rendered = bench.render_markdown({**SYNTHETIC, "startup": medians, "startup_runs": 1}, "m")
    assert "## Cold start: fresh processes" in rendered and table in rendered


def test_interleaved_call_timings_run_and_render():
    """scripts/bench_interleaved.py times every case through both implementations and
    prints one row per case with a positive ratio where wasmtime-py has the case."""
    done = subprocess.run([sys.executable, str(ROOT / "scripts" / "bench_interleaved.py"),
                           "--rounds", "1"], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    rows = done.stdout.splitlines()[2:]
    script = repo.load("scripts/bench_interleaved.py")
    assert [row.split("|")[1].strip() for row in rows] == list(script.CASES)
    for row, (ours, theirs, _) in zip(rows, script.CASES.values()):
        cells = [c.strip() for c in row.strip("|").split("|")]
        assert float(cells[1].replace(",", "")) > 0
        if theirs is not None:
            assert float(cells[3].rstrip("×").replace(",", "")) > 0
