"""Load MNIST and Fashion-MNIST as plain numpy arrays.

    from course.data import load_mnist, load_mnist_splits
    images, labels = load_mnist("test")     # (10000, 28, 28) uint8, (10000,) uint8
    (x_train, y_train), (x_val, y_val) = load_mnist_splits(n_val=2000)

Where the files live
--------------------
The four standard gzip'ed IDX files of a dataset (train-images-idx3-ubyte.gz,
train-labels-idx1-ubyte.gz, t10k-images-idx3-ubyte.gz, t10k-labels-idx1-ubyte.gz)
are looked for in the first of these folders that applies:

1. the ``directory`` argument, if you pass one;
2. the environment variable ``COURSE_MNIST_DIR`` (Fashion-MNIST: ``COURSE_FASHION_MNIST_DIR``);
3. ``$COURSE_DATA_DIR/mnist`` (Fashion-MNIST: ``$COURSE_DATA_DIR/fashion_mnist``);
4. ``~/.cache/convnets-course/mnist`` (Fashion-MNIST: ``~/.cache/convnets-course/fashion_mnist``).

A missing file is downloaded (``download=True``, the default) from the standard mirrors
into that folder. Every file, downloaded or not, is checked against its standard md5
before it is read, and the IDX header (magic number, sizes, length of the data) is checked
too. Anything wrong raises ``DatasetError`` with a message that says what to do; you never
get a silently truncated array.

Offline machines and the training-image fallback
------------------------------------------------
``load_mnist_splits`` gives a train / validation split for the training chapters. It uses
the 60,000 real training images when they are available. When they are not (they are
missing and cannot be downloaded, e.g. on an offline machine that only has the test split)
it falls back to splitting the 10,000 *test* images (8,000 train / 2,000 validation with
the default ``n_val``) and prints one line to stdout saying so. In that mode there is no
independent test set: do not also report accuracy on ``load_mnist("test")``.

Nothing in this module writes to stderr; progress and notices go to stdout.
"""

import gzip
import hashlib
import http.client
import math
import os
import tempfile
import urllib.request
import zlib
from pathlib import Path

import numpy as np


class DatasetError(RuntimeError):
    """A dataset file is missing, corrupt or not what it should be."""


class DatasetNotFoundError(DatasetError):
    """A dataset file is missing and could not be downloaded."""


FILES = {
    "train": ("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz"),
    "test": ("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"),
}

MNIST_MD5 = {
    "train-images-idx3-ubyte.gz": "f68b3c2dcbeaaa9fbdd348bbdeb94873",
    "train-labels-idx1-ubyte.gz": "d53e105ee54ea40749a09fcbcd1e9432",
    "t10k-images-idx3-ubyte.gz": "9fb629c4189551a2d022fa330f9573f3",
    "t10k-labels-idx1-ubyte.gz": "ec29112dd5afa0611ce80d1b7f02629c",
}

# Same values as torchvision.datasets.FashionMNIST.resources.
FASHION_MNIST_MD5 = {
    "train-images-idx3-ubyte.gz": "8d4fb7e6c68d591d4c3dfef9ec88bf0d",
    "train-labels-idx1-ubyte.gz": "25c81989df183df01b3e8a0aad5dffbe",
    "t10k-images-idx3-ubyte.gz": "bef4ecab320f06d8554ea6380940ec79",
    "t10k-labels-idx1-ubyte.gz": "bb300cfdad3c16e7a12a480ee83cd310",
}

DATASETS = {
    "mnist": {
        "title": "MNIST",
        "env": "COURSE_MNIST_DIR",
        "md5": MNIST_MD5,
        "mirrors": [
            "https://ossci-datasets.s3.amazonaws.com/mnist/",
            "https://storage.googleapis.com/cvdf-datasets/mnist/",
        ],
    },
    "fashion_mnist": {
        "title": "Fashion-MNIST",
        "env": "COURSE_FASHION_MNIST_DIR",
        "md5": FASHION_MNIST_MD5,
        "mirrors": ["http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/"],
    },
}

# IDX magic numbers: 0x0000 0x08 (unsigned bytes) then the number of dimensions.
MAGIC = {"images": 2051, "labels": 2049}

TIMEOUT = 30                        # seconds, per download attempt
_urlopen = urllib.request.urlopen   # tests replace this to stay off the network
_CACHE = {}                         # (path, size, mtime, md5) -> read-only array


