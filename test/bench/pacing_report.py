#!/usr/bin/env python3
"""Report of test/bench/pacing_impact.sh: medians per load and method, the
targets, and gnuplot scripts (one PNG per load). Usage: pacing_report.py OUT RATE"""
import collections
import os
import statistics
import sys

from txlog import quantile, read_txlog

out, rate = sys.argv[1], sys.argv[2]
METHODS = ["update", "plpgsql", "defaults", "unthrottled"]  # then others run (fixed_S_D), in order seen


WINDOW = 20


def frange(start, stop, step):
    while start < stop:
        yield start
        start += step


runs = []
for line in open(os.path.join(out, "results.tsv")):
    load, method, rep, t0, t1, rows, wal_window, wal_base, base_s = line.rstrip("\n").split("\t")
    t0, t1, rows = float(t0), float(t1), int(rows)
    wal_window, wal_base, base_s = float(wal_window), float(wal_base), float(base_s)
    r = dict(load=load, method=method, rep=int(rep), t0=t0, t1=t1, secs=t1 - t0, rows_s=rows / (t1 - t0))
    rows = rows or float("nan")  # idle_S, the control, fills nothing
    # WAL per row: without load, all WAL of the window; with load, the
    # worker's own WAL (backfill_history) for the backfill methods, else the
    # window's WAL minus the application's baseline rate (an estimate: "~").
    hist = os.path.join(out, "history_%s_%s_%s.dat" % (load, method, rep))
    r["wal_exact"] = True
    if load == "none":
        r["wal_per_row"] = wal_window / rows
    elif os.path.exists(hist) and os.path.getsize(hist) > 0:
        h = [line.split() for line in open(hist)]
        hrows = sum(float(x[5]) for x in h)
        r["wal_per_row"] = sum(float(x[6]) for x in h) / hrows if hrows else float("nan")
    else:
        r["wal_per_row"] = max(0.0, wal_window - wal_base / base_s * (t1 - t0)) / rows
        r["wal_exact"] = False
    if load != "none":
        txs = read_txlog(os.path.join(out, "txlog_%s_%s_%s.log" % (load, method, rep)))
        base = [lat for t, lat in txs if t0 - base_s <= t < t0]
        during = [lat for t, lat in txs if t0 <= t <= t1]
        r.update(p50_b=quantile(base, 0.5), p99_b=quantile(base, 0.99), p50_d=quantile(during, 0.5),
                 p99_d=quantile(during, 0.99), tps_b=len(base) / base_s, tps_d=len(during) / (t1 - t0))
        r["txs"] = txs
        # The p99 of successive WINDOW-second windows of "during": drift over a long run.
        r["p99_windows"] = [quantile([lat for t, lat in txs if w <= t < min(w + WINDOW, t1)], 0.99)
                            for w in frange(t0, t1, WINDOW)]
    runs.append(r)

by = collections.defaultdict(list)
for r in runs:
    by[(r["load"], r["method"])].append(r)
    if r["method"] not in METHODS:
        METHODS.append(r["method"])


def med(load, method, key):
    values = [r[key] for r in by.get((load, method), []) if key in r]
    return statistics.median(values) if values else float("nan")


loads = [l for l in ["none", "open", "closed"] if any(k[0] == l for k in by)]
print()
print("Medians of %d repetition(s) per cell; rows/s ratio against one UPDATE under the same load." %
      max(len(v) for v in by.values()))
header = "%-7s %-12s %9s %6s %7s | %9s %9s | %9s %9s | %7s %7s %6s | %8s" % (
    "load", "method", "rows/s", "x UPD", "secs", "p50 d", "p50 b", "p99 d", "p99 b", "TPS d", "TPS b",
    "ratio", "WAL B/row")
print(header)
print("-" * len(header))
for load in loads:
    upd = med(load, "update", "rows_s")
    for method in METHODS:
        if (load, method) not in by:
            continue
        rs = med(load, method, "rows_s")
        line = "%-7s %-12s %9.0f %6.2f %7.1f |" % (load, method, rs, rs / upd if upd == upd else float("nan"),
                                                 med(load, method, "secs"))
        if load == "none":
            line += " %9s %9s | %9s %9s | %7s %7s %6s |" % (("-",) * 7)
        else:
            line += " %8.2fms %8.2fms | %8.2fms %8.2fms | %7.0f %7.0f %6.2f |" % (
                med(load, method, "p50_d"), med(load, method, "p50_b"), med(load, method, "p99_d"),
                med(load, method, "p99_b"), med(load, method, "tps_d"), med(load, method, "tps_b"),
                med(load, method, "tps_d") / med(load, method, "tps_b"))
        exact = all(x["wal_exact"] for x in by[(load, method)])
        line += " %8.0f%s" % (med(load, method, "wal_per_row"), "" if exact else "~")
        print(line)
