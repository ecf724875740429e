"""Tests for course/data.py. None of them touches the network."""

import gzip
import hashlib
import io
import os
import shutil
import sys
import urllib.error
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from course import data  # noqa: E402

SHARED = Path(os.environ.get("COURSE_MNIST_DIR")
              or ROOT.parent / "shared/data/mnist")
TEST_FILES = data.FILES["test"]


@pytest.fixture(autouse=True)
def no_network(monkeypatch):
    """Any attempt to open a URL fails the test; the parse cache starts empty."""
    def refuse(url, timeout=None):
        pytest.fail(f"test tried to open {url}")
    monkeypatch.setattr(data, "_urlopen", refuse)
    monkeypatch.setattr(data, "_CACHE", {})


def offline(calls):
    def urlopen(url, timeout=None):
        calls.append(url)
        raise urllib.error.URLError("no internet in the test")
    return urlopen


def copy_test_split(folder):
    folder.mkdir(parents=True, exist_ok=True)
    for name in TEST_FILES:
        shutil.copyfile(SHARED / name, folder / name)
    return folder


def write_idx(path, magic, dims, payload, md5_table=None):
    """Write a small gzip'ed IDX file; register its md5 in md5_table if given."""
    header = magic.to_bytes(4, "big") + b"".join(d.to_bytes(4, "big") for d in dims)
    path.write_bytes(gzip.compress(header + bytes(payload)))
    if md5_table is not None:
        md5_table[path.name] = hashlib.md5(path.read_bytes()).hexdigest()


@pytest.fixture
def md5_table(monkeypatch):
    """A private copy of the MNIST md5 table, so crafted files can pass the md5 check."""
    table = dict(data.MNIST_MD5)
    monkeypatch.setitem(data.DATASETS["mnist"], "md5", table)
    return table


# --- the real test split ------------------------------------------------------

def test_real_test_split():
    images, labels = data.load_mnist("test", directory=SHARED, download=False)
    assert images.shape == (10000, 28, 28) and images.dtype == np.uint8
    assert labels.shape == (10000,) and labels.dtype == np.uint8
    assert labels.min() == 0 and labels.max() == 9
    assert labels[0] == 7 and list(labels[:5]) == [7, 2, 1, 0, 4]
    assert images.max() == 255 and images[0].any()
    assert images.flags.writeable  # callers get their own copy, not the cache


def test_env_var_and_directory_resolution(monkeypatch, tmp_path):
    monkeypatch.setenv("COURSE_MNIST_DIR", str(SHARED))
    images, _ = data.load_mnist("test", download=False)
    assert images.shape == (10000, 28, 28)
    assert data.data_directory("mnist", tmp_path) == tmp_path
    assert data.data_directory("mnist") == SHARED
    monkeypatch.delenv("COURSE_MNIST_DIR")
    monkeypatch.delenv("COURSE_FASHION_MNIST_DIR", raising=False)
    monkeypatch.setenv("COURSE_DATA_DIR", str(tmp_path))
    assert data.data_directory("fashion_mnist") == tmp_path / "fashion_mnist"
    monkeypatch.delenv("COURSE_DATA_DIR")
    monkeypatch.setenv("HOME", str(tmp_path))
    assert data.data_directory("mnist") == tmp_path / ".cache/convnets-course/mnist"


@pytest.mark.parametrize("split", ["training", "val", "", None])
def test_bad_split_name(split):
    with pytest.raises(ValueError, match="'train' or 'test'"):
        data.load_mnist(split, directory=SHARED, download=False)
    with pytest.raises(ValueError, match="'train' or 'test'"):
        data.load_fashion_mnist(split, directory=SHARED, download=False)


# --- corrupt files ------------------------------------------------------------

