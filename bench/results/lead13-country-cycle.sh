#!/bin/bash
set -u
D=/work/bench-data/country-s7; W=/work/m13/w; T=/work/main
run_dp() { cat /proc/loadavg > /work/m13/$1.load
  (cd $T && PYTHONPATH=$PWD .venv/bin/python -m bench.data_path --data $D --work $W/$1 --json /work/m13/$1.json --shnor /work/m13/$1.shnor > /work/m13/$1.log 2>&1); echo "$1 rc=$?"; }
run_peer() { cat /proc/loadavg > /work/m13/$1.load
  (cd $T && .venv/bin/python -m bench.peers --peer duckdb --data $D --json /work/m13/$1.json --shnor /work/m13/$1.shnor > /work/m13/$1.log 2>&1); echo "$1 rc=$?"; }
run_peer peer1
run_dp dp1
cat /proc/loadavg > /work/m13/cycle.load
(cd $T && PYTHONPATH=$PWD .venv/bin/python -m bench.cycle --scale country --data $D --work $W/cycle --results /work/m13/cycle-country.json > /work/m13/cycle.log 2>&1); echo "cycle rc=$?"
echo done