print("(d: transactions that started during the method, b: in the baseline window before it, same pgbench")
print(" session; ratio: TPS d / b; WAL ~: window WAL minus the application's baseline WAL rate, an estimate)")

print()
print("Targets (start_backfill defaults):")


def target(name, value, ok):
    print("  %-62s %s  %s" % (name, value, "PASS" if ok else "FAIL"))


if ("open", "defaults") in by:
    ratio = [r["p99_d"] / r["p99_b"] for r in by[("open", "defaults")]]
    target("open loop -R %s: app p99 during <= 2x baseline" % rate, "%.2fx" % statistics.median(ratio),
           statistics.median(ratio) <= 2)
    if ("open", "unthrottled") in by:
        share = med("open", "defaults", "rows_s") / med("open", "unthrottled", "rows_s")
        target("open loop: rows/s >= 25% of unthrottled", "%.0f%%" % (100 * share), share >= 0.25)
if ("closed", "defaults") in by:
    ratio = statistics.median([r["tps_d"] / r["tps_b"] for r in by[("closed", "defaults")]])
    target("closed loop -c 4: app TPS during >= 0.75x baseline", "%.2fx" % ratio, ratio >= 0.75)
if ("none", "defaults") in by and ("none", "update") in by:
    share = med("none", "defaults", "rows_s") / med("none", "update", "rows_s")
    target("no load: rows/s >= 0.9x one UPDATE", "%.2fx" % share, share >= 0.9)
print("Per run:")
for r in runs:
    extra = ""
    if r["load"] != "none":
        extra = " p99 %.2f/%.2f ms, TPS %.0f/%.0f; p99 per %d s: %s" % (
            r["p99_d"], r["p99_b"], r["tps_d"], r["tps_b"], WINDOW, " ".join("%.2f" % p for p in r["p99_windows"]))
    print("  %-7s %-12s rep %d: %6.1f s %8.0f rows/s%s" % (r["load"], r["method"], r["rep"], r["secs"],
                                                          r["rows_s"], extra))

# Plots: first repetition of each method, time relative to the method's start.
for load in loads:
    plots_p99, plots_rows = [], []
    for method in METHODS:
        first = [r for r in by.get((load, method), []) if r["rep"] == 1]
        if not first:
            continue
        r = first[0]
        if load != "none":
            per_s = collections.defaultdict(list)
            for t, lat in r["txs"]:
                per_s[int(t - r["t0"] + 1000) - 1000].append(lat)
            path = os.path.join(out, "p99_%s_%s.dat" % (load, method))
            with open(path, "w") as f:
                for s in sorted(per_s):
                    f.write("%d %.3f\n" % (s, quantile(per_s[s], 0.99)))
            plots_p99.append("'%s' using 1:2 with lines lw 2 title '%s'" % (path, method))
        path = os.path.join(out, "rows_%s_%s.dat" % (load, method))
        hist = os.path.join(out, "history_%s_%s_1.dat" % (load, method))
        with open(path, "w") as f:
            if os.path.exists(hist) and os.path.getsize(hist) > 0:
                for line in open(hist):
                    at, rows_s = line.split()[:2]
                    f.write("%.2f %s\n" % (float(at) - r["t0"], rows_s))
            else:  # no per-interval progress: its average over its duration
                f.write("0 %.0f\n%.2f %.0f\n" % (r["rows_s"], r["secs"], r["rows_s"]))
        plots_rows.append("'%s' using 1:2 with steps lw 2 title '%s'" % (path, method))
    gp = os.path.join(out, "plot_%s.gp" % load)
    with open(gp, "w") as f:
        f.write("set terminal pngcairo size 1200,800\nset output '%s'\n" % os.path.join(out, "pacing_%s.png" % load))
        f.write("set multiplot layout 2,1 title 'load: %s (2M rows; time 0 = method starts)'\n" % load)
        f.write("set grid\nset key outside right\nset xlabel 'seconds'\nset xrange [-12:*]\n")
        if plots_p99:
            f.write("set logscale y\nset ylabel 'app p99 per second (ms)'\nplot %s\nunset logscale y\n"
                    % ", ".join(plots_p99))
        f.write("set ylabel 'backfill rows/s'\nplot %s\n" % ", ".join(plots_rows))
        f.write("unset multiplot\n")
