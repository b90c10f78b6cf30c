"""The DuckDB peers that keep what they read (`bench.peers --peer duckdb-store`, and
`duckdb-store-hashed` with the participant ids as edumon stores them) on a tiny generated
inbox: the same ШНОР list as the in-memory DuckDB peer and the pandas peer, and the store
file holds every row the generator wrote. No timings asserted."""

from __future__ import annotations

import hashlib
import json

import duckdb
import pyarrow.parquet as pq
import pytest

from bench.compare import bench_scale
from bench.generate import generate
from bench.peers import main


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    return generate("tiny", 7, root=tmp_path_factory.mktemp("data"))


def _run(data, tmp, peer):
    out, shnor, store = tmp / f"{peer}.json", tmp / f"{peer}.shnor", tmp / f"{peer}.duckdb"
    main(["--peer", peer, "--data", str(data), "--json", str(out), "--shnor", str(shnor), "--store", str(store)])
    return json.loads(out.read_text()), shnor.read_text().split(), store


def test_the_storing_peers_give_the_same_list_and_keep_every_row(tiny, tmp_path, monkeypatch):
    monkeypatch.delenv("EDUMON_PSEUDONYM_SALT", raising=False)  # the [privacy] default_salt
    info = json.loads((tiny / "generated.json").read_text())["rows"]
    plain, plain_list, unused = _run(tiny, tmp_path, "duckdb")
    assert not unused.exists()  # the in-memory peer stores nothing
    assert set(plain["phases"]) == {"load", "sql"}
    pandas, pandas_list, _ = _run(tiny, tmp_path, "pandas")
    assert plain_list and pandas_list == plain_list
    inbox = tiny / "inbox"
    # the tiny inbox has every shape the readers take: Parquet, the cp1251 CSV, the XLSX
    assert {f.suffix for f in inbox.glob("202[012]/gia/*")} == {".parquet", ".csv"}
    assert ".xlsx" in {f.suffix for f in inbox.glob("202[012]/vpr_stats/*")}
    first = sorted(inbox.glob("2021/gia/*.parquet"))[0]
    raw_id = pq.read_table(first, columns=["participant_id"])["participant_id"][0].as_py()
    for peer in ("duckdb-store", "duckdb-store-hashed"):
        res, got, store = _run(tiny, tmp_path, peer)
        assert got == plain_list, peer
        gia = sum(info[f"gia/{ay}"] for ay in (2020, 2021, 2022))
        vpr = sum(info[f"vpr_stats/{ay}"] for ay in (2020, 2021, 2022))
        assert res["store"]["rows"]["gia"] == gia and res["store"]["rows"]["vpr"] == vpr
        assert res["store"]["rows"]["schools"] == info["schools"]
        con = duckdb.connect(str(store), read_only=True)
        try:
            assert con.execute("SELECT count(*) FROM gia").fetchall()[0][0] == gia
            assert con.execute("SELECT count(*) FROM vpr").fetchall()[0][0] == vpr
            # every row keeps its file and its row number there: one row per (file, row)
            assert con.execute("SELECT count(DISTINCT (_fid, _row)) FROM gia").fetchall()[0][0] == gia
            assert con.execute("SELECT count(*) FROM gia g JOIN gia_files f USING (_fid, ay)").fetchall()[0][0] == gia
            # every ГИА column, the CSV's decimal commas read as numbers
            assert con.execute("SELECT count(*) FILTER (WHERE primary_score IS NULL) FROM gia").fetchall()[0][0] == 0
            ids = {r[0] for r in con.execute("SELECT participant_id FROM gia").fetchall()}
        finally:
            con.close()
        hashed = hashlib.sha256(f"edumon-demo-salt|{raw_id}".encode()).hexdigest()[:20]
        if peer == "duckdb-store":
            assert raw_id in ids and hashed not in ids
        else:
            assert hashed in ids and raw_id not in ids
            assert not any(i.startswith("p") for i in ids)  # no generated id is stored as it came
        assert set(res["phases"]) == {"load", "sql"}


def test_compare_prints_edumon_over_the_storing_peer(tmp_path):
    r = bench_scale("tiny", 1, docs=False, peers=("duckdb", "duckdb-store"), results_dir=tmp_path / "results",
                    work=tmp_path / "work", data_root=tmp_path / "data")
    assert r["peers"] == ["duckdb", "duckdb-store"] and set(r["ratios"]) == {"duckdb", "duckdb-store"}
    assert r["lists_equal"] is True
    assert set(r["peer_phases"]) == {"duckdb", "duckdb-store"}
    assert r["command"].endswith("--peers duckdb,duckdb-store")
    assert (tmp_path / "work" / "compare-tiny" / "duckdb-store-store.duckdb").is_file()
    from bench.compare import markdown

    text = markdown(r)
    assert "edumon ÷ duckdb-store" in text and "equal in edumon, duckdb, duckdb-store" in text
