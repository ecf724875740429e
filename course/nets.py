"""Small networks from a description, for chapter 08's tests and reference files.

A description is a list of layers, each a tuple whose first entry is its kind:

    ("conv", c_in, c_out, k)      a k×k convolution, stride 1, no padding
    ("relu",)                     ReLU
    ("maxpool", k, s, p)          k×k max pooling, stride s, padding p (Keras: zero padding first)
    ("flatten",)                  flatten (PyTorch: C, H, W order; Keras: H, W, C order)
    ("linear", n_in, n_out)       a dense layer
    ("dropout", p)                dropout
    ("block", [layers])           a nested block (PyTorch: an nn.Sequential inside the model)

    from course import nets
    model = nets.torch_model(nets.SEEDS)           # the seeds' MNIST network, 55,338 weights
    nets.fill(model, seed=1)                       # weights from a seed, the same every time
    logits = nets.outputs(model, images)           # eval mode, NumPy in, NumPy out

These build the reference models the tests compare with; the graded functions never come
from here.
"""
import numpy as np

SEEDS = [("block", [("conv", 1, 16, 3), ("relu",), ("maxpool", 2, 2, 1)]),
         ("block", [("conv", 16, 32, 3), ("relu",), ("maxpool", 2, 2, 1)]),
         ("block", [("flatten",), ("linear", 7 * 7 * 32, 32), ("relu",), ("dropout", 0.3),
                    ("linear", 32, 10)])]


def _flat(layers):
    for layer in layers:
        yield from (_flat(layer[1]) if layer[0] == "block" else [layer])


def torch_model(layers):
    """An nn.Sequential (blocks nested) for a description; float32, default initialisation."""
    from torch import nn
    make = {"conv": lambda c_in, c_out, k: nn.Conv2d(c_in, c_out, k),
            "relu": nn.ReLU, "maxpool": lambda k, s, p: nn.MaxPool2d(k, s, padding=p),
            "flatten": nn.Flatten, "linear": nn.Linear, "dropout": nn.Dropout,
            "block": torch_model}
    return nn.Sequential(*[make[kind](*args) for kind, *args in layers])


def keras_model(layers, input_shape):
    """A keras.Sequential for a description; input_shape (H, W, C), no batch axis."""
    import keras
    from keras import layers as kl

    def make(kind, *args):
        if kind == "conv":
            return [kl.Conv2D(args[1], args[2])]
        if kind == "maxpool":
            pad = [kl.ZeroPadding2D(args[2])] if args[2] else []
            return pad + [kl.MaxPooling2D(args[0], args[1])]
        return [{"relu": kl.ReLU, "flatten": kl.Flatten, "dropout": kl.Dropout,
                 "linear": lambda n_in, n_out: kl.Dense(n_out)}[kind](*args)]

    stack = [keras.Input(tuple(input_shape))]
    for layer in _flat(layers):
        stack += make(*layer)
    return keras.Sequential(stack)


def fill(model, seed):
    """Overwrite every weight of a PyTorch or Keras model with seeded normal numbers.

    Each array gets N(0, 1) / sqrt(fan-in), so activations stay of order 1 through the layers.
    Returns the model.
    """
    rng = np.random.default_rng(seed)
    if hasattr(model, "parameters"):
        import torch
        with torch.no_grad():
            for p in model.parameters():
                fan_in = max(int(np.prod(p.shape[1:])), 1)
                p.copy_(torch.as_tensor(rng.normal(size=tuple(p.shape)) / np.sqrt(fan_in)))
        return model
    model.set_weights([rng.normal(size=w.shape) / np.sqrt(max(int(np.prod(w.shape[:-1])), 1))
                       for w in model.get_weights()])
    return model


def outputs(model, images):
    """The model's outputs in eval mode as a float64 array; images NCHW (PyTorch) or NHWC (Keras)."""
    if hasattr(model, "parameters"):
        import torch
        was_training = model.training
        model.eval()
        with torch.no_grad():
            out = model(torch.as_tensor(np.asarray(images), dtype=torch.float32))
        model.train(was_training)
        return out.double().numpy()
    return np.asarray(model(np.asarray(images, dtype=np.float32), training=False), np.float64)


def images(n, shape, seed):
    """n seeded images in [0, 1) of the given shape (no batch axis), float32."""
    return np.random.default_rng(seed).random((n, *shape), dtype=np.float32)
