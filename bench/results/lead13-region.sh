#!/bin/bash
set -u
cd /work/main
D=/work/bench-data/region-s7; W=/work/m13/rw; mkdir -p $W
for i in 1 2 3; do
  rm -rf $W/dp; cat /proc/loadavg > /work/m13/rdp$i.load
  .venv/bin/python -m bench.data_path --data $D --work $W/dp --json /work/m13/rdp$i.json --shnor /work/m13/rdp$i.shnor > /work/m13/rdp$i.log 2>&1; echo "rdp$i rc=$?"
  cat /proc/loadavg > /work/m13/rpeer$i.load
  .venv/bin/python -m bench.peers --peer duckdb --data $D --json /work/m13/rpeer$i.json --shnor /work/m13/rpeer$i.shnor > /work/m13/rpeer$i.log 2>&1; echo "rpeer$i rc=$?"
done
cat /proc/loadavg > /work/m13/rcycle.load
.venv/bin/python -m bench.cycle --scale region --data $D --repeats 3 --work $W/cycle --results /work/m13/rcycle.json > /work/m13/rcycle.log 2>&1; echo "rcycle rc=$?"
cat /proc/loadavg > /work/m13/mcycle.load
.venv/bin/python -m bench.cycle --scale municipality --repeats 3 --work $W/mcycle --results /work/m13/mcycle.json > /work/m13/mcycle.log 2>&1; echo "mcycle rc=$?"
.venv/bin/python -m bench.startup --repeats 3 --results /work/m13/startup.json > /work/m13/startup.log 2>&1; echo "startup rc=$?"
echo done
