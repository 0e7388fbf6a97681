#!/usr/bin/env python3
"""Summarises a Chrome trace written by libtorch's profiler (ours: `contrastream bench profile`;
PyTorch's: `bench/pytorch_step.py --profile DIR`): self time per operator, summed over the
profiled steps, largest first, as milliseconds per step and share of the traced operator time.
    /usr/bin/python3 bench/trace_summary.py TRACE.json --steps 15 [--top 20]
"""
import argparse, collections, json


def self_times(events):
    """Self time (µs) per op name: inclusive duration minus the durations of ops nested inside it."""
    by_thread = collections.defaultdict(list)
    for e in events:
        if e.get("ph") == "X" and e.get("cat") in ("cpu_op", "Operator", None) and "dur" in e:
            by_thread[e.get("tid")].append(e)
    total = collections.Counter()
    calls = collections.Counter()
    for evs in by_thread.values():
        evs.sort(key=lambda e: (e["ts"], -e["dur"]))
        stack = []  # [end, name, child_time]
        def pop():
            end, name, child, dur = stack.pop()
            total[name] += dur - child
        for e in evs:
            while stack and e["ts"] >= stack[-1][0]:
                pop()
            if stack:
                stack[-1][2] += e["dur"]
            stack.append([e["ts"] + e["dur"], e["name"], 0.0, e["dur"]])
            calls[e["name"]] += 1
        while stack:
            pop()
    return total, calls


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("trace")
    ap.add_argument("--steps", type=int, default=15)
    ap.add_argument("--top", type=int, default=20)
    a = ap.parse_args()
    with open(a.trace) as f:
        data = json.load(f)
    events = data["traceEvents"] if isinstance(data, dict) else data
    total, calls = self_times(events)
    all_us = sum(total.values())
    print(f"# {a.trace}: {len(calls)} ops, {sum(calls.values()) / a.steps:.0f} calls/step, "
          f"{all_us / a.steps / 1e3:.2f} ms/step of op self time")
    for name, us in total.most_common(a.top):
        print(f"{us / a.steps / 1e3:9.3f} ms/step {100 * us / all_us:5.1f} % {calls[name] / a.steps:6.1f} calls/step  {name}")


if __name__ == "__main__":
    main()
