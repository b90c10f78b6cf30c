"""The benchmark harness (`make bench`) at its smallest scale: it generates the data,
scans the floor, runs both cycles stage by stage in a fresh process and writes a
results file with every stage. Guards the harness in CI; the figures themselves are
not asserted (no timed asserts), only that they were measured."""

from __future__ import annotations

import json


from bench.run import bench_scale
from bench.stages import STAGES
from edumon.config import load_config
from tests.helpers import query
from tests.publication import table_file


def test_harness_writes_every_stage_of_both_cycles(tmp_path):
    result = bench_scale("tiny", seed=7, repeats=1, prefect=False, timeout=300, memory_limit_gb=4.0, docs=False,
                         results_dir=tmp_path / "results", work=tmp_path / "work", data_root=tmp_path / "data")
    files = list((tmp_path / "results").glob("tiny-*.json"))
    assert len(files) == 1
    saved = json.loads(files[0].read_text())
    assert saved["summary"] == json.loads(json.dumps(result["summary"]))
    assert saved["summary"]["failed_runs"] == []
    assert saved["machine"]["cores"] >= 1 and saved["machine"]["memory_gib"] > 0

    run = saved["stage_runs"][0]
    assert run["status"] == "ok"
    for cycle in ("september", "october"):
        c = run["cycles"][cycle]
        assert set(c["seconds"]) == set(STAGES) and set(c["peak_rss_mb"]) == set(STAGES)
        assert all(c["seconds"][s] >= 0 for s in STAGES)
        assert all(c["peak_rss_mb"][s] > 0 for s in STAGES)  # every stage was sampled
        assert c["rows_quarantined"] == 0
        # tiny scale: 8 schools in 2 municipalities → one справка per municipality
        # one справка per municipality (each also in DOCX and PDF, with recommendations)
        assert c["spravki"] == 2 and c["documents"] > c["spravki"]
    assert run["cycles"]["september"]["marts"]["mart_shnor/2023"] == 8
    assert run["cycles"]["october"]["marts"]["mart_risk_schools/2023"] == 8

    # September reads the registry, ГИА and ВПР of 2020–2022 and the official list of 2023:
    # every generated row of those goes in, none lost (rows in = loaded + quarantined).
    rows = saved["data"]["rows"]
    # The sources and years are the cycle's own (config [cycles.september]); a source the
    # bench does not generate (e.g. participant-level ВПР) counts 0.
    sources = load_config()["cycles"]["september"]["sources"]
    expected = sum(rows.get(name if name == "schools" else f"{name}/{2023 + o}", 0)
                   for name, offsets in sources.items() for o in ([0] if name == "schools" else offsets))
    assert run["cycles"]["september"]["rows_in"] == expected
    # the floor scanned the same inputs: at least every data row (CSV/XLSX headers add a few)
    assert saved["floor_runs"][0]["by_cycle"]["september"]["rows"] >= expected
    assert saved["summary"]["cycles"]["september"]["compute_over_floor"] > 0

    # the published tables are real: 8 schools in the ШНОР table of 2023
    shnor = table_file(tmp_path / "work" / "tiny-stages" / "store", 2023, "shnor", "parquet")
    assert query(f"SELECT count(*) FROM '{shnor}'")[0][0] == 8
