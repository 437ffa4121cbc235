#!/usr/bin/env python3
"""SQLite: rewriting stored rows as the controller's store does, `INSERT OR REPLACE` against an
upsert (`INSERT ... ON CONFLICT DO UPDATE`), on a table shaped like `tasks` (a text key, the
cluster, a JSON body of about a kilobyte), in WAL mode with synchronous=NORMAL. Reports the median
time of a transaction that rewrites --rows random rows of --table-rows, in statements of 400 rows
(`StoreTable.rowsPerStatement`).

    python3 Benchmarks/sqlite-upsert.py --rounds 40

Python's sqlite3 and the machine's SQLite (the controller bundles its own, through sqlite-nio),
not the controller: it measures what each statement costs SQLite itself, apart from the
controller's encoding and threads. The store still writes `INSERT OR REPLACE`: an upsert in the
controller made no difference its benchmarks could see (docs/benchmarks.md, ninth session).
"""
import argparse, os, random, sqlite3, statistics, tempfile, time, uuid


def measure(mode, directory, table_rows, rows, rounds, body_bytes):
    path = os.path.join(directory, f"{mode}.db")
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=NORMAL")
    db.execute("CREATE TABLE tasks (id TEXT PRIMARY KEY, cluster TEXT NOT NULL, body TEXT NOT NULL)")
    ids = [uuid.uuid4().hex for _ in range(table_rows)]
    db.execute("BEGIN")
    for start in range(0, table_rows, 400):
        chunk = ids[start:start + 400]
        db.execute("INSERT INTO tasks (id, cluster, body) VALUES " + ", ".join(["(?, ?, ?)"] * len(chunk)),
                   [value for key in chunk for value in (key, "default", "x" * body_bytes)])
    db.execute("COMMIT")
    conflict = "" if mode == "replace" else (
        " ON CONFLICT (id) DO UPDATE SET cluster = excluded.cluster, body = excluded.body")
    verb = "INSERT OR REPLACE" if mode == "replace" else "INSERT"
    times = []
    for round_number in range(rounds):
        sample = random.sample(ids, rows)
        body = ("y" if round_number % 2 else "x") * body_bytes
        started = time.perf_counter()
        db.execute("BEGIN IMMEDIATE")
        for start in range(0, rows, 400):
            chunk = sample[start:start + 400]
            values = ", ".join(["(?, ?, ?)"] * len(chunk))
            db.execute(f"{verb} INTO tasks (id, cluster, body) VALUES {values}{conflict}",
                       [value for key in chunk for value in (key, "default", body)])
        db.execute("COMMIT")
        times.append(time.perf_counter() - started)
    db.close()
    return statistics.median(times) * 1000


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--table-rows", type=int, default=20_000)
    parser.add_argument("--rows", type=int, default=1000, help="rows rewritten by each transaction")
    parser.add_argument("--rounds", type=int, default=40)
    parser.add_argument("--body-bytes", type=int, default=1100)
    args = parser.parse_args()
    print(f"SQLite {sqlite3.sqlite_version}; {args.rows} of {args.table_rows} rows rewritten per transaction")
    with tempfile.TemporaryDirectory(dir="/dev/shm" if os.path.isdir("/dev/shm") else None) as directory:
        for mode in ("replace", "upsert", "replace", "upsert"):
            run = tempfile.mkdtemp(dir=directory)
            median = measure(mode, run, args.table_rows, args.rows, args.rounds, args.body_bytes)
            print(f"{mode}: median {median:.2f} ms")


if __name__ == "__main__":
    main()
