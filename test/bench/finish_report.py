#!/usr/bin/env python3
"""Report of test/bench/finish_impact.sh: per finishing step, its duration and
the application's latency against the baseline window, medians over the
repetitions; the same per phase of the index build
(pg_stat_progress_create_index) and for AFTER_S seconds after the last step.
Usage: finish_report.py OUT REPS BASELINE_S AFTER_S"""
import collections
import os
import statistics
import sys

from txlog import quantile, read_txlog

out, reps, base_s, after_s = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), float(sys.argv[4])
rows = collections.defaultdict(list)  # step -> [(secs, p50, p99, max, p99 ratio)], steps seen in a repetition
build_rows = collections.defaultdict(list)  # index build phase -> the same
order = []
build_order = []


def window(txs, t0, t1, p99_b):
    lats = [lat for t, lat in txs if t0 <= t < t1]
    return (t1 - t0, quantile(lats, 0.5), quantile(lats, 0.99), max(lats) if lats else float("nan"),
            quantile(lats, 0.99) / p99_b)


def marks_of(name):
    path = os.path.join(out, name)
    return [(float(t), what) for t, what in (line.split() for line in open(path))] if os.path.exists(path) else []


long_waits = []
for rep in range(1, reps + 1):
    txs = read_txlog(os.path.join(out, "txlog_%d.log" % rep))
    t_base = float(open(os.path.join(out, "baseline_%d.txt" % rep)).read())
    base = [lat for t, lat in txs if t_base <= t < t_base + base_s]
    p99_b = quantile(base, 0.99)
    rows["baseline"].append((base_s, quantile(base, 0.5), p99_b, max(base), 1.0))
    marks = marks_of("phases_%d.txt" % rep)
    for (t0, step), (t1, _) in zip(marks, marks[1:]):
        if step not in order:
            order.append(step)
        rows[step].append(window(txs, t0, t1, p99_b))
    t_end = marks[-1][0]
    rows["after the steps"].append(window(txs, t_end, t_end + after_s, p99_b))
    builds = marks_of("build_phases_%d.txt" % rep)
    for (t0, phase), (t1, _) in zip(builds, builds[1:]):
        if phase == "-":
            continue
        if phase not in build_order:
            build_order.append(phase)
        build_rows[phase].append(window(txs, t0, t1, p99_b))
    long_waits.append(int(open(os.path.join(out, "long_waits_%d.txt" % rep)).read().strip() or 0))

# The steps in the order the worker runs them (core/job_phase.cpp), then any other.
STEPS = ["finish_backfill", "set_default", "add_not_null_check", "validate_not_null_check", "set_not_null",
         "drop_not_null_check", "add_check", "validate_check", "add_foreign_key", "validate_foreign_key",
         "create_index", "drop_sync_trigger"]
order.sort(key=lambda step: STEPS.index(step) if step in STEPS else len(STEPS))
print("\nMedians of %d repetition(s); application transactions that started in each window." % reps)
HEAD = "%-42s %8s %9s %9s %9s %9s" % ("window", "secs", "p50 ms", "p99 ms", "max ms", "p99 x b")
ROW = "%-42s %8.2f %9.2f %9.2f %9.1f %9.2f"
print(HEAD)
for step in ["baseline"] + order + ["after the steps"]:
    cols = list(zip(*rows[step]))
    print(ROW % ((step,) + tuple(statistics.median(c) for c in cols)))
if build_order:
    print("create_index by pg_stat_progress_create_index phase (medians over the repetitions that had it):")
    for phase in build_order:
        cols = list(zip(*build_rows[phase]))
        print(ROW % ((phase.replace("_", " ")[:42],) + tuple(statistics.median(c) for c in cols)))
print("application lock waits > 100 ms during the steps, per repetition: %s" % long_waits)
for step in ("validate_not_null_check", "create_index"):
    if rows.get(step):
        ratio = statistics.median(r[4] for r in rows[step])
        print("target: p99 during %-24s <= 2x baseline: %5.2fx  %s" % (step, ratio, "ok" if ratio <= 2 else "FAIL"))
print("target: no application wait > 100 ms: %s" % ("ok" if max(long_waits) == 0 else "FAIL"))
