#!/usr/bin/env python3
"""Controller heap under a fleet (issue 13): what the controller's heap holds, by who allocated it,
apart from what its RSS says. A release wharf-controller runs under heaptrack; --agents simulated
nodes (wharf-sim) run services totalling --tasks; once every task is RUNNING and --settle seconds
have passed (with --agents-leave, after the simulator stopped and another --settle seconds), the
controller is SIGKILLed, so heaptrack counts everything still allocated as "leaked": the heap in
use at that moment. Prints RSS at the kill, the heap's peak and what was in use, and the largest
holders by allocation site.

    python3 Benchmarks/controller-heap.py --agents 1000 --tasks 20000
    python3 Benchmarks/controller-heap.py --agents 500 --tasks 10000 --agents-leave

Needs heaptrack (Debian's `heaptrack`). The controller runs several times slower under it: the
figures are of memory, never of speed.
"""
import argparse, os, re, shutil, signal, subprocess, sys, tempfile, time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import wharf_bench as bench


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--bin-dir", default=".build-release/release")
    parser.add_argument("--agents", type=int, default=1000)
    parser.add_argument("--tasks", type=int, default=20000, help="in services of at most 5,000")
    parser.add_argument("--settle", type=float, default=20)
    parser.add_argument("--agents-leave", action="store_true", help="stop the simulated fleet before the kill")
    parser.add_argument("--top", type=int, default=12, help="allocation sites to print")
    args = parser.parse_args()
    if not shutil.which("heaptrack"):
        sys.exit("heaptrack is not installed (apt-get install heaptrack)")
    real = os.path.abspath(os.path.join(args.bin_dir, "wharf-controller"))
    work = tempfile.mkdtemp(prefix="wharf-heap-")
    wrapped = os.path.join(work, "bin")
    os.makedirs(wrapped)
    output = os.path.join(work, "controller")
    with open(os.path.join(wrapped, "wharf-controller"), "w") as script:
        script.write(f'#!/bin/sh\nexec heaptrack -o {output} {real} "$@"\n')
    os.chmod(os.path.join(wrapped, "wharf-controller"), 0o755)
    os.symlink(os.path.abspath(os.path.join(args.bin_dir, "wharf-sim")), os.path.join(wrapped, "wharf-sim"))
    sizes = [min(5000, args.tasks - start) for start in range(0, args.tasks, 5000)]
    try:
        with bench.Fleet(wrapped, args.agents, "wharf-heap-") as fleet:
            bench.ecs(fleet.port, "RegisterTaskDefinition", {"family": "load", "containerDefinitions": [
                {"name": "app", "image": "busybox", "memory": 32, "cpu": 10}]})
            for index, count in enumerate(sizes):
                bench.ecs(fleet.port, "CreateService", {"serviceName": f"s{index}", "taskDefinition": "load", "desiredCount": count})
            names = [f"s{index}" for index in range(len(sizes))]

            def running():
                return sum(s.get("runningCount", 0) for s in bench.ecs(fleet.port, "DescribeServices", {"services": names})["services"])

            bench.wait_for(f"{args.tasks} tasks RUNNING", lambda: running() >= args.tasks, 900, fleet.processes, interval=2)
            time.sleep(args.settle)
            if args.agents_leave:
                bench.stop(fleet.sim, grace=120)
                time.sleep(args.settle)
            pids = subprocess.run(["pgrep", "-f", "^" + re.escape(real)], capture_output=True, text=True).stdout.split()
            rss = int(open(f"/proc/{pids[0]}/status").read().split("VmRSS:")[1].split()[0]) / 1024
            os.kill(int(pids[0]), signal.SIGKILL)
            time.sleep(5)
        profile = next(os.path.join(work, n) for n in os.listdir(work) if n.startswith("controller"))
        report(profile, rss, args)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def report(profile, rss, args):
    summary = subprocess.run(["heaptrack_print", "-f", profile, "--print-leaks", "0", "--print-peaks", "0",
                              "--print-allocators", "0", "--print-temporary", "0", "--print-histogram", "0"],
                             capture_output=True, text=True).stdout
    peak = re.search(r"peak heap memory consumption: (\S+)", summary).group(1)
    used = re.search(r"total memory leaked: (\S+)", summary).group(1)
    print(f"{args.agents} agents {'gone' if args.agents_leave else 'connected'}, {args.tasks} tasks: RSS {rss:.1f} MiB, "
          f"heap peak {peak}, heap in use {used}")
    leaks = subprocess.run(["heaptrack_print", "-f", profile, "--print-leaks", "1", "--print-peaks", "0",
                            "--print-allocators", "0", "--print-temporary", "0", "--print-histogram", "0"],
                           capture_output=True, text=True).stdout.splitlines()
    # Each entry: "SIZE leaked over N calls from:" and its stack; the first frame of ours names it.
    entries = []
    for index, line in enumerate(leaks):
        match = re.match(r"\s*(\S+) leaked over (\d+) calls from:", line)
        if not match:
            continue
        frames = []
        for frame in leaks[index + 1:index + 80]:
            if re.match(r"\s*\S+ leaked over", frame):
                break
            symbol = frame.strip()
            # The first functions of Wharf's, Hummingbird's or NIO's own on the stack name the holder.
            if symbol.startswith("$s") and any(m in symbol for m in ("Wharf", "Hummingbird", "NIOCore", "NIOPosix")):
                frames.append(symbol)
        entries.append((match.group(1), match.group(2), frames[:2]))
    entries = entries[:args.top]
    names = [frame for _, _, frames in entries for frame in frames]
    demangled = subprocess.run(["swift", "demangle", "--simplified", "--compact"], input="\n".join(names),
                               capture_output=True, text=True).stdout.splitlines() if names else []
    readable = dict(zip(names, demangled)) if len(demangled) == len(names) else {}
    for size, calls, frames in entries:
        where = " <- ".join(readable.get(f, f)[:110] for f in frames)
        print(f"  {size:>8} in {calls:>7} allocations  {where}")


if __name__ == "__main__":
    main()
