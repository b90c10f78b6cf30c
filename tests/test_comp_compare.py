"""bench.compare at its smallest scale with only the DuckDB peer (`--peers duckdb`, as a
country run without the ≈ 10 GB pandas script): the two lists are compared, the figures
are for edumon and that peer only. No timings asserted."""

from __future__ import annotations

import json

import pytest

from bench.compare import bench_scale, main


def test_compare_with_the_duckdb_peer_only(tmp_path):
    r = bench_scale("tiny", 1, docs=False, peers=("duckdb",), results_dir=tmp_path / "results",
                    work=tmp_path / "work", data_root=tmp_path / "data")
    saved = json.loads(next((tmp_path / "results").glob("compare-tiny-*.json")).read_text())
    assert saved["peers"] == ["duckdb"]
    assert set(saved["runs"]) == {"edumon", "duckdb"} and set(saved["ratios"]) == {"duckdb"}
    assert saved["lists_equal"] is True and saved["shnor_schools"] == r["shnor_schools"]
    assert saved["command"].endswith("--peers duckdb")
    assert not list((tmp_path / "work" / "compare-tiny").glob("pandas-*"))


def test_an_unknown_peer_is_refused():
    with pytest.raises(SystemExit, match="polars"):
        main(["--scales", "tiny", "--peers", "duckdb,polars", "--no-docs"])
