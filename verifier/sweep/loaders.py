"""The datasets of the paper's Section 4 (Figure 1), read from their standard files as users have them.

* MNIST and FashionMNIST: the IDX files ``train-images-idx3-ubyte.gz``, ``train-labels-idx1-ubyte.gz``,
  ``t10k-images-idx3-ubyte.gz``, ``t10k-labels-idx1-ubyte.gz`` (gzip, or uncompressed without ``.gz``);
  28 x 28 grayscale already.
* CIFAR-10: the "python version" batches ``data_batch_1`` ... ``data_batch_5`` and ``test_batch`` (pickled
  dicts with ``data``, N x 3072 uint8 in channel-major order, and ``labels``). They are read with an
  unpickler that admits only what such a batch contains (numpy arrays, lists, bytes): a crafted file
  cannot run code.
* SVHN: the cropped-digit files ``train_32x32.mat`` and ``test_32x32.mat`` (MATLAB v5, read by scipy):
  ``X`` of shape 32 x 32 x 3 x N, ``y`` of shape N x 1 with labels 1..10, where 10 is the digit 0.

Section 4: "All data samples are converted to gray scale and resized into a 28 x 28 pixel image." For
the color sets this is done with Pillow as torchvision's ``Grayscale()`` and ``Resize(28)`` do on PIL
images: ITU-R 601-2 luma (L = 299/1000 R + 587/1000 G + 114/1000 B) and bilinear resampling. The paper
does not say which library or filter it used; that is one of the settings we could not recover.
Nothing is downloaded: a missing file is a DataError that names the files and the folders searched.
"""
from __future__ import annotations

import gzip
import pickle
import struct
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..data import DataError

__all__ = ["RawSplit", "load_standard", "features", "EXPECTED_FILES", "SEARCHED_FOLDERS", "read_idx"]

EXPECTED_FILES = {
    "mnist": ("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz", "t10k-images-idx3-ubyte.gz",
              "t10k-labels-idx1-ubyte.gz"),
    "fashion-mnist": ("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz", "t10k-images-idx3-ubyte.gz",
                      "t10k-labels-idx1-ubyte.gz"),
    "cifar10": ("data_batch_1", "data_batch_2", "data_batch_3", "data_batch_4", "data_batch_5", "test_batch"),
    "svhn": ("train_32x32.mat", "test_32x32.mat"),
}
#: Folders (relative to --data-dir) searched, in order: the names the datasets' own archives and
#: torchvision's download folders use. MNIST and FashionMNIST share file names, so neither is read
#: from --data-dir itself.
SEARCHED_FOLDERS = {
    "mnist": ("mnist", "MNIST", "MNIST/raw", "mnist/raw"),
    "fashion-mnist": ("fashion-mnist", "FashionMNIST", "FashionMNIST/raw", "fashion_mnist", "fashion-mnist/raw",
                      "fashion_mnist/raw"),
    "cifar10": ("cifar-10-batches-py", "cifar10/cifar-10-batches-py", "cifar10", "CIFAR10", "cifar-10"),
    "svhn": (".", "svhn", "SVHN"),
}


@dataclass
class RawSplit:
    """Images as stored (uint8) and integer class labels (SVHN's 10 already mapped to 0)."""
    images: np.ndarray
    labels: np.ndarray


def _find(name: str, data_dir) -> Path:
    root = Path(data_dir)
    if not root.is_dir():
        raise DataError(f"{name}: --data-dir {data_dir} is not a folder")
    first = EXPECTED_FILES[name][0]
    for sub in SEARCHED_FOLDERS[name]:
        folder = root / sub
        if (folder / first).is_file() or (name in ("mnist", "fashion-mnist") and (folder / first[:-3]).is_file()):
            missing = [f for f in EXPECTED_FILES[name]
                       if not ((folder / f).is_file() or (f.endswith(".gz") and (folder / f[:-3]).is_file()))]
            if missing:
                raise DataError(f"{name}: {folder} has {first} but lacks {', '.join(missing)} "
                                f"(expected {', '.join(EXPECTED_FILES[name])})")
            return folder
    looked = ", ".join(str(root / s) for s in SEARCHED_FOLDERS[name])
    raise DataError(f"{name}: cannot find its files {', '.join(EXPECTED_FILES[name])} (looked in {looked}); "
                    "nothing is downloaded: put the dataset's standard files in one of these folders")


def read_idx(path) -> np.ndarray:
    """An IDX file (LeCun's MNIST format: magic 0x0000 08 NDIM, big-endian int32 sizes, then unsigned bytes),
    gzip-compressed when the name ends in .gz."""
    path = Path(path)
    opener = gzip.open if path.suffix == ".gz" else open
    try:
        with opener(path, "rb") as fh:
            raw = fh.read()
    except (OSError, EOFError) as exc:
        raise DataError(f"{path}: cannot read ({type(exc).__name__}: {exc})") from None
    if len(raw) < 4:
        raise DataError(f"{path}: not an IDX file (only {len(raw)} bytes)")
    zero, dtype_code, ndim = struct.unpack(">HBB", raw[:4])
    if zero != 0 or dtype_code != 0x08 or not 1 <= ndim <= 4:
        raise DataError(f"{path}: not an IDX file of unsigned bytes (magic {raw[:4].hex()}, expected 000008 + ndim)")
    header = 4 + 4 * ndim
    dims = struct.unpack(">" + "i" * ndim, raw[4:header])
    size = int(np.prod(dims))
    if len(raw) - header != size:
        raise DataError(f"{path}: IDX header announces {dims} = {size} bytes, the file holds {len(raw) - header}")
    return np.frombuffer(raw, dtype=np.uint8, offset=header).reshape(dims)


