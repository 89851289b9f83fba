"""
What the first convolution layer learns: filters and feature maps
=================================================================

Each filter of the first layer is a small 3x3 template that is slid over the
image; its inner product with every window gives one *feature map*, large
where the window looks like the template. We train a CNN on digits upsampled
to 16x16 and look at:

* the learned filters, and how strongly each responds to a horizontal or a
  vertical edge (its correlation with the Sobel templates);
* the feature maps of one test digit after the ReLU: each filter lights up
  on different strokes of the same digit.

Everything is printed; with matplotlib installed, the filters and the maps
are also saved to ``cnn_filters.png``.
"""

import os
import warnings

import numpy as np
from scipy import ndimage
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split

from skdl.convnet import ConvNetClassifier

FAST = os.environ.get("SKDL_EXAMPLES_FAST") == "1"
warnings.simplefilter("ignore", ConvergenceWarning)

X, y = load_digits(return_X_y=True)
images = np.clip(ndimage.zoom(X.reshape(-1, 8, 8) / 16.0, (1, 2, 2), order=1), 0, 1)
X_train, X_test, y_train, y_test = train_test_split(
    images.reshape(len(X), -1), y, test_size=0.3, random_state=0)
if FAST:
    X_train, y_train = X_train[:500], y_train[:500]

clf = ConvNetClassifier(input_shape=(1, 16, 16), filters=(8, 16), kernel_size=3,
                        padding="same", hidden_layer_sizes=(32,), learning_rate_init=0.003,
                        max_iter=10 if FAST else 30, random_state=0).fit(X_train, y_train)
print(f"test accuracy: {clf.score(X_test, y_test):.3f}\n")

# conv_coefs_[0] has shape (k_h, k_w, in_channels, filters): filter f is [:, :, 0, f].
filters = clf.conv_coefs_[0][:, :, 0, :].transpose(2, 0, 1)
sobel_x = np.array([[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]], dtype=float)  # vertical edges
sobel_y = sobel_x.T                                                     # horizontal edges


def correlation(a, b):
    a, b = a - a.mean(), b - b.mean()
    return float((a * b).sum() / np.sqrt((a * a).sum() * (b * b).sum() + 1e-12))


print("filter  weights (3x3, rows)                         vertical-edge  horizontal-edge")
for f, w in enumerate(filters):
    rows = "  ".join(" ".join(f"{v:+.2f}" for v in row) for row in w)
    print(f"  {f}    {rows}   {correlation(w, sobel_x):+.2f}          "
          f"{correlation(w, sobel_y):+.2f}")

# Feature maps of one test digit: run the input Reshape and the first
# convolution of the trained network, then apply the ReLU.
digit = X_test[:1]
network = clf.network_
reshape, conv = network.layers[0], network.layers[1]
maps = np.maximum(conv.forward(reshape.forward(digit.astype(network.dtype))), 0)[0]  # (16, 16, F)
print(f"\nfeature maps of a test digit (label {y_test[0]}), after ReLU:")
print("filter  mean   active pixels  strongest at (row, col)")
for f in range(maps.shape[-1]):
    m = maps[:, :, f]
    row, col = np.unravel_index(np.argmax(m), m.shape)
    print(f"  {f}    {m.mean():.3f}   {np.mean(m > 0):6.1%}        ({row:2d}, {col:2d})")

try:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
except ImportError:
    plt = None

if plt is not None:
    n = filters.shape[0]
    fig, axes = plt.subplots(3, n, figsize=(1.6 * n, 5))
    for f in range(n):
        axes[0, f].imshow(filters[f], cmap="RdBu_r", vmin=-np.abs(filters).max(),
                          vmax=np.abs(filters).max())
        axes[0, f].set_title(f"filter {f}", fontsize=8)
        axes[1, f].imshow(maps[:, :, f], cmap="viridis")
        axes[2, f].imshow(digit.reshape(16, 16), cmap="gray_r")
    for ax in axes.ravel():
        ax.set_xticks([])
        ax.set_yticks([])
    axes[1, 0].set_ylabel("feature map")
    axes[2, 0].set_ylabel("input")
    fig.tight_layout()
    fig.savefig("cnn_filters.png", dpi=100)
    print("saved cnn_filters.png")
