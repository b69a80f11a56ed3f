#!/usr/bin/env python3
"""Replays the real-migration corpus through a server running the DDL guard.

For every project in <corpus>/schemas, creates a fresh database, installs
pg_backfill (for explain_ddl), and runs the project's whole schema history
with psql. Just before each corpus statement ("-- @stmt <id>") it runs
explain_ddl() on the statement's text; the statement then runs with
client_min_messages = debug1, so the hook's own verdict arrives as its
"pg_backfill guard: ..." DEBUG1 line between two \\warn markers.

The report compares the hook's predicted rewrite / scan (scan = any full
read of the table: rewrite, verification scan, index build, foreign-key
validation) with PostgreSQL 15's recorded rewrote_table / scanned_table, and
the hook with explain_ddl. Run by test/replay/run.sh.
"""
import argparse
import collections
import csv
import os
import re
import subprocess
import sys

SEP = "\x1f"
GUARD_RE = re.compile(
    r"pg_backfill guard: relation=(?P<rel>.*?) command=(?P<cmd>.*?) lock=(?P<lock>\S+) "
    r"rewrite=(?P<rewrite>\d) scan=(?P<scan>\d) index_build=(?P<index>\d) "
    r"fk_validation=(?P<fk>\d) verdict=(?P<verdict>\w+)")
LOCK_ORDER = ["NoLock", "AccessShareLock", "RowShareLock", "RowExclusiveLock", "ShareUpdateExclusiveLock",
              "ShareLock", "ShareRowExclusiveLock", "ExclusiveLock", "AccessExclusiveLock"]


def corpus_statements(schema_path):
    """Yields (line_index, id) for each "-- @stmt <id>" marker: the statement is the next line."""
    with open(schema_path, encoding="utf-8") as f:
        lines = f.read().split("\n")
    return lines, [(i + 1, line.split()[2]) for i, line in enumerate(lines) if line.startswith("-- @stmt ")]


def build_script(lines, marks, schema):
    """The psql script: the schema history with explain_ddl and markers around corpus statements."""
    by_line = dict(marks)
    out = ["\\set ON_ERROR_STOP 0", "\\pset footer off"]
    for i, line in enumerate(lines):
        stmt_id = by_line.get(i)
        if stmt_id is None:
            out.append(line)
            continue
        tag = "$pbfreplay$"
        out.append("SELECT '@@X', '%s', e.* FROM %s.explain_ddl(%s%s%s) e;" % (stmt_id, schema, tag, line, tag))
        out.append("SET client_min_messages = debug1;")
        out.append("\\warn @@BEGIN %s" % stmt_id)
        out.append(line)
        out.append("\\warn @@END %s" % stmt_id)
        out.append("RESET client_min_messages;")
    return "\n".join(out) + "\n"


def parse_hook(stderr_text):
    """Hook findings and errors per statement id, from the stderr between markers."""
    hook = collections.defaultdict(list)
    errors = {}
    current = None
    for line in stderr_text.split("\n"):
        if "@@BEGIN " in line:
            current = line.split("@@BEGIN ", 1)[1].strip()
            continue
        if "@@END " in line:
            current = None
            continue
        if current is None:
            continue
        m = GUARD_RE.search(line)
        if m:
            hook[current].append(m.groupdict())
        elif "ERROR:" in line and current not in errors:
            errors[current] = line.split("ERROR:", 1)[1].strip()
    return hook, errors


def parse_explain(stdout_text):
    """explain_ddl rows per statement id."""
    rows = collections.defaultdict(list)
    for line in stdout_text.split("\n"):
        if not line.startswith("@@X" + SEP):
            continue
        f = line.split(SEP)
        # @@X, id, statement_no, command, relation, lock_mode, rewrite, scan, index_build, fk_validation,
        # size_bytes, verdict, reason, hint, message
        rows[f[1]].append({"command": f[3], "lock": f[5], "rewrite": f[6] == "t", "scan": f[7] == "t",
                           "index": f[8] == "t", "fk": f[9] == "t", "verdict": f[11], "reason": f[12]})
    return rows


