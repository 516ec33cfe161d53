"""The bench code path on a tiny hospital: results shape, stage sums, truth check, cache."""

from __future__ import annotations

import argparse
import json
import os
import time

import pytest

from pipeline.bench import (
    STAGES,
    CpuTally,
    cache_dir,
    generator_hash,
    gx_bound_ratio,
    parse_sizes,
    render_table,
    run_bench,
)
from pipeline.cli import build_parser

KEYS = {
    "patients",
    "lab_rows",
    "total_s",
    "read_floor_s",
    "peak_rss_mb",
    "stages",
    "rows_per_s",
    "ratio_to_read_floor",
    "machine",
    "command",
    "truth",
    "baseline_s",
    "ratio_to_baseline",
    "baseline_truth",
}


@pytest.fixture(scope="module")
def tiny_bench(tmp_path_factory):
    root = tmp_path_factory.mktemp("bench")
    lines: list[str] = []
    results = run_bench(
        [300],
        seed=5,
        cache_root=root / "cache",
        output=root / "results.json",
        command="test",
        echo=lines.append,
    )
    return root, results, lines


def test_results_file_has_one_object_per_size(tiny_bench):
    root, results, _ = tiny_bench
    written = json.loads((root / "results.json").read_text())
    assert written == results
    (result,) = written
    assert set(result) >= KEYS
    assert result["patients"] == 300
    assert result["lab_rows"] > 300 * 40
    assert set(result["stages"]) == set(STAGES)
    assert result["peak_rss_mb"] > 50
    assert result["read_floor_s"] > 0
    assert result["ratio_to_read_floor"] == pytest.approx(
        result["total_s"] / result["read_floor_s"], rel=0.01
    )
    assert {"cpu_count", "cpu_model", "memory_gb"} <= set(result["machine"])


def test_stages_sum_to_the_total(tiny_bench):
    result = tiny_bench[1][0]
    assert sum(result["stages"].values()) == pytest.approx(result["total_s"], rel=0.02, abs=0.05)
    assert result["stages"]["validate"] > 0 and result["stages"]["screen"] > 0


def test_small_sizes_agree_with_the_truth(tiny_bench):
    truth = tiny_bench[1][0]["truth"]
    assert truth["compared"] == 300 * 20  # 19 criteria + overall
    assert truth["mismatches"] == 0
    assert truth["agreement"] == 1.0


def test_the_baseline_is_timed_on_the_same_files_and_agrees_with_the_truth(tiny_bench):
    _, (result,), lines = tiny_bench
    assert result["baseline_truth"] == {"compared": 300 * 20, "mismatches": 0, "agreement": 1.0}
    assert result["baseline_s"] > 0 and result["baseline_peak_rss_mb"] > 0
    assert result["ratio_to_baseline"] == pytest.approx(
        result["total_s"] / result["baseline_s"], rel=0.01
    )
    assert "x base" in lines[-1].splitlines()[0]


def test_hospital_is_cached_by_size_seed_and_generator_code(tiny_bench):
    root, results, lines = tiny_bench
    folder = cache_dir(root / "cache", 300, 5)
    assert folder.name == f"300-5-{generator_hash()}"
    assert (folder / "bench.json").is_file()
    assert results[0]["generated_now"]
    assert "300" in render_table(results) and any("300" in line for line in lines)
    again = run_bench(
        [300], seed=5, cache_root=root / "cache", output=root / "again.json", echo=lambda _: None
    )
    assert not again[0]["generated_now"]
    assert not (folder / "bench-reports").exists()  # the run's reports are cleaned up


def test_command_line_options():
    args = build_parser().parse_args(["bench", "--sizes", "10000,100_000"])
    assert args.sizes == [10_000, 100_000]
    assert parse_sizes("300") == [300]
    with pytest.raises(argparse.ArgumentTypeError):
        parse_sizes("0")


def test_memory_is_reported_per_stage(tiny_bench):
    _, (result, *_), _ = tiny_bench
    peaks = result["stage_peak_rss_mb"]
    assert set(peaks) <= set(STAGES) and "validate" in peaks
    assert max(peaks.values()) <= result["peak_rss_mb"]


def test_tree_memory_counts_worker_processes():
    """A child holding 300 MB of touched memory shows in the tree's sum, not in ru_maxrss."""
    import subprocess
    import sys
    import time

    from pipeline.bench import _tree_memory_mb

    before = _tree_memory_mb()
    child = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import time; b = b'x' * (300 << 20); print(1, flush=True); time.sleep(30)",
        ],
        stdout=subprocess.PIPE,
    )
    try:
        assert child.stdout is not None and child.stdout.readline().strip() == b"1"
        time.sleep(0.2)
        assert _tree_memory_mb() - before > 250
    finally:
        child.kill()
        child.wait()


def test_great_expectations_share_is_reported(tiny_bench):
    _, (result, *_), _ = tiny_bench
    assert 0 < result["gx_cpu_s"] < result["total_s"] * 4
    assert result["read_floor_cpu_s"] > 0
    cores = len(os.sched_getaffinity(0))
    expected = (result["read_floor_cpu_s"] + result["gx_cpu_s"]) / cores / result["read_floor_s"]
    assert result["gx_bound_ratio"] == pytest.approx(expected, abs=0.01)


def test_gx_bound_ratio():
    # 20 CPU seconds of parsing and 80 of GX on 2 cores: at least 50 s, 5x a 10 s floor.
    assert gx_bound_ratio(10.0, 20.0, 80.0, 2) == 5.0
    assert gx_bound_ratio(10.0, 10.0, 0.0, 1) == 1.0


def _burn(seconds: float) -> float:
    end = time.process_time() + seconds
    while time.process_time() < end:
        pass
    return seconds


def test_cpu_tally_sums_the_calls_of_forked_processes():
    """A call made in a forked child is counted in the parent's tally; a call made after the
    tally closed is not."""
    import multiprocessing
    import types

    module = types.SimpleNamespace(work=_burn)
    tally = CpuTally()
    with tally.counting([module], "work"):
        module.work(0.2)
        child = multiprocessing.get_context("fork").Process(target=module.work, args=(0.3,))
        child.start()
        child.join()
        assert child.exitcode == 0
    assert module.work is _burn  # the original is back
    module.work(0.2)
    assert 0.5 <= tally.seconds < 0.7