def _idx_file(folder: Path, name: str) -> Path:
    p = folder / name
    return p if p.is_file() else folder / name[:-3]


def _load_mnist_like(name: str, folder: Path):
    out = []
    for prefix in ("train", "t10k"):
        images = read_idx(_idx_file(folder, f"{prefix}-images-idx3-ubyte.gz"))
        labels = read_idx(_idx_file(folder, f"{prefix}-labels-idx1-ubyte.gz"))
        if images.ndim != 3 or labels.ndim != 1 or images.shape[0] != labels.shape[0]:
            raise DataError(f"{name}: {prefix} images {images.shape} and labels {labels.shape} do not match "
                            "(expected N x 28 x 28 and N)")
        out.append(RawSplit(images, labels.astype(np.int64)))
    return out[0], out[1]


class _BatchUnpickler(pickle.Unpickler):
    """Admits only the globals a CIFAR-10 python batch needs (numpy array reconstruction, bytes decoding)."""
    _ALLOWED = {("numpy.core.multiarray", "_reconstruct"), ("numpy._core.multiarray", "_reconstruct"),
                ("numpy", "ndarray"), ("numpy", "dtype"), ("_codecs", "encode"),
                ("numpy.core.multiarray", "scalar"), ("numpy._core.multiarray", "scalar")}

    def find_class(self, module, name):
        if (module, name) in self._ALLOWED:
            return super().find_class(module, name)
        raise pickle.UnpicklingError(f"global '{module}.{name}' is not part of a CIFAR-10 batch")


def _read_cifar_batch(path: Path):
    try:
        with open(path, "rb") as fh:
            d = _BatchUnpickler(fh, encoding="bytes").load()
    except (OSError, EOFError, pickle.UnpicklingError, ValueError, TypeError) as exc:
        raise DataError(f"{path}: not a CIFAR-10 python batch ({type(exc).__name__}: {exc})") from None
    if not isinstance(d, dict):
        raise DataError(f"{path}: not a CIFAR-10 python batch (a {type(d).__name__}, expected a dict)")
    d = {(k.decode() if isinstance(k, bytes) else k): v for k, v in d.items()}
    if "data" not in d or "labels" not in d:
        raise DataError(f"{path}: CIFAR-10 batch without 'data' and 'labels' (keys: {', '.join(map(str, d))})")
    data = np.asarray(d["data"], dtype=np.uint8)
    labels = np.asarray(d["labels"], dtype=np.int64)
    if data.ndim != 2 or data.shape[1] != 3072 or data.shape[0] != labels.shape[0]:
        raise DataError(f"{path}: CIFAR-10 batch data {data.shape} / labels {labels.shape}; expected N x 3072 and N")
    return data, labels


def _load_cifar(folder: Path):
    parts = [_read_cifar_batch(folder / f"data_batch_{i}") for i in range(1, 6)]
    train = RawSplit(np.concatenate([p[0] for p in parts]), np.concatenate([p[1] for p in parts]))
    data, labels = _read_cifar_batch(folder / "test_batch")
    return train, RawSplit(data, labels)


def _load_svhn(folder: Path):
    from scipy.io import loadmat

    out = []
    for split in ("train", "test"):
        path = folder / f"{split}_32x32.mat"
        try:
            mat = loadmat(path)
        except Exception as exc:
            raise DataError(f"{path}: cannot read as a MATLAB file ({type(exc).__name__}: {exc})") from None
        if "X" not in mat or "y" not in mat:
            raise DataError(f"{path}: SVHN file without 'X' and 'y'")
        X, y = np.asarray(mat["X"]), np.asarray(mat["y"]).reshape(-1).astype(np.int64)
        if X.ndim != 4 or X.shape[:3] != (32, 32, 3) or X.shape[3] != y.shape[0]:
            raise DataError(f"{path}: SVHN X {X.shape} / y {y.shape}; expected 32 x 32 x 3 x N and N")
        y = np.where(y == 10, 0, y)   # the format's label 10 is the digit 0
        out.append(RawSplit(np.ascontiguousarray(np.moveaxis(X, 3, 0)).astype(np.uint8), y))
    return out[0], out[1]


def load_standard(name: str, data_dir) -> tuple[RawSplit, RawSplit]:
    """(train, test) of a standard dataset from its files in data_dir (see the module docstring)."""
    folder = _find(name, data_dir)
    if name in ("mnist", "fashion-mnist"):
        return _load_mnist_like(name, folder)
    if name == "cifar10":
        return _load_cifar(folder)
    if name == "svhn":
        return _load_svhn(folder)
    raise DataError(f"unknown standard dataset '{name}'")


def features(name: str, images: np.ndarray) -> np.ndarray:
    """The paper's preprocessing up to normalization: 28 x 28 grayscale images as rows of length 784
    (float64; the unit-norm step of A2 follows in verifier.data)."""
    if name in ("mnist", "fashion-mnist"):
        return images.reshape(images.shape[0], -1).astype(np.float64)
    from PIL import Image

    if name == "cifar10":
        hwc = images.reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1)
    elif name == "svhn":
        hwc = images
    else:
        raise DataError(f"unknown standard dataset '{name}'")
    out = np.empty((hwc.shape[0], 28 * 28))
    for i, img in enumerate(hwc):
        g = Image.fromarray(np.ascontiguousarray(img, dtype=np.uint8)).convert("L")
        out[i] = np.asarray(g.resize((28, 28), Image.Resampling.BILINEAR), dtype=np.float64).reshape(-1)
    return out
