import numpy as np
import pytest

from verifier.data import PERTURB_SCALE, DataError, check_a2, load_dataset
from verifier.numerics import pairwise_angles


def test_digits_default_is_real_unit_and_pm1():
    ds = load_dataset("digits")
    assert ds.X.shape == (360, 64)  # sklearn digits, classes 0 and 1
    assert np.allclose(np.linalg.norm(ds.X, axis=1), 1.0, atol=1e-15)
    assert set(np.unique(ds.y)) == {-1.0, 1.0}
    assert ds.a2["holds"]
    from sklearn.datasets import load_digits
    Xr, t = load_digits(n_class=2, return_X_y=True)
    assert np.allclose(ds.X, Xr / np.linalg.norm(Xr, axis=1)[:, None])
    assert np.array_equal(ds.y, np.where(t == 1, 1.0, -1.0))


def test_half_angle_accurate_for_nearly_parallel():
    e = 1e-9
    a = np.array([1.0, 0.0])
    b = np.array([np.cos(e), np.sin(e)])
    th = pairwise_angles(np.vstack([a, b]))[0, 1]
    assert abs(th - e) <= 1e-6 * e  # arccos(<a,b>) would return 0 here
    assert np.arccos(np.clip(a @ b, -1, 1)) == 0.0


def _write_npz(tmp_path, X, y, name="d.npz"):
    p = tmp_path / name
    np.savez(p, X=X, y=y)
    return str(p)


def test_parallel_pairs_perturbed_or_refused(tmp_path):
    rng = np.random.default_rng(0)
    X = rng.standard_normal((6, 4))
    X[3] = 2.5 * X[1]      # duplicate direction
    X[5] = -X[0]           # antipodal
    path = _write_npz(tmp_path, X, np.array([1.0, -1.0, 1.0, -1.0, 1.0, -1.0]))
    ds = load_dataset(path, on_parallel="perturb", seed=3)
    assert ds.a2["holds"] and ds.a2["action"] == "perturbed"
    assert sorted(ds.a2["perturbed_rows"]) == [3, 5]
    moved = np.linalg.norm(ds.X[3] - X[3] / np.linalg.norm(X[3]))
    assert 0 < moved < 20 * PERTURB_SCALE
    assert check_a2(ds.X)["min_angle"] > 1e-6
    with pytest.raises(DataError, match="A2 fails"):
        load_dataset(path, on_parallel="refuse")


@pytest.mark.parametrize("X,y,msg", [
    (np.array([[1.0, np.nan], [0.0, 1.0]]), np.array([1.0, -1.0]), "NaN or inf"),
    (np.array([[1.0, np.inf], [0.0, 1.0]]), np.array([1.0, -1.0]), "NaN or inf"),
    (np.array([[1.0, 0.0], [0.0, 0.0]]), np.array([1.0, -1.0]), "row 1 of X is zero"),
    (np.array([[1.0, 0.0], [0.0, 1.0]]), np.array([1.0, -1.0, 1.0]), "2 rows but y has 3"),
    (np.array([[1.0, 0.0]]), np.array([1.0]), "at least n = 2"),
])
def test_bad_npz_input(tmp_path, X, y, msg):
    with pytest.raises(DataError, match=msg):
        load_dataset(_write_npz(tmp_path, X, y))


def test_csv_header_and_bad_cells(tmp_path):
    good = tmp_path / "g.csv"
    good.write_text("a,b,label\n1,0,1\n0,1,-1\n1,1,1\n")
    ds = load_dataset(str(good))
    assert ds.X.shape == (3, 2) and list(ds.y) == [1, -1, 1]
    bad = tmp_path / "b.csv"
    bad.write_text("1,0,1\n0,abc,-1\n")
    with pytest.raises(DataError, match="non-numeric cell 'abc' at line 2, column 2"):
        load_dataset(str(bad))
    with pytest.raises(DataError, match="no such file"):
        load_dataset(str(tmp_path / "missing.csv"))
    with pytest.raises(DataError, match="unknown dataset"):
        load_dataset("mnist")


def test_synthetic_on_sphere():
    ds = load_dataset("synthetic:n=30,d=7,seed=2")
    assert ds.X.shape == (30, 7) and np.allclose(np.linalg.norm(ds.X, axis=1), 1)
    with pytest.raises(DataError, match="unknown key"):
        load_dataset("synthetic:q=3")


def test_labels_outside_pm1_are_refused_with_the_fix_or_mapped(tmp_path):
    rng = np.random.default_rng(1)
    X = rng.standard_normal((6, 3))
    path = _write_npz(tmp_path, X, np.array([0.0, 1.0, 0.0, 1.0, 1.0, 0.0]))
    with pytest.raises(DataError, match=r"labels must be -1/\+1.*--labels 0,1->-1,\+1"):
        load_dataset(path)
    ds = load_dataset(path, labels="0,1->-1,+1")
    np.testing.assert_array_equal(ds.y, [-1, 1, -1, 1, 1, -1])
    three = _write_npz(tmp_path, X, np.array([0.0, 1.0, 2.0, 0.0, 1.0, 2.0]), name="three.npz")
    with pytest.raises(DataError, match="3 distinct"):
        load_dataset(three)
    with pytest.raises(DataError, match="not covered"):
        load_dataset(three, labels="0,1->-1,+1")
    assert load_dataset(three, labels="as-is").y.tolist() == [0.0, 1.0, 2.0, 0.0, 1.0, 2.0]
    with pytest.raises(DataError, match="targets must be -1 or \\+1"):
        load_dataset(path, labels="0,1->0,1")