def predicted_from_hook(findings):
    rewrite = any(f["rewrite"] == "1" for f in findings)
    scan = any(f[k] == "1" for f in findings for k in ("rewrite", "scan", "index", "fk"))
    locks = [f["lock"] for f in findings if f["lock"] in LOCK_ORDER]
    lock = max(locks, key=LOCK_ORDER.index) if locks else ""
    return rewrite, scan, lock


def predicted_from_explain(rows):
    rewrite = any(r["rewrite"] for r in rows)
    scan = any(r[k] for r in rows for k in ("rewrite", "scan", "index", "fk"))
    return rewrite, scan


def run_project(args, project):
    """Replays one project; returns {id: result dict}."""
    schema_path = os.path.join(args.corpus, "schemas", project + ".sql")
    lines, marks = corpus_statements(schema_path)
    ext_schema = "pgbf_replay"
    db = "realeval_" + project
    script = os.path.join(args.work, project + "_replay.sql")
    with open(script, "w", encoding="utf-8") as f:
        f.write(build_script(lines, marks, ext_schema))
    env = dict(os.environ, PGHOST=args.host, PGPORT=str(args.port), PGUSER="postgres")
    psql = os.path.join(args.bindir, "psql")
    subprocess.run([psql, "-X", "-q", "-d", "postgres", "-c", "DROP DATABASE IF EXISTS " + db,
                    "-c", "CREATE DATABASE " + db], env=env, check=True, capture_output=True)
    subprocess.run([psql, "-X", "-q", "-d", db, "-c", "CREATE SCHEMA " + ext_schema,
                    "-c", "CREATE EXTENSION pg_backfill SCHEMA " + ext_schema], env=env, check=True,
                   capture_output=True)
    proc = subprocess.run([psql, "-X", "-q", "-A", "-t", "-F", SEP, "-d", db, "-f", script], env=env,
                          capture_output=True, text=True, errors="replace")
    with open(os.path.join(args.work, project + "_stderr.log"), "w", encoding="utf-8") as f:
        f.write(proc.stderr)
    hook, errors = parse_hook(proc.stderr)
    explain = parse_explain(proc.stdout)
    subprocess.run([psql, "-X", "-q", "-d", "postgres", "-c", "DROP DATABASE " + db], env=env,
                   capture_output=True)
    results = {}
    for _, stmt_id in marks:
        h_rewrite, h_scan, h_lock = predicted_from_hook(hook.get(stmt_id, []))
        e_rewrite, e_scan = predicted_from_explain(explain.get(stmt_id, []))
        results[stmt_id] = {"rewrite": h_rewrite, "scan": h_scan, "lock": h_lock,
                            "explain_rewrite": e_rewrite, "explain_scan": e_scan,
                            "hook_rows": len(hook.get(stmt_id, [])), "explain_rows": len(explain.get(stmt_id, [])),
                            "error": errors.get(stmt_id, ""),
                            "explain_verdicts": ",".join(r["verdict"] for r in explain.get(stmt_id, []))}
    return results


class Confusion:
    def __init__(self):
        self.tp = self.fp = self.fn = self.tn = 0

    def add(self, predicted, truth):
        if predicted and truth:
            self.tp += 1
        elif predicted:
            self.fp += 1
        elif truth:
            self.fn += 1
        else:
            self.tn += 1

    def total(self):
        return self.tp + self.fp + self.fn + self.tn

    def agreement(self):
        return 100.0 * (self.tp + self.tn) / self.total() if self.total() else 0.0

    def __str__(self):
        return "TP %4d  FP %4d  FN %4d  TN %4d  agreement %5.1f%%" % (
            self.tp, self.fp, self.fn, self.tn, self.agreement())


