"""Each atheris fuzz target (fuzz/) runs for a few seconds without a finding: no crash,
no exception beyond the API's documented errors."""
import subprocess
import sys
from pathlib import Path

import pytest

FUZZ = Path(__file__).resolve().parents[1] / "fuzz"
SECONDS = 5


@pytest.mark.parametrize("target", ["fuzz_module.py", "fuzz_call.py", "fuzz_values.py", "fuzz_cmabi.py",
                                    "fuzz_component.py"])
def test_fuzz_target_runs_clean(target, tmp_path):
    done = subprocess.run(
        [sys.executable, str(FUZZ / target), f"-max_total_time={SECONDS}", "-print_final_stats=1"],
        cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-4000:]
    runs = int(done.stderr.split("stat::number_of_executed_units:")[1].split()[0])
    assert runs > 1000, done.stderr[-2000:]
    assert not list(tmp_path.glob("crash-*"))
