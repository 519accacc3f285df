"""The Figure 1 datasets read from their standard files: tiny files written in exactly those formats."""
import pickle

import numpy as np
import pytest

from tests.sweep.fake_datasets import images, write_cifar, write_idx, write_mnist, write_svhn
from verifier.data import DataError
from verifier.sweep.cells import materialize
from verifier.sweep.loaders import EXPECTED_FILES, features, load_standard, read_idx
from verifier.sweep.spec import SpecError, SweepOptions


@pytest.mark.parametrize("gz", [True, False])
def test_mnist_idx_round_trip(tmp_path, gz):
    rng = np.random.default_rng(0)
    tr = (images(rng, 7, (28, 28)), rng.integers(0, 10, 7))
    te = (images(rng, 3, (28, 28)), rng.integers(0, 10, 3))
    write_mnist(tmp_path / "MNIST" / "raw", tr, te, gz=gz)
    train, test = load_standard("mnist", tmp_path)
    assert np.array_equal(train.images, tr[0]) and np.array_equal(train.labels, tr[1])
    assert np.array_equal(test.images, te[0]) and np.array_equal(test.labels, te[1])
    assert np.array_equal(features("mnist", train.images), tr[0].reshape(7, 784).astype(float))


def test_fashion_mnist_is_its_own_folder(tmp_path):
    rng = np.random.default_rng(1)
    write_mnist(tmp_path / "mnist", (images(rng, 4, (28, 28)), [0, 1, 0, 1]), (images(rng, 2, (28, 28)), [0, 1]))
    with pytest.raises(DataError) as e:
        load_standard("fashion-mnist", tmp_path)
    msg = str(e.value)
    assert "train-images-idx3-ubyte.gz" in msg and "FashionMNIST" in msg and "nothing is downloaded" in msg
    write_mnist(tmp_path / "FashionMNIST" / "raw", (images(rng, 4, (28, 28)), [1, 1, 0, 0]),
                (images(rng, 2, (28, 28)), [0, 1]))
    train, _ = load_standard("fashion-mnist", tmp_path)
    assert list(train.labels) == [1, 1, 0, 0]


def test_idx_header_checked(tmp_path):
    p = tmp_path / "bad.gz"
    write_idx(p, np.zeros((2, 3), np.uint8))
    raw = p.read_bytes()
    import gzip
    with gzip.open(p, "wb") as fh:
        fh.write(gzip.decompress(raw)[:-1])       # one byte short
    with pytest.raises(DataError, match="IDX header announces"):
        read_idx(p)


def test_cifar_batches_and_grayscale(tmp_path):
    """A uniform color image becomes a uniform gray image of luma 299/1000 R + 587/1000 G + 114/1000 B (ITU-R
    601-2, rounded as Pillow does), whatever the resampling: an independent check of the channel order."""
    rgb = [(200, 30, 90), (0, 255, 0), (10, 20, 250)]
    img = np.stack([np.full((32, 32, 3), c, np.uint8) for c in rgb] * 4)
    lab = np.array([0, 1, 2] * 4)
    write_cifar(tmp_path / "cifar-10-batches-py", (img, lab), (img[:3], lab[:3]))
    train, test = load_standard("cifar10", tmp_path)
    assert train.images.shape == (12, 3072) and list(train.labels) == list(lab)
    F = features("cifar10", train.images[:3])
    assert F.shape == (3, 784)
    for row, (r, g, b) in zip(F, rgb):
        luma = (r * 299 + g * 587 + b * 114) / 1000
        assert np.all(row == row[0]) and abs(row[0] - luma) <= 0.5


def test_cifar_unpickler_refuses_code(tmp_path):
    folder = tmp_path / "cifar-10-batches-py"
    folder.mkdir()

    class Evil:
        def __reduce__(self):
            return (print, ("pwned",))

    for name in EXPECTED_FILES["cifar10"]:
        (folder / name).write_bytes(pickle.dumps({b"data": Evil(), b"labels": [0]}, protocol=2))
    with pytest.raises(DataError, match="not part of a CIFAR-10 batch"):
        load_standard("cifar10", tmp_path)


