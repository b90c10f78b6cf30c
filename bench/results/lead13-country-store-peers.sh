#!/bin/bash
set -u
D=/work/bench-data/country-s7; W=/work/m13/w; T=/work/main
run_peer() { cat /proc/loadavg > /work/m13/$2.load; extra=""; [ "$1" != duckdb ] && { rm -f $W/$2.duckdb; extra="--store $W/$2.duckdb"; }
  (cd $T && .venv/bin/python -m bench.peers --peer $1 --data $D --json /work/m13/$2.json --shnor /work/m13/$2.shnor $extra > /work/m13/$2.log 2>&1); echo "$2 rc=$?"; rm -f $W/$2.duckdb; }
for i in 5 6 7; do
run_peer duckdb peer$i
run_peer duckdb-store ps$i
run_peer duckdb-store-hashed ph$i
done
echo done
