"""Writes fixtures/digits/digits.u8 from the copy of the UCI optical-digits data that scikit-learn ships.

Layout: 1,797 records of 65 bytes each: 64 pixel intensities (0..16, row-major 8x8) then the label (0..9).
Run: .venv/bin/python scripts/make_digits_fixture.py   (needs scikit-learn)
"""
import hashlib
import pathlib

import numpy as np
from sklearn.datasets import load_digits

digits = load_digits()
pixels = digits.data.astype(np.uint8)
labels = digits.target.astype(np.uint8)
assert pixels.shape == (1797, 64) and pixels.max() <= 16
records = np.concatenate([pixels, labels[:, None]], axis=1)
out = pathlib.Path(__file__).resolve().parent.parent / "fixtures" / "digits" / "digits.u8"
out.write_bytes(records.tobytes())
print(out, len(records), "records, sha256", hashlib.sha256(records.tobytes()).hexdigest())
