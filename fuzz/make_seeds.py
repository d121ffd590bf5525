#!/usr/bin/env python3
"""Writes the seed corpora under fuzz/corpus/ from the event files under fixtures/ (stdlib only).

Seeds are small (a few KB), so that libFuzzer's inputs stay small and runs stay fast:
- tfrecord/: 8 parameter bytes, then a prefix of a fixture file cut at a record boundary;
- events/: 4 parameter bytes (mode 0: one event; 1: length-prefixed records; 2: a gzip file);
- query/: an endpoint, a newline, a query string naming the fixtures' runs and tags;
- prcurves/, audio/, customscalars/, meshes/: the fixtures' summary values of that plugin, as
  fuzz-decoders reads them (2-byte lengths, then plugin content and serialized TensorProto);
- projector/: each fixture projector_config.pbtxt, a NUL byte, then the start of a tensor file;
- s3list/: ListObjectsV2 answers as S3 and S3-compatible stores write them.
"""
import gzip
import os
import struct
import urllib.parse

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FIXTURES = os.path.join(ROOT, "fixtures")
CORPUS = os.path.join(ROOT, "fuzz", "corpus")


def crc32c(data):
    crc = 0xFFFFFFFF
    for b in data:
        crc ^= b
        for _ in range(8):
            crc = (crc >> 1) ^ (0x82F63B78 if crc & 1 else 0)
    return crc ^ 0xFFFFFFFF


def masked(crc):
    return ((((crc >> 15) | (crc << 17)) & 0xFFFFFFFF) + 0xA282EAD8) & 0xFFFFFFFF


def frame(data):
    header = struct.pack("<Q", len(data))
    return header + struct.pack("<I", masked(crc32c(header))) + data + struct.pack("<I", masked(crc32c(data)))


def records(path):
    data = open(path, "rb").read()
    out, pos = [], 0
    while pos + 12 <= len(data):
        (length,) = struct.unpack_from("<Q", data, pos)
        out.append(data[pos + 12 : pos + 12 + length])
        pos += 16 + length
    return out


def fields(message):
    """(field number, wire type, value) of a protobuf message; values of wire type 2 as bytes."""
    pos = 0
    while pos < len(message):
        key, pos = varint(message, pos)
        number, wire = key >> 3, key & 7
        if wire == 0:
            value, pos = varint(message, pos)
        elif wire == 1:
            value, pos = message[pos : pos + 8], pos + 8
        elif wire == 5:
            value, pos = message[pos : pos + 4], pos + 4
        elif wire == 2:
            length, pos = varint(message, pos)
            value, pos = message[pos : pos + length], pos + length
        else:
            return
        yield number, wire, value


def varint(data, pos):
    result, shift = 0, 0
    while True:
        b = data[pos]
        pos += 1
        result |= (b & 0x7F) << shift
        shift += 7
        if not b & 0x80:
            return result, pos


def tags(event):
    """The summary value tags of a serialized Event (field 5: summary; its field 1: values)."""
    for number, wire, value in fields(event):
        if number == 5 and wire == 2:
            for n, w, v in fields(value):
                if n == 1 and w == 2:
                    for n2, w2, v2 in fields(v):
                        if n2 == 1 and w2 == 2:
                            yield v2.decode("utf-8", "replace")


PLUGINS = {"pr_curves": "prcurves", "audio": "audio", "custom_scalars": "customscalars", "mesh": "meshes"}


def piece(data):
    return struct.pack("<H", len(data)) + data