def test_flipped_byte_is_an_md5_error(tmp_path):
    folder = copy_test_split(tmp_path)
    raw = bytearray((folder / TEST_FILES[1]).read_bytes())
    raw[len(raw) // 2] ^= 0xFF
    (folder / TEST_FILES[1]).write_bytes(bytes(raw))
    with pytest.raises(data.DatasetError) as err:
        data.load_mnist("test", directory=folder)
    message = str(err.value)
    assert TEST_FILES[1] in message and data.MNIST_MD5[TEST_FILES[1]] in message
    assert hashlib.md5(raw).hexdigest() in message
    assert "Delete it" in message and "downloaded again" in message


def test_truncated_gzip(tmp_path, md5_table):
    folder = copy_test_split(tmp_path)
    path = folder / TEST_FILES[0]
    path.write_bytes(path.read_bytes()[:100_000])
    md5_table[path.name] = hashlib.md5(path.read_bytes()).hexdigest()
    with pytest.raises(data.DatasetError, match="not a complete gzip file") as err:
        data.load_mnist("test", directory=folder)
    assert str(path) in str(err.value)


def test_truncated_file_is_caught_by_md5(tmp_path):
    folder = copy_test_split(tmp_path)
    path = folder / TEST_FILES[0]
    path.write_bytes(path.read_bytes()[:100_000])
    with pytest.raises(data.DatasetError, match="md5"):
        data.load_mnist("test", directory=folder)


def test_wrong_magic(tmp_path, md5_table):
    copy_test_split(tmp_path)
    write_idx(tmp_path / TEST_FILES[0], 2049, [3, 28, 28], bytes(3 * 784), md5_table)
    with pytest.raises(data.DatasetError) as err:
        data.load_mnist("test", directory=tmp_path)
    message = str(err.value)
    assert TEST_FILES[0] in message and "2049" in message and "expected 2051" in message


def test_payload_length_must_match_header(tmp_path, md5_table):
    copy_test_split(tmp_path)
    write_idx(tmp_path / TEST_FILES[0], 2051, [3, 28, 28], bytes(2 * 784), md5_table)
    with pytest.raises(data.DatasetError, match="holds 1568") as err:
        data.load_mnist("test", directory=tmp_path)
    assert TEST_FILES[0] in str(err.value) and "2352" in str(err.value)


def test_image_size_must_be_28x28(tmp_path, md5_table):
    copy_test_split(tmp_path)
    write_idx(tmp_path / TEST_FILES[0], 2051, [2, 32, 32], bytes(2 * 1024), md5_table)
    with pytest.raises(data.DatasetError, match="32x32, expected 28x28"):
        data.load_mnist("test", directory=tmp_path)


def test_count_mismatch(tmp_path, md5_table):
    write_idx(tmp_path / TEST_FILES[0], 2051, [3, 28, 28], bytes(3 * 784), md5_table)
    write_idx(tmp_path / TEST_FILES[1], 2049, [2], [1, 2], md5_table)
    with pytest.raises(data.DatasetError) as err:
        data.load_mnist("test", directory=tmp_path)
    message = str(err.value)
    assert "3 images" in message and "2 labels" in message and TEST_FILES[1] in message


def test_small_crafted_files_load(tmp_path, md5_table):
    write_idx(tmp_path / TEST_FILES[0], 2051, [2, 28, 28], bytes(2 * 784), md5_table)
    write_idx(tmp_path / TEST_FILES[1], 2049, [2], [3, 9], md5_table)
    images, labels = data.load_mnist("test", directory=tmp_path)
    assert images.shape == (2, 28, 28) and list(labels) == [3, 9]


def test_parse_idx_short_header():
    with pytest.raises(data.DatasetError, match="too short"):
        data.parse_idx(b"\x00\x00\x08", "labels", "x.gz")


# --- downloading --------------------------------------------------------------

def test_offline_missing_file_lists_urls(tmp_path, monkeypatch):
    calls = []
    monkeypatch.setattr(data, "_urlopen", offline(calls))
    with pytest.raises(data.DatasetError) as err:
        data.load_mnist("test", directory=tmp_path)
    message = str(err.value)
    assert calls == [m + TEST_FILES[0] for m in data.DATASETS["mnist"]["mirrors"]]
    assert all(url in message for url in calls)
    assert TEST_FILES[0] in message and str(tmp_path) in message
    assert "COURSE_MNIST_DIR" in message
    assert list(tmp_path.iterdir()) == []  # no partial file left behind


def test_download_false_never_calls_the_opener(tmp_path):
    # the autouse fixture fails the test if the opener is called
    with pytest.raises(data.DatasetError) as err:
        data.load_fashion_mnist("train", directory=tmp_path, download=False)
    message = str(err.value)
    assert "download=False" in message and "train-images-idx3-ubyte.gz" in message
    assert str(tmp_path) in message and "COURSE_FASHION_MNIST_DIR" in message


def test_simulated_download(tmp_path, monkeypatch, capsys):
    calls = []

    def fake_urlopen(url, timeout=None):
        calls.append(url)
        if "ossci" in url:  # first mirror down, second one serves the real file
            raise urllib.error.URLError("first mirror down")
        return io.BytesIO((SHARED / url.rsplit("/", 1)[1]).read_bytes())

    monkeypatch.setattr(data, "_urlopen", fake_urlopen)
    folder = tmp_path / "new" / "mnist"
    images, labels = data.load_mnist("test", directory=folder)
    assert images.shape == (10000, 28, 28) and labels[0] == 7
    assert sorted(p.name for p in folder.iterdir()) == sorted(TEST_FILES)
    assert len(calls) == 4
    assert capsys.readouterr().err == ""
    monkeypatch.setattr(data, "_CACHE", {})
    data.load_mnist("test", directory=folder)  # now cached on disk: no more calls
    assert len(calls) == 4


def test_download_with_wrong_md5_is_rejected(tmp_path, monkeypatch):
    monkeypatch.setattr(data, "_urlopen", lambda url, timeout=None: io.BytesIO(b"not mnist"))
    with pytest.raises(data.DatasetError, match="wrong md5"):
        data.load_mnist("test", directory=tmp_path)
    assert list(tmp_path.iterdir()) == []


# --- train / validation split ---------------------------------------------------

def test_fallback_split_uses_test_images(tmp_path, monkeypatch, capsys):
    calls = []
    monkeypatch.setattr(data, "_urlopen", offline(calls))
    for name in TEST_FILES + ("train-labels-idx1-ubyte.gz",):
        (tmp_path / name).symlink_to(SHARED / name)
    (x_train, y_train), (x_val, y_val) = data.load_mnist_splits(directory=tmp_path)
    assert x_train.shape == (8000, 28, 28) and y_train.shape == (8000,)
    assert x_val.shape == (2000, 28, 28) and y_val.shape == (2000,)
    assert x_train.dtype == x_val.dtype == np.uint8
    # disjoint: together they are exactly the 10,000 test images
    test_images, _ = data.load_mnist("test", directory=SHARED, download=False)
    rows = {img.tobytes() for img in test_images}
    train_rows = {img.tobytes() for img in x_train}
    val_rows = {img.tobytes() for img in x_val}
    assert train_rows | val_rows == rows and not train_rows & val_rows
    captured = capsys.readouterr()
    assert captured.err == ""
    notices = [line for line in captured.out.splitlines() if line.startswith("Note:")]
    assert len(notices) == 1 and "8,000" in notices[0] and "test images" in notices[0]
    # same seed, same split
    again = data.load_mnist_splits(directory=tmp_path)
    assert np.array_equal(again[1][1], y_val)


def test_splits_use_real_train_when_present(tmp_path, md5_table, capsys):
    write_idx(tmp_path / "train-images-idx3-ubyte.gz", 2051, [10, 28, 28],
              np.arange(10).repeat(784).astype(np.uint8), md5_table)
    write_idx(tmp_path / "train-labels-idx1-ubyte.gz", 2049, [10], range(10), md5_table)
    (x_train, y_train), (x_val, y_val) = data.load_mnist_splits(n_val=3, directory=tmp_path)
    assert len(x_train) == 7 and len(x_val) == 3
    assert sorted(list(y_train) + list(y_val)) == list(range(10))
    assert np.all(x_val[:, 0, 0] == y_val)
    assert capsys.readouterr().out == ""


def test_fallback_with_download_false_and_bad_n_val(tmp_path):
    copy_test_split(tmp_path)
    with pytest.raises(ValueError, match="n_val"):
        data.load_mnist_splits(n_val=10000, directory=tmp_path, download=False)
