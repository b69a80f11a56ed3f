#!/usr/bin/env python3
"""Report of test/bench/finish_impact.sh: per finishing step, its duration and
the application's latency against the baseline window, medians over the
repetitions. Usage: finish_report.py OUT REPS BASELINE_S"""
import collections
import os
import statistics
import sys

from txlog import quantile, read_txlog

out, reps, base_s = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
rows = collections.defaultdict(list)  # step -> [(secs, p50, p99, max, p99 ratio)], steps seen in a repetition
order = []
long_waits = []
for rep in range(1, reps + 1):
    txs = read_txlog(os.path.join(out, "txlog_%d.log" % rep))
    t_base = float(open(os.path.join(out, "baseline_%d.txt" % rep)).read())
    base = [lat for t, lat in txs if t_base <= t < t_base + base_s]
    p99_b = quantile(base, 0.99)
    rows["baseline"].append((base_s, quantile(base, 0.5), p99_b, max(base), 1.0))
    marks = [line.split() for line in open(os.path.join(out, "phases_%d.txt" % rep))]
    for (t0, step), (t1, _) in zip(marks, marks[1:]):
        t0, t1 = float(t0), float(t1)
        lats = [lat for t, lat in txs if t0 <= t < t1]
        if step not in order:
            order.append(step)
        rows[step].append((t1 - t0, quantile(lats, 0.5), quantile(lats, 0.99), max(lats) if lats else float("nan"),
                           quantile(lats, 0.99) / p99_b))
    long_waits.append(int(open(os.path.join(out, "long_waits_%d.txt" % rep)).read().strip() or 0))

# The steps in the order the worker runs them (core/job_phase.cpp), then any other.
STEPS = ["finish_backfill", "set_default", "add_not_null_check", "validate_not_null_check", "set_not_null",
         "drop_not_null_check", "add_check", "validate_check", "add_foreign_key", "validate_foreign_key",
         "create_index", "drop_sync_trigger"]
order.sort(key=lambda step: STEPS.index(step) if step in STEPS else len(STEPS))
print("\nMedians of %d repetition(s); application transactions that started in each window." % reps)
print("%-26s %8s %9s %9s %9s %9s" % ("window", "secs", "p50 ms", "p99 ms", "max ms", "p99 x b"))
for step in ["baseline"] + order:
    cols = list(zip(*rows[step]))
    print("%-26s %8.2f %9.2f %9.2f %9.1f %9.2f" % ((step,) + tuple(statistics.median(c) for c in cols)))
print("application lock waits > 100 ms during the steps, per repetition: %s" % long_waits)
for step in ("validate_not_null_check", "create_index"):
    if rows.get(step):
        ratio = statistics.median(r[4] for r in rows[step])
        print("target: p99 during %-24s <= 2x baseline: %5.2fx  %s" % (step, ratio, "ok" if ratio <= 2 else "FAIL"))
print("target: no application wait > 100 ms: %s" % ("ok" if max(long_waits) == 0 else "FAIL"))