def main():
    ap = argparse.ArgumentParser()
    for a in ("--bindir", "--host", "--corpus", "--work", "--out"):
        ap.add_argument(a, required=True)
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("projects", nargs="*")
    args = ap.parse_args()

    with open(os.path.join(args.corpus, "statements.tsv"), encoding="utf-8") as f:
        truth = {r["id"]: r for r in csv.DictReader(f, delimiter="\t")}
    projects = args.projects or sorted(p[:-4] for p in os.listdir(os.path.join(args.corpus, "schemas"))
                                       if p.endswith(".sql"))
    report = []
    rewrite_all, scan_all, lock_all = Confusion(), Confusion(), [0, 0]
    explain_agree = [0, 0]
    disagreements = []
    unjudged = collections.Counter()
    per_project = []
    for project in projects:
        results = run_project(args, project)
        rc, sc = Confusion(), Confusion()
        for stmt_id, res in results.items():
            t = truth.get(stmt_id)
            if t is None:
                continue
            if "unknown" not in res["explain_verdicts"]:
                explain_agree[1] += 1
                explain_agree[0] += (res["rewrite"], res["scan"]) == (res["explain_rewrite"], res["explain_scan"])
            if t["rewrote_table"] not in ("true", "false"):
                unjudged[t["lock_on_target"] or "did not run"] += 1
                continue
            tr, ts = t["rewrote_table"] == "true", t["scanned_table"] == "true"
            rc.add(res["rewrite"], tr)
            sc.add(res["scan"], ts)
            rewrite_all.add(res["rewrite"], tr)
            scan_all.add(res["scan"], ts)
            if res["lock"]:
                lock_all[1] += 1
                lock_all[0] += res["lock"] == t["lock_on_target"]
            if (res["rewrite"], res["scan"]) != (tr, ts):
                disagreements.append((stmt_id, t["kind"], res, tr, ts, t["statement"]))
        per_project.append((project, len(results), rc, sc))

    report.append("pg_backfill DDL guard: real-corpus replay (guard = warn, guard_min_size = 0)")
    report.append("prediction = the hook's own verdict (its DEBUG1 line); scan = rewrite, verification scan, "
                  "index build or FK validation")
    report.append("")
    for project, n, rc, sc in per_project:
        report.append("%-14s %4d statements" % (project, n))
        report.append("  rewrite  %s" % rc)
        report.append("  scan     %s" % sc)
    report.append("")
    report.append("OVERALL (%d statements with ground truth)" % rewrite_all.total())
    report.append("  rewrite  %s" % rewrite_all)
    report.append("  scan     %s" % scan_all)
    report.append("  both rewrite and scan agree: %d of %d (%.1f%%)" % (
        rewrite_all.total() - len(disagreements), rewrite_all.total(),
        100.0 * (rewrite_all.total() - len(disagreements)) / max(1, rewrite_all.total())))
    report.append("  lock mode on the target agrees: %d of %d statements the hook analysed" % tuple(lock_all))
    report.append("  hook and explain_ddl agree on rewrite/scan: %d of %d statements either analysed "
                  "(DO blocks: explain_ddl cannot see inside)" % tuple(explain_agree))
    report.append("  without ground truth (not judged): %s" % dict(unjudged))
    report.append("")
    report.append("DISAGREEMENTS (%d): id | kind | predicted rewrite/scan | PG15 rewrite/scan | "
                  "hook rows | error | statement" % len(disagreements))
    for stmt_id, kind, res, tr, ts, stmt in disagreements:
        report.append("%s | %s | %d/%d | %d/%d | %d | %s | %s" % (
            stmt_id, kind, res["rewrite"], res["scan"], tr, ts, res["hook_rows"], res["error"][:80],
            stmt[:160]))
    text = "\n".join(report) + "\n"
    with open(args.out, "w", encoding="utf-8") as f:
        f.write(text)
    sys.stdout.write(text)
    sys.stdout.write("report written to %s\n" % args.out)


if __name__ == "__main__":
    main()
