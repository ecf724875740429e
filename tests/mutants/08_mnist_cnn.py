"""Mutant submissions for chapter 08 (a CNN for MNIST, three ways, and transfer learning).

Each string replaces one solution cell of source/08_mnist_cnn/08_mnist_cnn.ipynb entirely. The
code may use what the setup cell imports (np, torch, nn, F, keras, copy) and the locked cells'
names (the NumPy layers, loss_and_gradient, init_params). Every test builds its own models and
inputs (course.nets), so no exercise builds on another (no DEPENDS).

- WRONG: {exercise: {name: code}}, mistakes students really make; each must lose at least one
  point on its own exercise's tests and none on another's (tests/test_mutants.py).
- RIGHT: {exercise: {name: code}}, correct solutions written differently; full marks.
- SLOW: the test that trains the notes' network for three epochs; it runs only for variants of
  train_step, the function it grades.
"""

SLOW = ["test_train_step_learns_mnist"]


# --- build_torch_cnn ---------------------------------------------------------------------------

def _torch_cnn(conv1="nn.Conv2d(1, 16, kernel_size=3)", relu1="nn.ReLU(), ",
               pool="nn.MaxPool2d(2, stride=2, padding=1)", conv2="nn.Conv2d(16, 32, kernel_size=3)",
               dense1="nn.Linear(7 * 7 * 32, 32)", head="nn.ReLU(), nn.Dropout(p=0.3)",
               last="nn.Linear(32, num_labels)"):
    return f'''def build_torch_cnn(num_labels=10):
    return nn.Sequential(
        {conv1}, {relu1}{pool},
        {conv2}, nn.ReLU(), {pool},
        nn.Flatten(), {dense1}, {head},
        {last})'''


# --- summary_table -----------------------------------------------------------------------------

def _summary(row="rows.append((type(layer).__name__, tuple(output.shape[1:]), "
                 "sum(p.numel() for p in layer.parameters())))",
             leaves="[m for m in model.modules() if not list(m.children())]",
             run="model(torch.zeros(1, *input_shape))",
             remove="for handle in handles:\n        handle.remove()\n    "):
    return f'''def summary_table(model, input_shape=(1, 28, 28)):
    rows = []

    def record(layer, inputs, output):
        {row}

    handles = [m.register_forward_hook(record) for m in {leaves}]
    was_training = model.training
    model.eval()
    with torch.no_grad():
        {run}
    {remove}model.train(was_training)
    return rows'''


# --- build_keras_cnn ---------------------------------------------------------------------------

def _keras_cnn(pool="layers.ZeroPadding2D(1), layers.MaxPooling2D(2)", drop="layers.Dropout(0.3), ",
               dense1='layers.Dense(32, activation="relu")', last="layers.Dense(num_labels)"):
    return f'''def build_keras_cnn(num_labels=10):
    layers = keras.layers
    return keras.Sequential([
        keras.Input((28, 28, 1)),
        layers.Conv2D(16, 3, activation="relu"), {pool},
        layers.Conv2D(32, 3, activation="relu"), {pool},
        layers.Flatten(), {dense1}, {drop}{last}])'''


# --- port_torch_to_keras -----------------------------------------------------------------------

def _port(conv="w.transpose(2, 3, 1, 0)", dense="w.T",
          reorder="w.reshape(-1, c, h, wd).transpose(2, 3, 1, 0).reshape(h * wd * c, -1)",
          shape="h, wd, c = before.input.shape[1:]",
          store="target.set_weights([kernel, source.bias.detach().numpy()])",
          tail="return keras_model"):
    return f'''def port_torch_to_keras(torch_model, keras_model):
    sources = [m for m in torch_model.modules() if isinstance(m, (nn.Conv2d, nn.Linear))]
    targets = [l for l in keras_model.layers if isinstance(l, (keras.layers.Conv2D, keras.layers.Dense))]
    for source, target in zip(sources, targets):
        w = source.weight.detach().numpy()
        if isinstance(source, nn.Conv2d):
            kernel = {conv}
        else:
            index = keras_model.layers.index(target)
            before = keras_model.layers[index - 1] if index else None
            kernel = {dense}
            if isinstance(before, keras.layers.Flatten) and len(before.input.shape) == 4:
                {shape}
                kernel = {reorder}
        {store}
    {tail}'''


# --- softmax -----------------------------------------------------------------------------------

def _softmax(body):
    return "def softmax(logits):\n    z = np.asarray(logits, dtype=np.float64)\n" + body


# --- dropout -----------------------------------------------------------------------------------

def _dropout(check="if not 0 <= p < 1:", when="if not training or p == 0:",
             keep="keep = rng.random(np.shape(x)) >= p",
             result="return np.where(keep, np.asarray(x) / (1 - p), 0.0)"):
    return f'''def dropout(x, p, training, rng):
    {check}
        raise ValueError(f"p must satisfy 0 <= p < 1, got {{p}}")
    {when}
        return x
    {keep}
    {result}'''


