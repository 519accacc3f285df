"""Tiny files in exactly the datasets' standard formats (the loaders' tests; nothing is downloaded).

    write_idx(path, array)                  LeCun's IDX format, gzip-compressed when path ends in .gz
    write_mnist(folder, train, test)        the four IDX files of MNIST / FashionMNIST
    write_cifar(folder, train, test)        data_batch_1..5 and test_batch (pickled dicts, bytes keys)
    write_svhn(folder, train, test)         train_32x32.mat, test_32x32.mat (X: 32x32x3xN, y: Nx1, 10 = digit 0)
Each (images, labels) pair is uint8 images and integer labels.
"""
from __future__ import annotations

import gzip
import pickle
import struct
from pathlib import Path

import numpy as np


def write_idx(path, arr: np.ndarray) -> None:
    arr = np.ascontiguousarray(arr, dtype=np.uint8)
    raw = struct.pack(">HBB", 0, 0x08, arr.ndim) + struct.pack(">" + "i" * arr.ndim, *arr.shape) + arr.tobytes()
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.suffix == ".gz":
        with gzip.open(path, "wb") as fh:
            fh.write(raw)
    else:
        path.write_bytes(raw)


def images(rng, n, shape):
    return rng.integers(0, 256, size=(n, *shape), dtype=np.uint8)


def write_mnist(folder, train, test, gz=True) -> None:
    ext = ".gz" if gz else ""
    for prefix, (img, lab) in (("train", train), ("t10k", test)):
        write_idx(Path(folder) / f"{prefix}-images-idx3-ubyte{ext}", img)
        write_idx(Path(folder) / f"{prefix}-labels-idx1-ubyte{ext}", np.asarray(lab, dtype=np.uint8))


def write_cifar(folder, train, test) -> None:
    """train images N x 32 x 32 x 3 (HWC); stored channel-major (N x 3072), as the real batches are."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    img, lab = train
    parts = np.array_split(np.arange(len(lab)), 5)
    for i, idx in enumerate(parts, 1):
        _batch(folder / f"data_batch_{i}", img[idx], np.asarray(lab)[idx])
    _batch(folder / "test_batch", *test)


def _batch(path, img, lab) -> None:
    data = np.ascontiguousarray(np.asarray(img, dtype=np.uint8).transpose(0, 3, 1, 2)).reshape(len(lab), 3072)
    with open(path, "wb") as fh:
        pickle.dump({b"batch_label": b"fake", b"labels": [int(x) for x in lab], b"data": data,
                     b"filenames": [b"x.png"] * len(lab)}, fh, protocol=2)


def write_svhn(folder, train, test) -> None:
    """Labels as digits 0..9; stored with the format's 10 for the digit 0."""
    from scipy.io import savemat

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    for split, (img, lab) in (("train", train), ("test", test)):
        y = np.where(np.asarray(lab) == 0, 10, lab).reshape(-1, 1).astype(np.uint8)
        savemat(folder / f"{split}_32x32.mat", {"X": np.moveaxis(np.asarray(img, dtype=np.uint8), 0, 3), "y": y})
