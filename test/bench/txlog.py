"""pgbench per-transaction logs (-l) for the benchmark reports."""
import os


def quantile(values, q):
    """The q-quantile of values (nearest rank), nan for none."""
    if not values:
        return float("nan")
    values = sorted(values)
    return values[min(len(values) - 1, int(q * len(values)))]


def read_txlog(path):
    """(start time s, latency ms) per transaction of a pgbench -l log: the
    completion time minus the latency (with -R the latency counts from the
    scheduled start), so a transaction blocked by the method counts in the
    window it started in."""
    return [(start, latency) for start, latency, _ in read_txlog_with_lag(path)]


def read_txlog_with_lag(path):
    """read_txlog's (start time s, latency ms) and the schedule lag in ms
    (with -R: how late the transaction started; 0 without -R)."""
    txs = []
    if not os.path.exists(path):
        return txs
    for line in open(path):
        f = line.split()
        if len(f) < 6:
            continue
        lag = int(f[6]) / 1000.0 if len(f) > 6 else 0.0
        txs.append((int(f[4]) + int(f[5]) / 1e6 - int(f[2]) / 1e6, int(f[2]) / 1000.0, lag))
    return txs
