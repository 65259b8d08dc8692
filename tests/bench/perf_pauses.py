"""Where the GUI thread's long pauses went, from a ``perf`` recording of the stall benchmark (Linux only).

    perf record -k CLOCK_MONOTONIC -F 999 --call-graph dwarf,32768 -o /tmp/perf.data -- \\
        .venv/bin/python tests/bench/bench_ui.py --child stall --pause-log /tmp/pauses.txt
    perf script -i /tmp/perf.data -F tid,pid,time,ip,sym,dso > /tmp/perf.txt
    .venv/bin/python tests/bench/perf_pauses.py /tmp/perf.txt /tmp/pauses.txt

The benchmark's own sampler sees Python stacks only, and only when it gets the GIL. perf sees native stacks of every
thread, on CPU. For each pause this prints how many milliseconds the GUI thread spent on the CPU and doing what
(painting, Python, garbage collection, waiting for the GIL), and how much CPU the app's other threads (the network
thread, worker threads) took meanwhile: a pause with little GUI-thread CPU was spent waiting for the GIL or a core.
"""

from __future__ import annotations

import argparse
import re
from collections import Counter
from dataclasses import dataclass, field


@dataclass
class Sample:
    """One perf sample: when, which process and thread, and its native stack (leaf first)."""

    time: float
    pid: int
    tid: int
    frames: list[str] = field(default_factory=list)


_HEADER = re.compile(r"\s*(\d+)/(\d+)\s+([\d.]+):")


def read_samples(path: str) -> list[Sample]:
    """Parse ``perf script -F tid,pid,time,ip,sym,dso`` output."""
    samples: list[Sample] = []
    current: Sample | None = None
    with open(path, encoding="utf-8", errors="replace") as text:
        for line in text:
            if not line.strip():
                if current is not None:
                    samples.append(current)
                current = None
            elif line[0] not in "\t ":
                match = _HEADER.match(line)
                current = Sample(float(match[3]), int(match[1]), int(match[2])) if match else None
            elif current is not None:
                parts = line.strip().split(None, 1)
                if len(parts) == 2:
                    current.frames.append(parts[1])
    if current is not None:
        samples.append(current)
    return samples


def category(frames: list[str]) -> str:
    """What a GUI-thread sample was doing."""
    joined = " | ".join(frames)
    if "take_gil" in joined:
        return "GIL wait"
    if re.search(r"gc_collect|visit_reachable|subtract_refs|move_unreachable", joined):
        return "GC"
    if "paintEvent" in joined:
        return "paint"
    if "_PyEval_EvalFrameDefault" in joined:
        return "python"
    return "other"


def main() -> None:
    """Print, per pause (longest first), the GUI thread's on-CPU time by category and the other threads' CPU."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("perf_script", help="output of perf script -F tid,pid,time,ip,sym,dso")
    parser.add_argument("pause_log", help="the file bench_ui.py --pause-log wrote")
    parser.add_argument("--top", type=int, default=10)
    args = parser.parse_args()
    pauses = []
    with open(args.pause_log, encoding="utf-8") as log:
        for line in log:
            start, ms = line.split()
            pauses.append((float(start), float(ms)))
    samples = read_samples(args.perf_script)
    main_threads = Counter(s.pid for s in samples if s.pid == s.tid)
    app = max(main_threads, key=main_threads.__getitem__)  # the process with the most main-thread samples
    print(f"{len(samples):,} samples; app pid {app}; {len(pauses)} pauses over 20 ms")
    for start, ms in sorted(pauses, key=lambda p: -p[1])[: args.top]:
        inside = [s for s in samples if s.pid == app and start <= s.time <= start + ms / 1e3]
        gui = Counter(category(s.frames) for s in inside if s.tid == app)
        others = Counter(s.tid for s in inside if s.tid != app)
        print(
            f"{ms:6.1f} ms: GUI thread on CPU {sum(gui.values())} ms ("
            + ", ".join(f"{k} {v}" for k, v in gui.most_common())
            + "); other threads: "
            + (", ".join(f"{tid} {n} ms" for tid, n in others.most_common(4)) or "none")
        )


if __name__ == "__main__":
    main()
