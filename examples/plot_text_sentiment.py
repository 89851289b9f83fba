"""
Sentiment of short sentences: embedding + LSTM
==============================================

Short generated reviews ("the plot was not good at all", "a truly great
film") are labelled positive or negative. Word order matters: "not" flips
the sentiment of the word after it, which a bag of words cannot see but a
recurrent network reading the sentence left to right can.

The pipeline is ``TextEncoder`` (words -> integer ids, padded with 0) followed
by ``LSTMClassifier(embedding_dim=16)``: an embedding layer turns each id into
a learned 16-dimensional vector (a dense stand-in for its 1-of-N code), the
LSTM reads the sentence (padding masked), and its final state is classified.
A bag-of-words logistic regression is the baseline.

Set ``SKDL_EXAMPLES_FAST=1`` for a reduced run of a few seconds.
"""

import os
import warnings

import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.feature_extraction.text import CountVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline

from skdl.preprocessing import TextEncoder
from skdl.recurrent import LSTMClassifier

FAST = os.environ.get("SKDL_EXAMPLES_FAST") == "1"
N = 600 if FAST else 2000
EPOCHS = 8 if FAST else 20

POSITIVE = ["good", "great", "wonderful", "funny", "moving", "brilliant"]
NEGATIVE = ["bad", "boring", "awful", "dull", "weak", "terrible"]
SUBJECTS = ["the film", "the plot", "the acting", "this movie", "the ending", "the cast"]
FILLERS = ["", "really", "truly", "quite", "very"]


def make_sentences(n, seed):
    """Sentences 'subject was [not] [filler] word [at all]'; 'not' flips the label."""
    rng = np.random.default_rng(seed)
    texts, labels = [], []
    for _ in range(n):
        positive_word = rng.random() < 0.5
        negated = rng.random() < 0.4
        word = rng.choice(POSITIVE if positive_word else NEGATIVE)
        filler = rng.choice(FILLERS)
        parts = [rng.choice(SUBJECTS), "was", "not" if negated else "", filler, word,
                 "at all" if negated and rng.random() < 0.5 else ""]
        texts.append(" ".join(p for p in parts if p))
        labels.append(int(positive_word != negated))
    return texts, np.array(labels)


texts, y = make_sentences(N, seed=0)
train_texts, test_texts, y_train, y_test = train_test_split(texts, y, test_size=0.3,
                                                            random_state=0)
print("examples:", *[f"  {t!r} -> {label}" for t, label in zip(texts[:4], y[:4])], sep="\n")

lstm = make_pipeline(
    TextEncoder(),
    LSTMClassifier(embedding_dim=16, recurrent_layer_sizes=32, batch_size=32,
                   learning_rate_init=0.01, max_iter=EPOCHS, random_state=0),
)
with warnings.catch_warnings():
    warnings.simplefilter("ignore", ConvergenceWarning)
    lstm.fit(train_texts, y_train)
bag = make_pipeline(CountVectorizer(), LogisticRegression()).fit(train_texts, y_train)

print(f"bag of words + logistic regression: test accuracy {bag.score(test_texts, y_test):.3f}")
print(f"embedding + LSTM:                   test accuracy {lstm.score(test_texts, y_test):.3f}")
probe = ["the plot was great", "the plot was not great", "the cast was not very dull at all"]
for text, p in zip(probe, lstm.predict_proba(probe)[:, 1]):
    print(f"  P(positive | {text!r}) = {p:.2f}")

try:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
except ImportError:
    plt = None
if plt is not None:
    clf = lstm[-1]
    fig, ax = plt.subplots(figsize=(5, 3.5))
    ax.plot(np.arange(1, len(clf.loss_curve_) + 1), clf.loss_curve_, marker="o")
    ax.set_xlabel("epoch")
    ax.set_ylabel("training loss")
    ax.set_title("Embedding + LSTM on generated reviews")
    fig.tight_layout()
    fig.savefig("text_sentiment.png", dpi=100)
    print("saved text_sentiment.png")
