"""Statistics over aggregated counts: exact tests, intervals, multiple-testing control.

Everything here works on small arrays of counts that the engine produced; nothing reads rows.
Only ``scipy.special`` is imported (fast start-up); results are checked against scipy.stats and
statsmodels in ``tests/reference``.
"""
