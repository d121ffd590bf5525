#!/usr/bin/env python3
"""tensorboardX reference for lumen-bench's `summary` group.

Times tensorboardX's SummaryWriter.add_scalar sustained to disk: EVENTS scalars (default 200,000),
from creating the writer until close() returns. Prints `NAME: value` lines:

    summary-add-scalar: seconds per event   (what lumen-bench --reference reads)
    tbx-add-scalar-events-per-second: events per second
    tbx-bytes-per-scalar: bytes of the event file per scalar

    .venv/bin/pip install tensorboardX
    .venv/bin/python bench/tbx_reference.py [EVENTS] > /tmp/tbx.txt
    swift run -c release lumen-bench --only summary --reference /tmp/tbx.txt
"""
import glob
import os
import shutil
import sys
import tempfile
import time

from tensorboardX import SummaryWriter


def main():
    events = int(sys.argv[1]) if len(sys.argv) > 1 else 200_000
    logdir = tempfile.mkdtemp(prefix="tbx-bench-")
    try:
        start = time.perf_counter()
        writer = SummaryWriter(logdir)
        for step in range(events):
            writer.add_scalar("train/loss", 1.0 / (step + 1), step)
        writer.close()
        seconds = time.perf_counter() - start
        size = sum(os.path.getsize(p) for p in glob.glob(os.path.join(logdir, "*tfevents*")))
        print(f"summary-add-scalar: {seconds / events:.9g}")
        print(f"tbx-add-scalar-events-per-second: {events / seconds:.0f}")
        print(f"tbx-bytes-per-scalar: {size / events:.2f}")
    finally:
        shutil.rmtree(logdir, ignore_errors=True)


if __name__ == "__main__":
    main()