def data_directory(name="mnist", directory=None):
    """Folder where the files of dataset `name` are looked for (see the module docstring).

    Inputs:  name: "mnist" or "fashion_mnist"; directory: str/Path or None.
    Returns: a pathlib.Path (it may not exist yet).
    """
    if directory is not None:
        return Path(directory).expanduser()
    if os.environ.get(DATASETS[name]["env"]):
        return Path(os.environ[DATASETS[name]["env"]]).expanduser()
    if os.environ.get("COURSE_DATA_DIR"):
        return Path(os.environ["COURSE_DATA_DIR"]).expanduser() / name
    return Path.home() / ".cache" / "convnets-course" / name


def parse_idx(raw, kind, source):
    """Check and decode the (already gunzipped) bytes of an IDX file.

    Inputs:  raw: bytes; kind: "images" or "labels"; source: file name for error messages.
    Returns: uint8 array, (N, 28, 28) for images or (N,) for labels (read-only view of raw).
    """
    magic = MAGIC[kind]
    ndim = magic & 0xFF
    header = 4 + 4 * ndim
    if len(raw) < header:
        raise DatasetError(f"{source}: only {len(raw)} bytes, too short for the "
                           f"{header}-byte header of an IDX {kind} file.")
    found = int.from_bytes(raw[:4], "big")
    if found != magic:
        raise DatasetError(f"{source}: magic number is {found}, expected {magic} "
                           f"for an IDX {kind} file. Is this the right file?")
    shape = tuple(int.from_bytes(raw[4 + 4 * i: 8 + 4 * i], "big") for i in range(ndim))
    if kind == "images" and shape[1:] != (28, 28):
        raise DatasetError(f"{source}: images are {shape[1]}x{shape[2]}, expected 28x28.")
    expected, payload = math.prod(shape), len(raw) - header
    if payload != expected:
        raise DatasetError(f"{source}: the header announces {kind} of shape {shape}, i.e. "
                           f"{expected} bytes of data, but the file holds {payload}.")
    return np.frombuffer(raw, dtype=np.uint8, offset=header).reshape(shape)


def _md5(path):
    digest = hashlib.md5()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def read_verified(path, kind, expected_md5):
    """Check the md5 of a gzip'ed IDX file, then decode it (memoised per file).

    Inputs:  path: Path; kind: "images" or "labels"; expected_md5: hex string.
    Returns: read-only uint8 array, (N, 28, 28) or (N,).
    """
    stat = path.stat()
    key = (str(path.resolve()), stat.st_size, stat.st_mtime_ns, expected_md5)
    if key not in _CACHE:
        actual = _md5(path)
        if actual != expected_md5:
            raise DatasetError(
                f"{path} is corrupt or not the standard file: its md5 is {actual}, "
                f"expected {expected_md5}. Delete it; it will be downloaded again the "
                f"next time you load the data (or copy a good file there).")
        try:
            with gzip.open(path, "rb") as f:
                raw = f.read()
        except (EOFError, OSError, zlib.error) as err:
            raise DatasetError(f"{path} is not a complete gzip file ({err}). "
                               f"Delete it and load the data again.") from None
        _CACHE[key] = parse_idx(raw, kind, str(path))
    return _CACHE[key]



def _missing(info, filename, directory, reason, tried=()):
    """The DatasetNotFoundError for a file that is not there and was not downloaded."""
    lines = [f"{info['title']} file {filename} is missing from {directory} and {reason}."]
    if tried:
        lines.append("URLs tried:")
        lines += [f"  {attempt}" for attempt in tried]
    lines.append(f"To fix this, put the standard {filename} (md5 {info['md5'][filename]}) "
                 f"in that folder, or set the environment variable {info['env']} to a "
                 f"folder that holds the {info['title']} files.")
    return DatasetNotFoundError("\n".join(lines))


def _fetch(url, out, expected_md5):
    """Copy url into the open file `out`; return None if its md5 is right, else a reason."""
    out.seek(0)
    out.truncate()
    digest = hashlib.md5()
    try:
        with _urlopen(url, timeout=TIMEOUT) as response:
            for block in iter(lambda: response.read(1 << 20), b""):
                digest.update(block)
                out.write(block)
    except (OSError, http.client.HTTPException, ValueError) as err:
        return f"{url}  ({type(err).__name__}: {err})"
    if digest.hexdigest() != expected_md5:
        return f"{url}  (wrong md5 {digest.hexdigest()}, expected {expected_md5})"
    return None


