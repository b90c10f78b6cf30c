#!/bin/bash
# main: git show main:tasks/export.py > /tmp/xs13/export_main.py; new: main + bench/results/lead13-xlsx-preserve-regex.patch (the second series, y-*: new2 = + lead13-xlsx-preserve-ord-over-regex.patch)
# WH: the warehouse of lead13-country-cycle.sh's whole cycle
WH=/work/m13/w/cycle/country/edumon-0/warehouse.duckdb
cd /work/wt/xs13
for i in 1 2 3; do for v in main new; do
  cat /proc/loadavg > /work/m13/x-$v$i.load
  PYTHONPATH=$PWD .venv/bin/python -m bench.export_cycle_tables --warehouse $WH --module /tmp/xs13/export_$v.py --per-thread --out /work/m13/x-$v$i.json > /work/m13/x-$v$i.log 2>&1; echo "$v$i rc=$?"
done; done; echo done