# --- softmax_cross_entropy ---------------------------------------------------------------------

def _cross_entropy(shift="z = z - z.max(axis=1, keepdims=True)",
                   subtract="dlogits[rows, labels] -= 1",
                   loss="float(-log_probs[rows, labels].mean())", grad="dlogits / len(z)"):
    return f'''def softmax_cross_entropy(logits, labels):
    z = np.asarray(logits, dtype=np.float64)
    labels = np.asarray(labels)
    {shift}
    log_probs = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
    rows = np.arange(len(z))
    dlogits = np.exp(log_probs)
    {subtract}
    return {loss}, {grad}'''


# --- train_step --------------------------------------------------------------------------------

def _train_step(body):
    return "def train_step(model, optimizer, images, labels):\n" + body


# --- evaluate ----------------------------------------------------------------------------------

def _evaluate(mode="model.eval()", stop="len(images)",
              count="correct += int((logits.argmax(dim=1) == labels[start:start + batch_size]).sum())",
              result="correct / len(images)", start="correct = 0"):
    return f'''def evaluate(model, images, labels, batch_size=256):
    {mode}
    images, labels = torch.as_tensor(images), torch.as_tensor(labels)
    {start}
    with torch.no_grad():
        for start in range(0, {stop}, batch_size):
            logits = model(images[start:start + batch_size])
            {count}
    return {result}'''


# --- numpy_cnn_step ----------------------------------------------------------------------------

def _numpy_step(flat="m2.reshape(len(m2), -1)", unflat="dflat.reshape(m2.shape)",
                relu2="relu_backward(maxpool_backward({}, pool2), relu2)",
                update="return loss, {name: p[name] - lr * grads[name] for name in p}"):
    back2 = relu2.format(unflat)
    return f'''def numpy_cnn_step(params, images, labels, lr):
    p, grads = params, {{}}
    a1, conv1 = conv_forward(images, p["conv1_w"], p["conv1_b"])
    r1, relu1 = relu_forward(a1)
    m1, pool1 = maxpool_forward(r1)
    a2, conv2 = conv_forward(m1, p["conv2_w"], p["conv2_b"])
    r2, relu2 = relu_forward(a2)
    m2, pool2 = maxpool_forward(r2)
    h, fc1 = dense_forward({flat}, p["fc1_w"], p["fc1_b"])
    rh, relu3 = relu_forward(h)
    logits, fc2 = dense_forward(rh, p["fc2_w"], p["fc2_b"])
    loss, dlogits = loss_and_gradient(logits, labels)
    drh, grads["fc2_w"], grads["fc2_b"] = dense_backward(dlogits, fc2)
    dflat, grads["fc1_w"], grads["fc1_b"] = dense_backward(relu_backward(drh, relu3), fc1)
    dm1, grads["conv2_w"], grads["conv2_b"] = conv_backward({back2}, conv2)
    _, grads["conv1_w"], grads["conv1_b"] = conv_backward(
        relu_backward(maxpool_backward(dm1, pool1), relu1), conv1)
    {update}'''


