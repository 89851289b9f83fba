"""
===============================================
A text CNN: 1-D convolution over word sequences
===============================================

A convolutional network also reads text. Write a sentence as a matrix
with one column per word (here the word's 1-of-N encoding, one row per
vocabulary entry); a filter is as tall as that matrix (it spans the whole
word encoding) and slides along the words only. With a kernel of 2 words,
each filter is a detector of a 2-word phrase, and max pooling over time
asks "does the phrase occur anywhere?".

We generate sentences from a 12-word vocabulary. Every sentence contains the
words "not" and "good"; it is positive exactly when "not" is immediately
followed by "good". A bag-of-words model sees the same word counts in both
classes and stays at chance; ``ConvNetClassifier(conv_dim=1)`` finds the
phrase.
"""

# %%
# Generated sentences
# -------------------
# Sentences of 12 words, each containing "not" and "good" once: next to each
# other in this order for the positive class, reversed or apart for the
# negative one. Each sentence becomes a matrix of shape ``(V, T)``: one
# 1-of-N column per word.

import warnings

import matplotlib.pyplot as plt
import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split

from skdl import ConvNetClassifier, LogisticRegression

warnings.simplefilter("ignore", ConvergenceWarning)

VOCABULARY = ["the", "movie", "was", "not", "good", "plot", "very", "acting", "bad", "is",
              "really", "fun"]
NOT, GOOD = VOCABULARY.index("not"), VOCABULARY.index("good")
V, T = len(VOCABULARY), 12


def make_sentences(n, rng):
    """Token sequences; label 1 iff "not good" occurs as adjacent words."""
    fillers = [w for w in range(V) if w not in (NOT, GOOD)]
    tokens = rng.choice(fillers, size=(n, T))
    labels = rng.integers(0, 2, n)
    for i, label in enumerate(labels):
        a, b = sorted(rng.choice(T - 1, size=2, replace=False))
        if label:                       # "... not good ..."
            tokens[i, a], tokens[i, a + 1] = NOT, GOOD
        elif rng.random() < 0.5:        # "... good not ..."
            tokens[i, a], tokens[i, a + 1] = GOOD, NOT
        else:                           # "... not ... good ..." (apart)
            b = max(b, a + 2)
            tokens[i, a], tokens[i, min(b, T - 1)] = NOT, GOOD
    return tokens, labels


def one_hot(tokens):
    """(n, T) tokens -> (n, V, T): one column per word, channels first."""
    return np.eye(V)[tokens].transpose(0, 2, 1)


rng = np.random.default_rng(0)
tokens, labels = make_sentences(3000, rng)
X = one_hot(tokens)
X_train, X_test, y_train, y_test = train_test_split(X, labels, test_size=0.3, random_state=0)
print("example sentences:")
for sentence, label in zip(tokens[:4], labels[:4]):
    print(f"  [{label}] " + " ".join(VOCABULARY[w] for w in sentence))

# %%
# A bag of words cannot see the order
# -----------------------------------
# Summing the 1-of-N columns gives each sentence's word counts. Both classes
# contain "not" and "good" once, so the counts carry no information about
# the label.

bag = LogisticRegression(alpha=1e-3).fit(X_train.sum(axis=2), y_train)
bag_accuracy = bag.score(X_test.sum(axis=2), y_test)
print(f"bag of words (logistic regression on word counts): test accuracy {bag_accuracy:.3f}")

# %%
# A convolution over the words
# ----------------------------
# Eight filters of width 2 slide along the sentence (``conv_dim=1``, the
# vocabulary as channels); max pooling over all positions keeps, for each
# filter, its best match anywhere in the sentence, and a softmax layer reads
# the eight maxima.

kernel = 2
cnn = ConvNetClassifier(input_shape=(V, T), conv_dim=1, filters=(8,), kernel_size=kernel,
                        padding="valid", pooling="max", pool_size=T - kernel + 1,
                        hidden_layer_sizes=(), learning_rate_init=0.01,
                        max_iter=100, random_state=0)
cnn.fit(X_train, y_train)  # (n, V, T) arrays; flat (n, V * T) rows work too
cnn_accuracy = cnn.score(X_test, y_test)
print(f"text CNN (8 filters of 2 words, max over time): test accuracy {cnn_accuracy:.3f}")

# %%
# What the filters detect
# -----------------------
# ``conv_coefs_[0]`` has shape ``(kernel, vocabulary, filters)``: row 0 holds
# the weights of the first word of the phrase, row 1 of the second. A
# filter's strongest phrase pairs its largest weight in each row.

W = cnn.conv_coefs_[0]
phrases = []
print("strongest phrase of each filter:")
for f in range(W.shape[-1]):
    first, second = np.argmax(W[0, :, f]), np.argmax(W[1, :, f])
    phrases.append(f"{VOCABULARY[first]} {VOCABULARY[second]}")
    score = W[0, first, f] + W[1, second, f]
    print(f"  filter {f}: '{phrases[-1]}'  (weight sum {score:+.2f})")

# %%
# The CNN classifies the test sentences perfectly or nearly so, and at
# least one filter's strongest phrase is "not good": it is a detector of the
# very phrase that decides the label. The others learned phrases that help
# to rule it out, such as "good" or "not" next to other words.

fig, axes = plt.subplots(1, W.shape[-1], figsize=(2 * W.shape[-1], 3.5), sharey=True)
for f, ax in enumerate(axes):
    ax.imshow(W[:, :, f].T, cmap="RdBu_r", aspect="auto")
    ax.set_xticks(range(kernel), ["w1", "w2"])
    ax.set_title(f"filter {f}", fontsize=8)
axes[0].set_yticks(range(V), VOCABULARY)
fig.tight_layout()
plt.show()