def download(name, filename, directory):
    """Download one file from the mirrors of dataset `name` into `directory`.

    Writes to a temporary file, renamed to `filename` only once its md5 is right.
    Inputs:  name: "mnist"/"fashion_mnist"; filename: e.g. "t10k-images-idx3-ubyte.gz";
             directory: Path.
    Returns: the Path of the downloaded file. Raises DatasetNotFoundError if every mirror fails.
    """
    info = DATASETS[name]
    try:
        directory.mkdir(parents=True, exist_ok=True)
        tmp = tempfile.NamedTemporaryFile(dir=directory, prefix=filename + ".",
                                          suffix=".part", delete=False)
    except OSError as err:
        raise _missing(info, filename, directory,
                       f"cannot be downloaded: the folder is not writable ({err})") from None
    tried = []
    try:
        with tmp:
            for url in [mirror + filename for mirror in info["mirrors"]]:
                print(f"Downloading {url}", flush=True)
                failure = _fetch(url, tmp, info["md5"][filename])
                if failure is None:
                    break
                tried.append(failure)
        if len(tried) == len(info["mirrors"]):
            raise _missing(info, filename, directory, "could not be downloaded", tried)
        os.replace(tmp.name, directory / filename)
    finally:
        if os.path.exists(tmp.name):
            os.remove(tmp.name)
    return directory / filename


def _load(name, split, directory, download_missing):
    """Shared body of load_mnist / load_fashion_mnist (same inputs and returns)."""
    if split not in FILES:
        raise ValueError(f"split must be 'train' or 'test', got {split!r}")
    info, folder = DATASETS[name], data_directory(name, directory)
    arrays = []
    for filename, kind in zip(FILES[split], ("images", "labels")):
        path = folder / filename
        if not path.exists():
            if not download_missing:
                raise _missing(info, filename, folder, "download=False, so it was not downloaded")
            download(name, filename, folder)
        arrays.append(read_verified(path, kind, info["md5"][filename]))
    images, labels = arrays
    if len(images) != len(labels):
        raise DatasetError(f"{folder / FILES[split][0]} holds {len(images)} images but "
                           f"{folder / FILES[split][1]} holds {len(labels)} labels; "
                           f"the two counts must be equal.")
    if labels.size and labels.max() > 9:
        raise DatasetError(f"{folder / FILES[split][1]} has labels outside 0..9.")
    return images.copy(), labels.copy()


def load_mnist(split="train", directory=None, download=True):
    """Load one split of MNIST (handwritten digits).

    Inputs:  split: "train" (60,000 images) or "test" (10,000 images);
             directory: folder of the .gz files (None: see the module docstring);
             download: fetch missing files from the standard mirrors.
    Returns: images, uint8 array (N, 28, 28), values 0..255;
             labels, uint8 array (N,), values 0..9.
    """
    return _load("mnist", split, directory, download)


def load_fashion_mnist(split="train", directory=None, download=True):
    """Load one split of Fashion-MNIST (Zalando clothing images, 10 classes).

    Inputs:  split: "train" (60,000 images) or "test" (10,000 images);
             directory: folder of the .gz files (None: see the module docstring);
             download: fetch missing files from the standard mirrors.
    Returns: images, uint8 array (N, 28, 28), values 0..255;
             labels, uint8 array (N,), values 0..9.
    """
    return _load("fashion_mnist", split, directory, download)


def load_mnist_splits(n_val=2000, directory=None, download=True, seed=0):
    """MNIST train / validation split for the training chapters.

    Uses the 60,000 training images when they are available. If they are missing and
    cannot be downloaded, splits the 10,000 test images instead and prints one line
    saying so (see the module docstring).
    Inputs:  n_val: size of the validation set; directory, download: as in load_mnist;
             seed: seed of the random split.
    Returns: (x_train, y_train), (x_val, y_val): uint8 arrays (N, 28, 28) and (N,),
             N = 60,000 - n_val and n_val (fallback: 10,000 - n_val and n_val).
    """
    try:
        images, labels = load_mnist("train", directory, download)
        fallback = False
    except DatasetNotFoundError:
        images, labels = load_mnist("test", directory, download)
        fallback = True
    if not 0 < n_val < len(images):
        raise ValueError(f"n_val must be between 1 and {len(images) - 1}, got {n_val}")
    if fallback:
        print(f"Note: the MNIST training images are not available in "
              f"{data_directory('mnist', directory)}, so the {len(images):,} test images are "
              f"split {len(images) - n_val:,} train / {n_val:,} validation instead.", flush=True)
    order = np.random.default_rng(seed).permutation(len(images))
    val, train = np.sort(order[:n_val]), np.sort(order[n_val:])
    return (images[train], labels[train]), (images[val], labels[val])