WRONG = {
    "build_torch_cnn": {
        "pools-without-padding": _torch_cnn(pool="nn.MaxPool2d(2, stride=2)",
                                            dense1="nn.Linear(5 * 5 * 32, 32)"),
        "dropout-0.5": _torch_cnn(head="nn.ReLU(), nn.Dropout(p=0.5)"),
        "relu-missing-after-the-first-conv": _torch_cnn(relu1=""),
        "conv-channels-32-then-16": _torch_cnn(conv1="nn.Conv2d(1, 32, kernel_size=3)",
                                               conv2="nn.Conv2d(32, 16, kernel_size=3)",
                                               dense1="nn.Linear(7 * 7 * 16, 32)"),
        "last-layer-fixed-at-10-labels": _torch_cnn(last="nn.Linear(32, 10)"),
        "softmax-layer-at-the-end": _torch_cnn(last="nn.Linear(32, num_labels), nn.Softmax(dim=1)"),
        "dropout-before-the-relu": _torch_cnn(head="nn.Dropout(p=0.3), nn.ReLU()"),
    },
    "summary_table": {
        "biases-not-counted": _summary(
            row="rows.append((type(layer).__name__, tuple(output.shape[1:]), "
                "layer.weight.numel() if hasattr(layer, 'weight') else 0))"),
        "shapes-with-the-batch": _summary(
            row="rows.append((type(layer).__name__, tuple(output.shape), "
                "sum(p.numel() for p in layer.parameters())))"),
        "flatten-row-left-out": _summary(
            leaves="[m for m in model.modules() if not list(m.children()) and not isinstance(m, nn.Flatten)]"),
        "hooks-never-removed": _summary(remove=""),
        "containers-included-named-modules": _summary(leaves="[m for _, m in model.named_modules()]"),
        "input-without-the-batch-axis": _summary(run="model(torch.zeros(*input_shape))"),
        "model-parameters-on-every-row": _summary(
            row="rows.append((type(layer).__name__, tuple(output.shape[1:]), "
                "sum(p.numel() for p in model.parameters())))"),
        "shapes-as-lists": _summary(
            row="rows.append((type(layer).__name__, list(output.shape[1:]), "
                "sum(p.numel() for p in layer.parameters())))"),
        "children-not-leaves": _summary(leaves="model.children()"),
        "mode-not-restored": _summary(remove="for handle in handles:\n        handle.remove()\n    "
                                             "was_training = False\n    "),
    },
    "build_keras_cnn": {
        "same-pooling-without-zero-padding": _keras_cnn(pool='layers.MaxPooling2D(2, padding="same")'),
        "no-dropout": _keras_cnn(drop=""),
        "zero-padding-2": _keras_cnn(pool="layers.ZeroPadding2D(2), layers.MaxPooling2D(2)"),
        "last-dense-fixed-at-10": _keras_cnn(last="layers.Dense(10)"),
        "padding-after-the-pooling": _keras_cnn(pool="layers.MaxPooling2D(2), layers.ZeroPadding2D(1)"),
        "no-relu-on-the-first-dense": _keras_cnn(dense1="layers.Dense(32)"),
    },
    "port_torch_to_keras": {
        "flatten-order-not-converted": _port(reorder="w.T"),
        "conv-kernel-reshaped-not-transposed": _port(conv="w.reshape(target.kernel.shape)"),
        "bias-not-copied": _port(store="target.kernel.assign(kernel)"),
        "conv-axes-3-2-1-0": _port(conv="w.transpose(3, 2, 1, 0)"),
        "conv-axes-2-3-0-1": _port(conv="w.transpose(2, 3, 0, 1)"),
        "dense-kernel-reshaped-not-transposed": _port(
            dense="w.reshape(w.shape[1], w.shape[0])",
            reorder="w.reshape(-1, c, h, wd).transpose(0, 2, 3, 1).reshape(h * wd * c, -1)"),
        "flatten-reorder-hard-coded-7x7x32": _port(
            shape="h, wd, c = 7, 7, 32",
            reorder="w.reshape(-1, c, h, wd).transpose(2, 3, 1, 0).reshape(h * wd * c, -1) "
                    "if w.shape[1] == 1568 else w.T"),
        "spatial-axes-swapped-in-the-reordering": _port(
            reorder="w.reshape(-1, c, h, wd).transpose(3, 2, 1, 0).reshape(h * wd * c, -1)"),
        "map-assumed-square": _port(
            shape="c = [l for l in keras_model.layers[:index] if isinstance(l, keras.layers.Conv2D)][-1].filters\n"
                  "                h = wd = int(round((w.shape[1] // c) ** 0.5))"),
        "reorders-as-if-torch-flattened-h-w-c": _port(
            reorder="w.reshape(-1, h, wd, c).transpose(1, 2, 3, 0).reshape(h * wd * c, -1)"),
        "returns-none": _port(tail="return None"),
    },
    "softmax": {
        "no-max-subtraction": _softmax(
            "    e = np.exp(z)\n    return e / e.sum(axis=1, keepdims=True)"),
        "normalised-along-axis-0": _softmax(
            "    e = np.exp(z - z.max(axis=0, keepdims=True))\n    return e / e.sum(axis=0, keepdims=True)"),
        "max-of-the-whole-array": _softmax(
            "    e = np.exp(z - z.max())\n    return e / e.sum(axis=1, keepdims=True)"),
        "divides-by-the-max": _softmax(
            "    e = np.exp(z - z.max(axis=1, keepdims=True))\n    return e / e.max(axis=1, keepdims=True)"),
        "exp-not-taken": _softmax(
            "    e = z - z.max(axis=1, keepdims=True)\n    return e / e.sum(axis=1, keepdims=True)"),
        "sum-over-the-whole-array": _softmax(
            "    e = np.exp(z - z.max(axis=1, keepdims=True))\n    return e / e.sum()"),
        "log-softmax-returned": _softmax(
            "    z = z - z.max(axis=1, keepdims=True)\n"
            "    return z - np.log(np.exp(z).sum(axis=1, keepdims=True))"),
        "float32-torch": '''def softmax(logits):
    return torch.softmax(torch.tensor(np.asarray(logits), dtype=torch.float32), dim=1).numpy()''',
        "keepdims-forgotten": _softmax(
            "    e = np.exp(z - z.max(axis=1)[:, None])\n    return e / e.sum(axis=1)"),
    },
    "predict": {
        "argmax-over-axis-0": '''def predict(logits):
    return np.argmax(np.asarray(logits), axis=0)''',
        "returns-the-max-value": '''def predict(logits):
    return np.max(np.asarray(logits), axis=1)''',
        "argmin": '''def predict(logits):
    return np.argmin(np.asarray(logits), axis=1)''',
        "flattened-argmax": '''def predict(logits):
    return np.argmax(logits)''',
        "labels-as-floats": '''def predict(logits):
    return np.argmax(np.asarray(logits), axis=1).astype(np.float64)''',
    },
    "dropout": {
        "no-rescaling": _dropout(result="return np.where(keep, x, 0.0)"),
        "p-as-the-keep-probability": _dropout(keep="keep = rng.random(np.shape(x)) < p"),
        "scaled-by-1-minus-p": _dropout(result="return np.where(keep, np.asarray(x) * (1 - p), 0.0)"),
        "p-equal-1-accepted": _dropout(check="if not 0 <= p <= 1:"),
        "also-applied-outside-training": _dropout(when="if p == 0:"),
        "np-random-instead-of-rng": _dropout(keep="keep = np.random.random(np.shape(x)) >= p"),
        "returns-the-mask": _dropout(result="return keep"),
        "p-0-rejected": _dropout(check="if not 0 < p < 1:"),
        "modifies-x-in-place": _dropout(result="x[~keep] = 0\n    x /= 1 - p\n    return x"),
    },
    "softmax_cross_entropy": {
        "gradient-not-divided-by-the-batch": _cross_entropy(grad="dlogits"),
        "loss-summed-not-averaged": _cross_entropy(loss="float(-log_probs[rows, labels].sum())"),
        "no-max-subtraction": _cross_entropy(shift="pass"),
        "one-hot-not-subtracted": _cross_entropy(subtract="pass"),
        "gradient-sign-flipped": _cross_entropy(grad="-dlogits / len(z)"),
        "one-hot-indexed-labels-rows": _cross_entropy(subtract="dlogits[labels, rows] -= 1"),
        "one-hot-along-the-columns": _cross_entropy(subtract="dlogits[:, labels] -= 1"),
        "mean-over-every-entry": _cross_entropy(
            loss="float(-(np.eye(z.shape[1])[labels] * log_probs).mean())"),
    },
    "train_step": {
        "no-zero-grad": _train_step('''    model.train()
    loss = F.cross_entropy(model(images), labels)
    loss.backward()
    optimizer.step()
    return loss.item()'''),
        "no-model-train": _train_step('''    optimizer.zero_grad()
    loss = F.cross_entropy(model(images), labels)
    loss.backward()
    optimizer.step()
    return loss.item()'''),
        "loss-after-the-step": _train_step('''    model.train()
    optimizer.zero_grad()
    F.cross_entropy(model(images), labels).backward()
    optimizer.step()
    with torch.no_grad():
        return F.cross_entropy(model(images), labels).item()'''),
        "returns-the-tensor": _train_step('''    model.train()
    optimizer.zero_grad()
    loss = F.cross_entropy(model(images), labels)
    loss.backward()
    optimizer.step()
    return loss'''),
        "mse-on-one-hot-labels": _train_step('''    model.train()
    optimizer.zero_grad()
    logits = model(images)
    loss = F.mse_loss(logits, F.one_hot(labels, logits.shape[1]).float())
    loss.backward()
    optimizer.step()
    return loss.item()'''),
        "softmax-before-cross-entropy": _train_step('''    model.train()
    optimizer.zero_grad()
    loss = F.cross_entropy(F.softmax(model(images), dim=1), labels)
    loss.backward()
    optimizer.step()
    return loss.item()'''),
        "zero-grad-between-backward-and-step": _train_step('''    model.train()
    loss = F.cross_entropy(model(images), labels)
    loss.backward()
    optimizer.zero_grad()
    optimizer.step()
    return loss.item()'''),
    },
    "evaluate": {
        "no-model-eval": _evaluate(mode="pass"),
        "averages-the-batch-accuracies": _evaluate(
            start="accuracies = []",
            count="accuracies.append((logits.argmax(dim=1) == labels[start:start + batch_size])"
                  ".sum().item() / len(logits))",
            result="float(np.mean(accuracies))"),
        "returns-the-count": _evaluate(
            start="correct = 0.0",
            count="correct += (logits.argmax(dim=1) == labels[start:start + batch_size]).sum().item()",
            result="correct"),
        "drops-the-last-partial-batch": _evaluate(stop="len(images) - batch_size + 1"),
        "returns-a-tensor": _evaluate(
            start="correct = torch.tensor(0)",
            count="correct += (logits.argmax(dim=1) == labels[start:start + batch_size]).sum()"),
    },
    "confusion_matrix": {
        "transposed": '''def confusion_matrix(labels, preds, n=10):
    counts = np.zeros((n, n), dtype=np.int64)
    np.add.at(counts, (np.asarray(preds), np.asarray(labels)), 1)
    return counts''',
        "size-from-the-labels": '''def confusion_matrix(labels, preds, n=10):
    labels, preds = np.asarray(labels), np.asarray(preds)
    size = int(max(labels.max(), preds.max())) + 1
    counts = np.zeros((size, size), dtype=np.int64)
    np.add.at(counts, (labels, preds), 1)
    return counts''',
        "float-counts": '''def confusion_matrix(labels, preds, n=10):
    counts = np.zeros((n, n))
    for t, p in zip(labels, preds):
        counts[t, p] += 1
    return counts''',
        "fancy-index-assignment-loses-duplicates": '''def confusion_matrix(labels, preds, n=10):
    counts = np.zeros((n, n), dtype=np.int64)
    counts[np.asarray(labels), np.asarray(preds)] += 1
    return counts''',
    },
    "freeze_features": {
        "freezes-everything": '''def freeze_features(model):
    for p in model.parameters():
        p.requires_grad = False
    return sum(p.numel() for p in model.parameters() if p.requires_grad)''',
        "returns-the-frozen-count": '''def freeze_features(model):
    frozen = 0
    for layer in model.modules():
        if isinstance(layer, nn.Conv2d):
            for p in layer.parameters():
                p.requires_grad = False
                frozen += p.numel()
    return frozen''',
        "weights-frozen-not-biases": '''def freeze_features(model):
    for layer in model.modules():
        if isinstance(layer, nn.Conv2d):
            layer.weight.requires_grad = False
    return sum(p.numel() for p in model.parameters() if p.requires_grad)''',
        "freezes-linear-instead-of-conv": '''def freeze_features(model):
    for layer in model.modules():
        if isinstance(layer, nn.Linear):
            layer.requires_grad_(False)
    return sum(p.numel() for p in model.parameters() if p.requires_grad)''',
        "top-level-children-only": '''def freeze_features(model):
    for layer in model.children():
        if isinstance(layer, nn.Conv2d):
            layer.requires_grad_(False)
    return sum(p.numel() for p in model.parameters() if p.requires_grad)''',
        "counts-tensors-not-entries": '''def freeze_features(model):
    for layer in model.modules():
        if isinstance(layer, nn.Conv2d):
            layer.requires_grad_(False)
    return sum(1 for p in model.parameters() if p.requires_grad)''',
    },
    "replace_head": {
        "appends-a-new-linear": '''def replace_head(model, num_labels):
    last = [m for m in model.modules() if isinstance(m, nn.Linear)][-1]
    model.append(nn.Linear(last.out_features, num_labels))
    return model''',
        "replaces-the-first-linear": '''def replace_head(model, num_labels):
    name = [n for n, m in model.named_modules() if isinstance(m, nn.Linear)][0]
    parent_name, _, attribute = name.rpartition(".")
    parent = model.get_submodule(parent_name)
    setattr(parent, attribute, nn.Linear(getattr(parent, attribute).in_features, num_labels))
    return model''',
        "returns-none": '''def replace_head(model, num_labels):
    name = [n for n, m in model.named_modules() if isinstance(m, nn.Linear)][-1]
    parent_name, _, attribute = name.rpartition(".")
    parent = model.get_submodule(parent_name)
    setattr(parent, attribute, nn.Linear(getattr(parent, attribute).in_features, num_labels))''',
        "replaces-the-whole-last-block": '''def replace_head(model, num_labels):
    last = [m for m in model.modules() if isinstance(m, nn.Linear)][-1]
    model[-1] = nn.Linear(last.in_features, num_labels)
    return model''',
        "out-features-changed-weights-kept": '''def replace_head(model, num_labels):
    last = [m for m in model.modules() if isinstance(m, nn.Linear)][-1]
    last.out_features = num_labels
    return model''',
        "returns-a-modified-copy": '''def replace_head(model, num_labels):
    model = copy.deepcopy(model)
    name = [n for n, m in model.named_modules() if isinstance(m, nn.Linear)][-1]
    parent_name, _, attribute = name.rpartition(".")
    parent = model.get_submodule(parent_name)
    setattr(parent, attribute, nn.Linear(getattr(parent, attribute).in_features, num_labels))
    return model''',
    },
    "numpy_cnn_step": {
        "params-updated-in-place": _numpy_step(update='''for name in p:
        p[name] -= lr * grads[name]
    return loss, p'''),
        "gradient-ascent": _numpy_step(
            update="return loss, {name: p[name] + lr * grads[name] for name in p}"),
        "flattened-in-pytorch-order": _numpy_step(
            flat="m2.transpose(0, 3, 1, 2).reshape(len(m2), -1)",
            unflat="dflat.reshape(m2.shape[0], m2.shape[3], m2.shape[1], m2.shape[2]).transpose(0, 2, 3, 1)"),
        "relu-backward-of-conv2-forgotten": _numpy_step(relu2="maxpool_backward({}, pool2)"),
        "bias-gradients-forgotten": _numpy_step(
            update='return loss, {name: p[name] - lr * grads[name] if name.endswith("_w") else p[name] '
                   'for name in p}'),
        "gradient-divided-by-the-batch-again": _numpy_step(
            update="return loss, {name: p[name] - lr * grads[name] / len(images) for name in p}"),
    },
}

