#!/usr/bin/env python3
"""Why gzip event files of scalars stay above 10 bytes a scalar: deflates the record stream that
lumen-bench's summary benchmark writes (`train/loss`, value 1/(step+1), wall time from the clock)
with zlib at several settings and prints bytes per scalar for each.

Each TFRecord of a scalar holds bytes no compressor can predict: the masked CRC-32C of the event
(4 bytes), the float32 value (about 3 bytes of entropy here), the low bytes of the wall time and of
the step. Deflate codes each such byte as a literal (about 8 bits) and each run of repeated bytes
between them as a match (about 2 bytes), which puts the floor near 11-12 bytes whatever the level,
strategy or field order.

  .venv/bin/python bench/gzip_floor.py [SCALARS]
"""
import struct
import sys
import zlib

import google_crc32c


def masked_crc(data):
    crc = google_crc32c.value(data)
    return (((crc >> 15) | (crc << 17)) + 0xA282EAD8) & 0xFFFFFFFF


def varint(value):
    out = bytearray()
    while value >= 0x80:
        out.append((value & 0x7F) | 0x80)
        value >>= 7
    out.append(value)
    return bytes(out)


def record(step, wall_time, value, summary_first=False):
    tag = b"train/loss"
    summary_value = b"\x0a" + varint(len(tag)) + tag + b"\x15" + struct.pack("<f", value)
    summary = b"\x0a" + varint(len(summary_value)) + summary_value
    head = b"\x09" + struct.pack("<d", wall_time) + (b"\x10" + varint(step) if step else b"")
    body = b"\x2a" + varint(len(summary)) + summary
    event = body + head if summary_first else head + body
    length = struct.pack("<Q", len(event))
    return length + struct.pack("<I", masked_crc(length)) + event + struct.pack("<I", masked_crc(event))


def main():
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 200_000
    start = 1_764_800_000.123
    variants = [
        ("wall times 100 ns apart (a tight loop)", lambda i: start + i * 1e-7, False),
        ("wall times 1 µs apart", lambda i: start + i * 1e-6, False),
        ("wall times 100 ns apart, summary before wall_time and step", lambda i: start + i * 1e-7, True),
        ("one wall time per 10,000 scalars (a coarse clock)", lambda i: start + (i // 10_000) * 1e-3, False),
    ]
    for name, wall_time, summary_first in variants:
        stream = b"".join(record(i, wall_time(i), 1 / (i + 1), summary_first) for i in range(count))
        for level in (6, 9):
            for strategy, strategy_name in ((zlib.Z_DEFAULT_STRATEGY, "default"), (zlib.Z_FILTERED, "filtered")):
                deflate = zlib.compressobj(level, zlib.DEFLATED, 31, 9, strategy)
                size = len(deflate.compress(stream) + deflate.flush())
                print(f"{name}; level {level}, {strategy_name}: {size / count:.2f} bytes a scalar "
                      f"(plain {len(stream) / count:.1f})")


if __name__ == "__main__":
    main()
