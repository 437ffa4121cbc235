#!/usr/bin/env python3
"""Reading logs from a large stream: GetLogEvents at the tail and the head, and FilterLogEvents for
a recent window, against a stream of --events events and a small one of 1,000, through the
CloudWatch Logs API of a release wharf-controller (issue 6: "reading the tail of a large stream is
fast"). Also the ingest rate of PutLogEvents in batches of 10,000.

    python3 Benchmarks/log-reads.py --events 1000000 --json docs/benchmarks.json
"""
import argparse, os, shutil, socket, statistics, subprocess, sys, tempfile, time, urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import wharf_bench as bench


def logs(port, operation, body):
    return bench.ecs(port, operation, body, target="Logs_20140328")


def timed(port, operation, body, repeat):
    """Median, 90th percentile and maximum of `repeat` calls, in milliseconds, and the last answer."""
    samples, answer = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        answer = logs(port, operation, body)
        samples.append((time.perf_counter() - start) * 1000)
    samples.sort()
    return {"median_ms": round(statistics.median(samples), 2), "p90_ms": round(samples[int(len(samples) * 0.9) - 1], 2),
            "max_ms": round(samples[-1], 2), "calls": repeat}, answer


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bin-dir", default=".build-release/release")
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=50)
    parser.add_argument("--json")
    args = parser.parse_args()

    work = tempfile.mkdtemp(prefix="wharf-log-reads-")
    log = open(os.path.join(work, "controller.log"), "w")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    environment = dict(os.environ, WHARF_ADMIN_ACCESS_KEY_ID=bench.ACCESS_KEY[0], WHARF_ADMIN_SECRET_ACCESS_KEY=bench.ACCESS_KEY[1])
    controller = subprocess.Popen([os.path.join(args.bin_dir, "wharf-controller"), "--listen", f"127.0.0.1:{port}",
                                   "--data-dir", os.path.join(work, "data"), "--log-storage-mb", "4096"],
                                  stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT, env=environment, start_new_session=True)
    try:
        bench.wait_for("the controller's /healthz", lambda: urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2).status == 200,
                       30, {"controller": controller})
        logs(port, "CreateLogGroup", {"logGroupName": "bench"})
        now = int(time.time() * 1000)
        results = {}
        for stream, count in (("large", args.events), ("small", 1_000)):
            logs(port, "CreateLogStream", {"logGroupName": "bench", "logStreamName": stream})
            first = now - count  # one event a millisecond, ending now
            start = time.perf_counter()
            for batch in range(0, count, 10_000):
                events = [{"timestamp": first + i, "message": f"{stream} line {i:08d} GET /api/items 200 {'ERROR ' if i % 997 == 0 else ''}took 3ms"}
                          for i in range(batch, min(batch + 10_000, count))]
                logs(port, "PutLogEvents", {"logGroupName": "bench", "logStreamName": stream, "logEvents": events})
            elapsed = time.perf_counter() - start
            results[f"ingest_{stream}"] = {"events": count, "seconds": round(elapsed, 2), "events_per_second": round(count / elapsed)}
            print(f"{stream}: {count} events stored in {elapsed:.1f} s ({count / elapsed:,.0f}/s)")
        for stream in ("large", "small"):
            results[f"tail_{stream}"], answer = timed(port, "GetLogEvents", {"logGroupName": "bench", "logStreamName": stream, "limit": 100}, args.repeat)
            assert len(answer["events"]) == 100 and answer["events"][-1]["message"].startswith(f"{stream} line"), answer["events"][-1]
            results[f"head_{stream}"], answer = timed(port, "GetLogEvents", {"logGroupName": "bench", "logStreamName": stream, "limit": 100,
                                                                              "startFromHead": True}, args.repeat)
            assert answer["events"][0]["message"].startswith(f"{stream} line 00000000")
            results[f"filter_recent_{stream}"], answer = timed(port, "FilterLogEvents", {
                "logGroupName": "bench", "logStreamNames": [stream], "startTime": now - 10_000, "filterPattern": "ERROR"}, args.repeat)
            assert all("ERROR" in e["message"] for e in answer["events"])
            print(f"{stream}: tail {results[f'tail_{stream}']}, head {results[f'head_{stream}']}, filter 10 s {results[f'filter_recent_{stream}']}")
        results["tail_ratio_large_to_small"] = round(results["tail_large"]["median_ms"] / results["tail_small"]["median_ms"], 2)
        print(f"tail of the large stream / tail of the small one (medians): {results['tail_ratio_large_to_small']}")
        db = os.path.join(work, "data", "logs.db")
        results["logs_db_mib"] = round(sum(os.path.getsize(db + suffix) for suffix in ("", "-wal") if os.path.exists(db + suffix)) / 2 ** 20, 1)
        if args.json:
            bench.write_record(args.json, "log-reads", args.bin_dir, {"events": args.events, "repeat": args.repeat}, results)
    except BaseException:
        print("--- last lines of the controller log ---", file=sys.stderr)
        log.flush()
        print("".join(open(os.path.join(work, "controller.log")).readlines()[-15:]), file=sys.stderr)
        raise
    finally:
        bench.stop(controller)
        log.close()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