def plugin_values(event):
    """{decoder: [(plugin content, tensor bytes)]} of a serialized Event's summary values."""
    out = {}
    for number, wire, value in fields(event):
        if number != 5 or wire != 2:
            continue
        for n, w, v in fields(value):
            if n != 1 or w != 2:
                continue
            plugin, content, tensor, audio = b"", b"", None, None
            for n2, w2, v2 in fields(v):
                if n2 == 9 and w2 == 2:  # metadata
                    for n3, w3, v3 in fields(v2):
                        if n3 == 1 and w3 == 2:  # plugin_data
                            for n4, w4, v4 in fields(v3):
                                if n4 == 1 and w4 == 2:
                                    plugin = v4
                                elif n4 == 2 and w4 == 2:
                                    content = v4
                elif n2 == 8 and w2 == 2:
                    tensor = v2
                elif n2 == 6 and w2 == 2:  # legacy Summary.Audio: its encoded_audio_string
                    audio = next((v3 for n3, w3, v3 in fields(v2) if n3 == 4 and w3 == 2), b"")
                    plugin = plugin or b"audio"
            decoder = PLUGINS.get(plugin.decode("utf-8", "replace"))
            if decoder and (tensor is not None or audio is not None):
                out.setdefault(decoder, []).append((content, tensor if tensor is not None else audio))
    return out


def wav(samples, rate=8000):
    """A small mono 16-bit PCM WAV file (the audio plugin's clip format)."""
    import io
    import wave
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(b"".join(struct.pack("<h", x) for x in samples))
    return buffer.getvalue()


LISTINGS = [
    '<?xml version="1.0" encoding="UTF-8"?>\n<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">'
    "<Name>logs</Name><Prefix>runs/</Prefix><KeyCount>2</KeyCount><MaxKeys>1000</MaxKeys><IsTruncated>false</IsTruncated>"
    "<Contents><Key>runs/a/events.out.tfevents.1.host</Key><LastModified>2026-01-01T00:00:00.000Z</LastModified>"
    "<ETag>&quot;9b2cf535f27731c974343645a3985328&quot;</ETag><Size>4096</Size><StorageClass>STANDARD</StorageClass></Contents>"
    "<Contents><Key>runs/b/x &amp; y/events.out.tfevents.2.host.gz</Key><LastModified>2026-01-01T00:00:01.000Z</LastModified>"
    '<ETag>"d41d8cd98f00b204e9800998ecf8427e-2"</ETag><Size>0</Size></Contents></ListBucketResult>',
    "<ListBucketResult><IsTruncated>true</IsTruncated><NextContinuationToken>1ueGcxLPRx1Tr/XYExHnhbYLgveDs2J/wm36Hy4vbOwM="
    "</NextContinuationToken><Contents><Key>p/events.out.tfevents.3</Key><Size>12</Size><ETag>&#34;e&#x22;</ETag>"
    "<LastModified>x</LastModified></Contents></ListBucketResult>",
    "<Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message></Error>",
]


def write(kind, name, data):
    os.makedirs(os.path.join(CORPUS, kind), exist_ok=True)
    with open(os.path.join(CORPUS, kind, name), "wb") as f:
        f.write(data)


