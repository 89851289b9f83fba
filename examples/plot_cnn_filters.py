"""
=================================================================
What the first convolution layer learns: filters and feature maps
=================================================================

Each filter of a first convolution layer is a small template slid over the
image: its inner product with every window gives one *feature map*, large
where the window looks like the template. We train a
:class:`~skdl.ConvNetClassifier` on digits upsampled to 16x16 and look at
its 8 learned 3x3 filters and at the maps they produce for one test digit.
"""

# %%
# Training the network
# --------------------

import warnings

import matplotlib.pyplot as plt
import numpy as np
from scipy import ndimage
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split

from skdl import ConvNetClassifier

X, y = load_digits(return_X_y=True)
images = np.clip(ndimage.zoom(X.reshape(-1, 8, 8) / 16.0, (1, 2, 2), order=1), 0, 1)
X_train, X_test, y_train, y_test = train_test_split(
    images.reshape(len(X), -1), y, test_size=0.3, random_state=0)

clf = ConvNetClassifier(input_shape=(1, 16, 16), filters=(8, 16), kernel_size=3,
                        padding="same", hidden_layer_sizes=(32,), learning_rate_init=0.003,
                        max_iter=20, random_state=0)
with warnings.catch_warnings():
    warnings.simplefilter("ignore", ConvergenceWarning)
    clf.fit(X_train, y_train)
accuracy = clf.score(X_test, y_test)
print(f"test accuracy: {accuracy:.3f}")

# %%
# The filters
# -----------
# ``conv_coefs_[0]`` has shape ``(k_h, k_w, in_channels, filters)``: filter
# ``f`` of the one-channel input is ``conv_coefs_[0][:, :, 0, f]``. To read
# them, we correlate each with the Sobel templates of a vertical and a
# horizontal edge (+1 or -1: the same template up to scale and sign).

filters = clf.conv_coefs_[0][:, :, 0, :].transpose(2, 0, 1)
sobel_vertical = np.array([[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]], dtype=float)
sobel_horizontal = sobel_vertical.T


def correlation(a, b):
    a, b = a - a.mean(), b - b.mean()
    return float((a * b).sum() / np.sqrt((a * a).sum() * (b * b).sum()))


edges = np.array([[correlation(w, sobel_vertical), correlation(w, sobel_horizontal)]
                  for w in filters])
print("filter  correlation with a vertical edge, a horizontal edge")
for f, (vertical, horizontal) in enumerate(edges):
    print(f"  {f}     {vertical:+.2f}   {horizontal:+.2f}")

# %%
# Nobody asked for edge detectors, yet several filters are close to one
# (a correlation above 0.6 in absolute value): with a single training signal,
# the class labels, the first layer learned to find the strokes' borders,
# the features that separate digits best.

# %%
# The feature maps of one digit
# -----------------------------
# The fitted network is ``clf.network_``, a chain of layers. Its first layer
# reshapes each row into an image, the second is the convolution; calling
# ``forward`` on them gives the first layer's maps (channels last inside the
# network), to which we apply the ReLU of the block.

digit = X_test[:1]
network = clf.network_
reshape, conv = network.layers[0], network.layers[1]
maps = np.maximum(conv.forward(reshape.forward(digit.astype(network.dtype))), 0)[0]
similarity = np.corrcoef(maps.reshape(-1, maps.shape[-1]).T)  # filters x filters
pairs = [(similarity[a, b], a, b) for a in range(len(similarity)) for b in range(a)]
most_similar, most_opposite = max(pairs), min(pairs)
print(f"test digit: {y_test[0]}")
print("most similar maps: filters {1} and {2} (correlation {0:+.2f})".format(*most_similar))
print("most opposite maps: filters {1} and {2} (correlation {0:+.2f})".format(*most_opposite))

n = filters.shape[0]
limit = np.abs(filters).max()
fig, axes = plt.subplots(3, n, figsize=(1.6 * n, 5))
for f in range(n):
    axes[0, f].imshow(filters[f], cmap="RdBu_r", vmin=-limit, vmax=limit)
    axes[0, f].set_title(f"filter {f}", fontsize=8)
    axes[1, f].imshow(maps[:, :, f], cmap="viridis")
    axes[2, f].imshow(digit.reshape(16, 16), cmap="gray_r")
for ax in axes.ravel():
    ax.set_xticks([])
    ax.set_yticks([])
axes[0, 0].set_ylabel("filter")
axes[1, 0].set_ylabel("feature map")
axes[2, 0].set_ylabel("input")
fig.tight_layout()
plt.show()

# %%
# The filters respond to different parts of the same digit. Filters whose
# edge correlations have opposite signs give maps that are anti-correlated:
# they light up on opposite borders of the strokes. Others have learned
# nearly the same detector (their maps are almost proportional): nothing in
# training pushes the filters to differ, so a layer can afford some
# redundancy. The next layer combines these maps into detectors of larger
# parts of the digit.
