"""Chapter 08's stored reference outputs, and the facts its text states, checked independently.

The references are made by the source notebook's solutions (`course build`); here they are
recomputed with SciPy and the frameworks: the seeds' network built by course.nets (nested blocks,
as in the study notes), Keras's own layers, and a port written here, not the notebook's.
"""
import keras
import numpy as np
import scipy.special
import torch
import torch.nn.functional as F

from course import nets, reference

CASES = reference.load("08_mnist_cnn")


def seeds_network(num_labels):
    return nets.SEEDS[:2] + [("block", [("flatten",), ("linear", 1568, 32), ("relu",),
                                        ("dropout", 0.3), ("linear", 32, num_labels)])]


def test_softmax_predict_and_confusion_references_equal_scipy_and_numpy():
    for case in CASES["softmax"]:
        want = scipy.special.softmax(np.asarray(case.args[0], np.float64), axis=1)
        assert np.allclose(case.expected, want, rtol=1e-12, atol=1e-15), case.id
    for case in CASES["predict"]:
        assert np.array_equal(case.expected, torch.tensor(case.args[0]).argmax(dim=1).numpy()), case.id
    for case in CASES["confusion_matrix"]:
        labels, preds, n = (*case.args, 10)[:3]
        counts, _, _ = np.histogram2d(labels, preds, bins=n, range=[[0, n], [0, n]])
        assert np.array_equal(case.expected, counts.astype(int)), case.id


def test_summary_references_match_the_seeds_table_and_pytorch():
    seeds = next(c for c in CASES["summary_table"] if c.id.startswith("value: the notes' network ("))
    assert [shape for kind, shape, _ in seeds.expected if kind != "Flatten"] == [
        (16, 26, 26), (16, 26, 26), (16, 14, 14), (32, 12, 12), (32, 12, 12), (32, 7, 7),
        (32,), (32,), (32,), (10,)]
    assert [p for _, _, p in seeds.expected if p] == [160, 4_640, 50_208, 330]
    assert sum(p for _, _, p in seeds.expected) == 55_338
    for case in CASES["summary_table"]:
        model = nets.torch_model(case.args[0]).eval()
        x = torch.zeros(1, *case.args[1])
        rows = []
        for layer in (m for m in model.modules() if not list(m.children())):
            x = layer(x)
            rows.append((type(layer).__name__, tuple(x.shape[1:]),
                         sum(p.numel() for p in layer.parameters())))
        assert rows == case.expected, case.id


def _port(model_t, model_k):
    """An independent port: Keras's weight list in order, from PyTorch's tensors."""
    out, tensors = [], [p.detach().numpy() for p in model_t.parameters()]
    for w in tensors:
        if w.ndim == 4:
            out.append(w.transpose(2, 3, 1, 0))
        elif w.ndim == 2 and w.shape[1] == 1568:
            out.append(w.reshape(-1, 32, 7, 7).transpose(2, 3, 1, 0).reshape(1568, -1))
        else:
            out.append(w.T if w.ndim == 2 else w)
    model_k.set_weights(out)
    return model_k


def test_network_references_are_the_seeds_network_in_both_frameworks():
    for case in CASES["build_torch_cnn"]:
        n, seed, images = case.args
        model = nets.fill(nets.torch_model(seeds_network(n)), seed)
        assert sum(p.numel() for p in model.parameters()) == 55_338 - 330 + 33 * n
        assert np.allclose(case.expected, nets.outputs(model, images), rtol=1e-5, atol=1e-6), case.id
    for case in CASES["build_keras_cnn"]:
        n, seed, images = case.args
        model = nets.fill(nets.keras_model(seeds_network(n), (28, 28, 1)), seed)
        assert model.count_params() == 55_338 - 330 + 33 * n
        assert np.allclose(case.expected, nets.outputs(model, images), rtol=1e-5, atol=1e-6), case.id


def test_zero_padded_keras_pooling_computes_pytorchs_network():
    """After a ReLU, ZeroPadding2D + MaxPooling2D equals PyTorch's -inf padded pooling."""
    model_t = nets.fill(nets.torch_model(nets.SEEDS), 11)
    model_k = _port(model_t, nets.keras_model(nets.SEEDS, (28, 28, 1)))
    images = nets.images(8, (28, 28, 1), 12)
    got, want = nets.outputs(model_k, images), nets.outputs(model_t, images.transpose(0, 3, 1, 2))
    assert np.abs(got - want).max() < 1e-4


def test_facts_stated_in_the_text():
    x = torch.tensor([[[[-1.0, -2.0], [-3.0, -4.0]]]])
    assert F.max_pool2d(x, 2, stride=2, padding=1).flatten().tolist() == [-1, -2, -3, -4]  # -inf pad
    same = keras.layers.MaxPooling2D(2, padding="same")(np.zeros((1, 26, 26, 1), np.float32))
    assert same.shape == (1, 13, 13, 1)
    seeds_logits = np.array([-7.427, 8.698, 0.407, -4.990, -4.264, -3.783, -4.286, -3.159, -2.024, -4.415])
    p = scipy.special.softmax(seeds_logits)
    assert round(p[1], 4) == 0.9997 and f"{p[1]:.3f}" == "1.000"
    drop = torch.nn.Dropout(0.3).train()(torch.ones(10_000))
    assert np.allclose(drop.unique().numpy(), [0.0, 1 / 0.7])
    assert 50_208 / 55_338 > 0.90
