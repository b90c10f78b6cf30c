"""One sample generator: shared shapes, a small and a vectorised engine.

- shapes.py: the Russian headers and titles of every export, the value vocabularies, the
  ЕГЭ minimum scores (config/reference/ege_min_scores.csv) and the writers (XLSX with a
  title, cp1251 `;` CSV, Parquet);
- planted.py: the planted cases of the small sample and what the rules must find for each;
- small.py: the demo/test engine (`edumon generate`, `make demo`; old path edumon.generate);
- vectorised.py: the benchmark engine (old path bench.generate);
- extra.py: EXTRA_WRITERS, the writers of new sources (edumon/samples_<topic>.py), called by
  both engines.
"""
