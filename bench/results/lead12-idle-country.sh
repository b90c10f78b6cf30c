#!/bin/bash
# idle country data path pairs: before a795e82 (/work/before11) vs after c0b341a (/work/wt/integ), + peers
set -u
D=/work/bench-data/country-s7; W=/work/m12/w; mkdir -p $W
run_dp() { # tree tag
  rm -rf $W/$2; cat /proc/loadavg > /work/m12/$2.load
  (cd $1 && PYTHONPATH=$PWD .venv/bin/python -m bench.data_path --data $D --work $W/$2 --json /work/m12/$2.json --shnor /work/m12/$2.shnor > /work/m12/$2.log 2>&1); echo "$2 rc=$?"; }
run_peer() { # peer tag
  cat /proc/loadavg > /work/m12/$2.load; extra=""; [ "$1" != duckdb ] && { rm -f $W/$2.duckdb; extra="--store $W/$2.duckdb"; }
  (cd /work/wt/integ && .venv/bin/python -m bench.peers --peer $1 --data $D --json /work/m12/$2.json --shnor /work/m12/$2.shnor $extra > /work/m12/$2.log 2>&1); echo "$2 rc=$?"; }
run_peer duckdb peer1
run_dp /work/before11 b1
run_dp /work/wt/integ a1
run_peer duckdb-store-hashed ph1
run_dp /work/before11 b2
run_dp /work/wt/integ a2
run_peer duckdb peer2
run_peer duckdb-store-hashed ph2
rm -rf $W
echo done