RIGHT = {
    "build_torch_cnn": {
        "module-class-with-nested-blocks": '''class MnistCNN(nn.Module):
    def __init__(self, num_labels):
        super().__init__()
        self.features = nn.Sequential(
            nn.Sequential(nn.Conv2d(1, 16, 3), nn.ReLU(), nn.MaxPool2d(2, 2, padding=1)),
            nn.Sequential(nn.Conv2d(16, 32, 3), nn.ReLU(), nn.MaxPool2d(2, 2, padding=1)))
        self.classifier = nn.Sequential(nn.Flatten(), nn.Linear(1568, 32), nn.ReLU(),
                                        nn.Dropout(0.3), nn.Linear(32, num_labels))

    def forward(self, x):
        return self.classifier(self.features(x))


def build_torch_cnn(num_labels=10):
    return MnistCNN(num_labels)''',
        "ordered-dict-with-names": '''from collections import OrderedDict


def build_torch_cnn(num_labels=10):
    return nn.Sequential(OrderedDict([
        ("conv1", nn.Conv2d(in_channels=1, out_channels=16, kernel_size=(3, 3))),
        ("relu1", nn.ReLU()),
        ("pool1", nn.MaxPool2d(kernel_size=(2, 2), stride=(2, 2), padding=(1, 1))),
        ("conv2", nn.Conv2d(in_channels=16, out_channels=32, kernel_size=(3, 3))),
        ("relu2", nn.ReLU()),
        ("pool2", nn.MaxPool2d(kernel_size=(2, 2), stride=(2, 2), padding=(1, 1))),
        ("flatten", nn.Flatten()),
        ("fc1", nn.Linear(32 * 7 * 7, 32)),
        ("relu3", nn.ReLU()),
        ("drop", nn.Dropout(p=0.3)),
        ("fc2", nn.Linear(32, num_labels)),
    ]))''',
    },
    "summary_table": {
        "torch-size-shapes-try-finally": '''def summary_table(model, input_shape=(1, 28, 28)):
    rows = []
    leaves = [m for m in model.modules() if next(m.children(), None) is None]
    hook = lambda m, i, out: rows.append(
        (m.__class__.__name__, out.shape[1:], sum(p.numel() for p in m.parameters(recurse=False))))
    handles = [m.register_forward_hook(hook) for m in leaves]
    mode = model.training
    try:
        with torch.no_grad():
            model.eval()(torch.zeros((1,) + tuple(input_shape)))
    finally:
        for h in handles:
            h.remove()
        model.train(mode)
    return rows''',
        "global-hook-filtered-to-leaves": '''def summary_table(model, input_shape=(1, 28, 28)):
    leaves = {id(m) for m in model.modules() if len(list(m.children())) == 0}
    rows = []

    def hook(module, args, output):
        if id(module) in leaves:
            size = tuple(int(d) for d in output.size())
            rows.append((type(module).__name__, size[1:],
                         int(sum(p.numel() for p in module.parameters()))))

    handle = torch.nn.modules.module.register_module_forward_hook(hook)
    training = model.training
    model.train(False)
    try:
        with torch.no_grad():
            model(torch.zeros(1, *input_shape))
    finally:
        handle.remove()
        model.train(training)
    return rows''',
    },
    "build_keras_cnn": {
        "functional-api": '''def build_keras_cnn(num_labels=10):
    L = keras.layers
    inputs = keras.Input(shape=(28, 28, 1))
    x = L.Conv2D(16, (3, 3), activation="relu")(inputs)
    x = L.MaxPooling2D((2, 2))(L.ZeroPadding2D((1, 1))(x))
    x = L.Conv2D(32, (3, 3), activation="relu")(x)
    x = L.MaxPooling2D((2, 2))(L.ZeroPadding2D((1, 1))(x))
    x = L.Dense(32, activation="relu")(L.Flatten()(x))
    outputs = L.Dense(num_labels)(L.Dropout(rate=0.3)(x))
    return keras.Model(inputs, outputs)''',
        "separate-activation-layers": '''def build_keras_cnn(num_labels=10):
    model = keras.Sequential()
    model.add(keras.Input(shape=(28, 28, 1)))
    for filters in (16, 32):
        model.add(keras.layers.Conv2D(filters, kernel_size=3))
        model.add(keras.layers.Activation("relu"))
        model.add(keras.layers.ZeroPadding2D(padding=((1, 1), (1, 1))))
        model.add(keras.layers.MaxPooling2D(pool_size=(2, 2), strides=2))
    model.add(keras.layers.Flatten())
    model.add(keras.layers.Dense(32))
    model.add(keras.layers.ReLU())
    model.add(keras.layers.Dropout(0.3))
    model.add(keras.layers.Dense(num_labels))
    return model''',
    },
    "port_torch_to_keras": {
        "assign-with-an-index-permutation": '''def port_torch_to_keras(torch_model, keras_model):
    sources = iter([m for m in torch_model.modules() if isinstance(m, (nn.Conv2d, nn.Linear))])
    previous = None
    for layer in keras_model.layers:
        if isinstance(layer, (keras.layers.Conv2D, keras.layers.Dense)):
            source = next(sources)
            w = source.weight.detach().numpy()
            if w.ndim == 4:
                kernel = np.transpose(w, (2, 3, 1, 0))
            else:
                kernel = w.T
                if isinstance(previous, keras.layers.Flatten) and len(previous.input.shape) == 4:
                    h, wd, c = previous.input.shape[1:]
                    perm = np.arange(c * h * wd).reshape(c, h, wd).transpose(1, 2, 0).ravel()
                    kernel = kernel[perm]
            layer.kernel.assign(kernel)
            layer.bias.assign(source.bias.detach().numpy())
        previous = layer
    return keras_model''',
        "one-set-weights-call-moveaxis": '''def port_torch_to_keras(torch_model, keras_model):
    torch_layers = [m for m in torch_model.modules() if isinstance(m, (nn.Conv2d, nn.Linear))]
    arrays, flat_from, k = [], None, 0
    for layer in keras_model.layers:
        if isinstance(layer, keras.layers.Flatten):
            flat_from = tuple(layer.input.shape[1:])
            continue
        if isinstance(layer, keras.layers.Conv2D):
            w = torch_layers[k].weight.detach().numpy()
            arrays += [np.moveaxis(w, [0, 1], [3, 2]), torch_layers[k].bias.detach().numpy()]
            k += 1
        elif isinstance(layer, keras.layers.Dense):
            w = torch_layers[k].weight.detach().numpy()
            if flat_from is not None and len(flat_from) == 3:
                h, wd, c = flat_from
                w = np.moveaxis(w.reshape(len(w), c, h, wd), 1, 3).reshape(len(w), -1)
            arrays += [w.T, torch_layers[k].bias.detach().numpy()]
            k += 1
        flat_from = None
    keras_model.set_weights(arrays)
    return keras_model''',
    },
    "softmax": {
        "scipy": '''from scipy.special import softmax as _scipy_softmax


def softmax(logits):
    return _scipy_softmax(np.asarray(logits, dtype=np.float64), axis=1)''',
        "log-sum-exp": '''def softmax(logits):
    z = np.array(logits, dtype=float)
    m = np.max(z, axis=-1, keepdims=True)
    log_norm = m + np.log(np.sum(np.exp(z - m), axis=-1, keepdims=True))
    return np.exp(z - log_norm)''',
        "torch-float64": '''def softmax(logits):
    return F.softmax(torch.as_tensor(np.asarray(logits), dtype=torch.float64), dim=1).numpy()''',
    },
    "predict": {
        "torch-argmax": '''def predict(logits):
    return torch.as_tensor(np.asarray(logits, dtype=np.float64)).argmax(dim=1).numpy()''',
        "loop-over-rows": '''def predict(logits):
    return np.array([int(np.argmax(row)) for row in np.asarray(logits)])''',
        "method-on-last-axis": '''def predict(logits):
    return np.asarray(logits).argmax(-1).astype(np.int64)''',
    },
    "dropout": {
        "binomial-mask": '''def dropout(x, p, training, rng):
    if p < 0 or p >= 1:
        raise ValueError("need 0 <= p < 1")
    if not training:
        return x
    mask = rng.binomial(1, 1 - p, size=np.shape(x))
    return x * mask / (1 - p)''',
        "uniform-keep-multiply": '''def dropout(x, p, training, rng):
    if not (0.0 <= p < 1.0):
        raise ValueError(p)
    if training:
        x = np.asarray(x)
        keep = rng.uniform(0.0, 1.0, size=x.shape) < 1 - p
        return x * keep * (1.0 / (1 - p))
    return x''',
    },
    "softmax_cross_entropy": {
        "torch-autograd-float64": '''def softmax_cross_entropy(logits, labels):
    z = torch.tensor(np.asarray(logits, dtype=np.float64), requires_grad=True)
    loss = F.cross_entropy(z, torch.as_tensor(np.asarray(labels), dtype=torch.int64))
    loss.backward()
    return loss.item(), z.grad.numpy()''',
        "one-hot-matrix-logsumexp": '''from scipy.special import logsumexp


def softmax_cross_entropy(logits, labels):
    z = np.asarray(logits, dtype=np.float64)
    n, k = z.shape
    onehot = np.eye(k)[np.asarray(labels)]
    log_probs = z - logsumexp(z, axis=1, keepdims=True)
    loss = -np.sum(onehot * log_probs) / n
    return float(loss), (np.exp(log_probs) - onehot) / n''',
    },
    "train_step": {
        "loss-module-and-model-zero-grad": '''def train_step(model, optimizer, images, labels):
    model.train(True)
    model.zero_grad(set_to_none=True)
    loss = nn.CrossEntropyLoss()(model(images), labels)
    loss.backward()
    optimizer.step()
    return float(loss.detach())''',
        "log-softmax-nll": '''def train_step(model, optimizer, images, labels):
    model.train()
    for group in optimizer.param_groups:
        for p in group["params"]:
            p.grad = None
    logits = model(images)
    loss = F.nll_loss(F.log_softmax(logits, dim=1), labels)
    loss.backward()
    optimizer.step()
    return loss.detach().item()''',
    },
    "evaluate": {
        "argmax-of-softmax-float-sum": '''def evaluate(model, images, labels, batch_size=256):
    model.train(False)
    right, n = 0.0, len(labels)
    with torch.no_grad():
        for i in range(0, n, batch_size):
            probs = F.softmax(model(torch.as_tensor(images[i:i + batch_size])), dim=1)
            right += float((probs.argmax(1) == torch.as_tensor(labels[i:i + batch_size])).sum())
    return right / n''',
        "dataloader": '''def evaluate(model, images, labels, batch_size=256):
    from torch.utils.data import DataLoader, TensorDataset
    loader = DataLoader(TensorDataset(torch.as_tensor(images), torch.as_tensor(labels)),
                        batch_size=batch_size, shuffle=False)
    model.eval()
    hits = []
    with torch.inference_mode():
        for x, y in loader:
            hits.append(model(x).argmax(1) == y)
    return torch.cat(hits).double().mean().item()''',
    },
    "confusion_matrix": {
        "bincount": '''def confusion_matrix(labels, preds, n=10):
    flat = np.asarray(labels) * n + np.asarray(preds)
    return np.bincount(flat, minlength=n * n).reshape(n, n)''',
        "loop-over-pairs": '''def confusion_matrix(labels, preds, n=10):
    m = np.zeros((n, n), dtype=int)
    for t, p in zip(labels, preds):
        m[t][p] += 1
    return m''',
    },
    "freeze_features": {
        "module-requires-grad": '''def freeze_features(model):
    for _, module in model.named_modules():
        if type(module) is nn.Conv2d:
            module.requires_grad_(False)
    return sum(p.numel() for p in filter(lambda p: p.requires_grad, model.parameters()))''',
        "weight-and-bias-attributes": '''def freeze_features(model):
    convs = [m for m in model.modules() if isinstance(m, nn.Conv2d)]
    for conv in convs:
        conv.weight.requires_grad = False
        if conv.bias is not None:
            conv.bias.requires_grad = False
    trainable = 0
    for p in model.parameters():
        if p.requires_grad:
            trainable += p.numel()
    return trainable''',
    },
    "replace_head": {
        "recursive-from-the-end": '''def replace_head(model, num_labels):
    def swap(module):
        for name, child in reversed(list(module.named_children())):
            if isinstance(child, nn.Linear):
                setattr(module, name, nn.Linear(child.in_features, num_labels))
                return True
            if swap(child):
                return True
        return False

    swap(model)
    return model''',
        "parent-modules-dict": '''def replace_head(model, num_labels):
    parent, key = None, None
    for module in model.modules():
        for name, child in module.named_children():
            if isinstance(child, nn.Linear):
                parent, key = module, name
    old = parent._modules[key]
    parent._modules[key] = nn.Linear(old.in_features, num_labels, bias=old.bias is not None)
    return model''',
    },
    "numpy_cnn_step": {
        "deepcopy-then-update": '''def numpy_cnn_step(params, images, labels, lr):
    new = copy.deepcopy(params)
    x, caches = images, []
    for layer in ("conv1", "conv2"):
        x, c1 = conv_forward(x, params[layer + "_w"], params[layer + "_b"])
        x, c2 = relu_forward(x)
        x, c3 = maxpool_forward(x)
        caches.append((c1, c2, c3))
    pooled_shape = x.shape
    x = x.reshape(x.shape[0], -1)
    x, d1 = dense_forward(x, params["fc1_w"], params["fc1_b"])
    x, r = relu_forward(x)
    logits, d2 = dense_forward(x, params["fc2_w"], params["fc2_b"])
    loss, g = loss_and_gradient(logits, labels)
    grads = {}
    g, grads["fc2_w"], grads["fc2_b"] = dense_backward(g, d2)
    g, grads["fc1_w"], grads["fc1_b"] = dense_backward(relu_backward(g, r), d1)
    g = g.reshape(pooled_shape)
    for layer, (c1, c2, c3) in zip(("conv2", "conv1"), reversed(caches)):
        g, grads[layer + "_w"], grads[layer + "_b"] = conv_backward(
            relu_backward(maxpool_backward(g, c3), c2), c1)
    for name, grad in grads.items():
        new[name] -= lr * grad
    return float(loss), new''',
        "reference-layout-dict-of-grads": _numpy_step(update='''new = dict()
    for key, value in params.items():
        new[key] = value - lr * grads[key]
    return loss, new'''),
    },
}