def main():
    files = []
    for directory, _, names in sorted(os.walk(FIXTURES)):
        files += [os.path.join(directory, n) for n in sorted(names) if ".tfevents." in n]
    runs = {}
    for index, path in enumerate(files):
        recs = records(path)
        run = os.path.relpath(os.path.dirname(path), FIXTURES)
        runs.setdefault(run, set()).update(t for r in recs for t in tags(r))
        # tfrecord: prefixes cut at a record boundary, under several parameter choices.
        prefix = b""
        for r in recs:
            if len(prefix) + len(r) + 16 > 4096:
                break
            prefix += frame(r)
        for p, params in enumerate([bytes(8), bytes([1, 40, 7, 3, 4, 1, 2, 3]), bytes([0, 0, 255, 0, 15, 9, 9, 9])]):
            write("tfrecord", f"{index:02d}-{p}", params + prefix)
        # events mode 0: single events; mode 1: short records, length-prefixed; mode 2: gzip.
        for k, r in enumerate(recs[:12]):
            if len(r) <= 4096:
                write("events", f"{index:02d}-event-{k:02d}", bytes([0, 0, 0, 0]) + r)
        short = [r for r in recs if len(r) < 256][:10]
        listed = b"".join(bytes([len(r)]) + r for r in short)
        write("events", f"{index:02d}-plain", bytes([1, 16, 0, 0]) + listed)
        write("events", f"{index:02d}-gzip-members", bytes([1, 3, 5, 0]) + listed)
        members = b"".join(gzip.compress(frame(r), mtime=0) for r in short[:4])
        write("events", f"{index:02d}-gzip-file", bytes([2, 200, 0, 0]) + members)
        write("events", f"{index:02d}-gzip-one-member", bytes([2, 7, 0, 0]) + gzip.compress(prefix[:2048], mtime=0))
        # decoders: the plugin summary values of each event.
        for k, r in enumerate(recs):
            for decoder, values in plugin_values(r).items():
                data = b"".join(piece(c) + piece(t) for c, t in values[:4])
                if len(data) <= 8192:
                    write(decoder, f"{index:02d}-{k:03d}", data)
    write("audio", "legacy-wav", piece(b"") + piece(wav([0, 1000, -1000, 32767, -32768, 5])))
    for directory, _, names in sorted(os.walk(FIXTURES)):
        if "projector_config.pbtxt" not in names:
            continue
        config = open(os.path.join(directory, "projector_config.pbtxt"), "rb").read()
        tensors = []
        for sub, _, files in os.walk(directory):
            tensors += [os.path.join(sub, f) for f in sorted(files) if f.startswith("tensors.")]
        for t, path in enumerate(sorted(tensors)):
            name = os.path.relpath(directory, FIXTURES).replace("/", "-")
            write("projector", f"{name}-{t}", config + b"\0" + open(path, "rb").read()[:2048])
    for k, listing in enumerate(LISTINGS):
        write("s3list", f"{k}", listing.encode())
    # query: every endpoint, over the fixtures' runs and tags.
    endpoints = ["runs", "tags", "status", "hparams", "customscalars", "scalars", "histograms", "distributions", "images",
                 "image", "text", "prcurves", "audio", "audioclip"]
    k = 0
    for run, run_tags in sorted(runs.items()):
        for tag in sorted(run_tags)[:6]:
            for endpoint in endpoints[5:]:
                query = urllib.parse.urlencode({"run": run, "tag": tag})
                extra = {"scalars": "&points=5&format=csv", "image": "&index=0", "audioclip": "&index=0"}.get(endpoint, "")
                write("query", f"{k:03d}", f"{endpoint}\n{query}{extra}".encode())
                k += 1
    # The hostile run that fuzz-query adds to the fixtures (its name is also each of its tags).
    for name in ["../../etc/passwd", "<script>alert(1)</script>", "\x00\x01\x1f\x7f", "/absolute", "%2e%2e%2f"]:
        for endpoint in ["scalars", "histograms"]:
            query = urllib.parse.urlencode({"run": "../../etc/passwd", "tag": name, "points": "2"})
            write("query", f"{k:03d}", f"{endpoint}\n{query}".encode())
            k += 1
    for endpoint in endpoints[:5]:
        write("query", f"{k:03d}", f"{endpoint}\n".encode())
        k += 1
    # The graph view's extras: a Keras conceptual graph, step statistics.
    for query in ["run=graph_extras/keras&conceptual=true&tag=functional&expand=two_towers",
                  "run=graph_extras/tf1_trace&stats=step_0&expand=layer1"]:
        write("query", f"{k:03d}", f"graph\n{query}".encode())
        k += 1
    words = set(endpoints) | {"run", "tag", "points", "format", "index", "csv", "json", "graph", "conceptual", "stats",
                              "expand", "search", "true"}
    words |= set(runs) | {t for ts in runs.values() for t in ts}
    os.makedirs(os.path.join(ROOT, "fuzz", "dicts"), exist_ok=True)
    with open(os.path.join(ROOT, "fuzz", "dicts", "query.dict"), "w") as f:
        f.write("# Words of the board's API and the fixtures' run and tag names (fuzz/make_seeds.py).\n")
        for word in sorted(words):
            f.write('"' + "".join(c if c.isalnum() or c in "/_-. " else "\\x%02X" % ord(c) for c in word) + '"\n')
        for token in ["=", "&", "%", "%2F", "%00", "+", "?", "#", "\\x0A", "-1", "0", "99999999999999999999",
                      "../../etc/passwd", "%3Cscript%3E", "%2e%2e%2f", "/absolute", "%22quoted%5C%22"]:
            f.write('"' + token + '"\n')


if __name__ == "__main__":
    main()