def test_svhn_mat_label_ten_is_zero(tmp_path):
    rng = np.random.default_rng(2)
    img = images(rng, 6, (32, 32, 3))
    lab = np.array([0, 1, 2, 0, 1, 9])
    write_svhn(tmp_path, (img, lab), (img[:2], lab[:2]))
    train, test = load_standard("svhn", tmp_path)
    assert np.array_equal(train.images, img) and list(train.labels) == list(lab)
    assert features("svhn", train.images).shape == (6, 784)


def test_missing_files_named(tmp_path):
    (tmp_path / "svhn").mkdir()
    with pytest.raises(DataError) as e:
        load_standard("svhn", tmp_path)
    assert "train_32x32.mat" in str(e.value) and "test_32x32.mat" in str(e.value)
    (tmp_path / "cifar-10-batches-py").mkdir()
    (tmp_path / "cifar-10-batches-py" / "data_batch_1").write_bytes(b"")
    with pytest.raises(DataError, match="lacks data_batch_2"):
        load_standard("cifar10", tmp_path)


def test_materialize_balanced_classes_and_test_split(tmp_path):
    rng = np.random.default_rng(3)
    lab = np.array([0] * 9 + [1] * 12 + [2] * 5)
    tlab = np.array([0] * 4 + [1] * 4 + [7] * 3)
    write_mnist(tmp_path / "raw" / "mnist", (images(rng, len(lab), (28, 28)), lab), (images(rng, len(tlab), (28, 28)), tlab))
    opts = SweepOptions(test_n=6, data_dir=str(tmp_path / "raw"))
    ref = materialize("mnist", 10, 0, "perturb", opts, tmp_path / "data")
    with np.load(ref.path) as f:
        X, y = f["X"], f["y"]
    with np.load(ref.test_path) as f:
        Xt, yt = f["X"], f["y"]
    assert X.shape == (10, 784) and sorted(y) == [-1.0] * 5 + [1.0] * 5       # 500 per class in the paper
    assert Xt.shape == (6, 784) and sorted(yt) == [-1.0] * 3 + [1.0] * 3
    assert np.allclose(np.linalg.norm(X, axis=1), 1) and np.allclose(np.linalg.norm(Xt, axis=1), 1)
    again = materialize("mnist", 10, 0, "perturb", opts, tmp_path / "data")
    assert again.sha == ref.sha                                                  # seeded: the same subsample
    other = materialize("mnist", 10, 1, "perturb", opts, tmp_path / "data")
    assert other.sha != ref.sha
    with pytest.raises(SpecError, match="asks 10 samples of label 0 .* the data has 9"):
        materialize("mnist", 20, 0, "perturb", opts, tmp_path / "data")


def test_fig1_preset_builds_its_cells_from_the_four_datasets(tmp_path):
    """The paper's protocol end to end up to the runs: 500 + 500 training and test samples of classes 0 and 1
    from each dataset's standard files, 28 x 28 grayscale, 16 cells."""
    from verifier.sweep.cells import expand
    from verifier.sweep.presets import preset_spec

    rng = np.random.default_rng(4)
    lab = np.repeat([0, 1, 2], 520)
    raw = tmp_path / "raw"
    for sub in ("MNIST/raw", "FashionMNIST/raw"):
        write_mnist(raw / sub, (images(rng, len(lab), (28, 28)), lab), (images(rng, len(lab), (28, 28)), lab))
    write_cifar(raw / "cifar-10-batches-py", (images(rng, len(lab), (32, 32, 3)), lab),
                (images(rng, len(lab), (32, 32, 3)), lab))
    write_svhn(raw, (images(rng, len(lab), (32, 32, 3)), lab), (images(rng, len(lab), (32, 32, 3)), lab))
    cells, datas = expand(preset_spec("fig1", data_dir=str(raw)), tmp_path / "data")
    assert len(cells) == 16 and len(datas) == 4
    for ref in datas.values():
        assert (ref.n, ref.d, ref.n_test) == (1000, 784, 1000)
        with np.load(ref.path) as f:
            assert sorted(set(f["y"])) == [-1.0, 1.0] and int(np.sum(f["y"] > 0)) == 500
    assert {c.setting["width"] for c in cells} == {500, 1000, 2000, 4000}
    assert all(c.setting["steps"] == 1000 and c.test_path for c in cells)
