"""§3.2.1-§3.2.3: the listings' ``RNN``, ``LSTM`` and ``Transformer``, made real.

Each listing reads::

    sequence = ["我", "爱", "中国"]
    model = RNN(input_shape=(1, embedding_size), output_shape=(vocab_size,))
    model.fit(sequence, epochs=10)
    output_distribution = model.predict(sequence)

The three classes here accept exactly that. What the listing leaves implicit:

- ``input_shape=(1, embedding_size)``: one token per step, embedded in
  ``embedding_size`` dimensions. The models embed token ids themselves, so only
  the last entry is used (a language model reads sequences of any length).
- ``output_shape=(vocab_size,)``: a distribution over ``vocab_size`` tokens.
- ``fit(sequence)`` on a list of tokens: the model keeps its own vocabulary
  (the four special tokens, then each new token as it is first seen, up to
  ``vocab_size``; later ones map to ``<unk>``), frames the sequence as
  ``<eos> w1 .. wn`` -> ``w1 .. wn <eos>`` (next-token targets) and trains with
  Adam on sparse cross-entropy. Integer sequences are used as ids directly.
- ``predict(sequence)`` returns a (len(sequence), vocab_size) array: row ``t``
  is the distribution of the token after ``sequence[:t + 1]``.

Each class *is* the corresponding llm-tf model (:class:`~llm_tf.models.SimpleRNNLM`,
:class:`~llm_tf.models.StackedLSTMLM`, :class:`~llm_tf.models.TransformerLM`)
with the vocabulary in its config, so it saves to and reloads from ``.keras``, and
``fit`` / ``predict`` on ordinary arrays behave as in Keras.
"""

from __future__ import annotations

import keras
import numpy as np

from llm_tf.models.compile import compile_lm
from llm_tf.models.recurrent_lm import SimpleRNNLM, StackedLSTMLM
from llm_tf.models.transformer_lm import TransformerLM
from llm_tf.text.vocab import EOS_ID, SPECIALS, UNK_ID

LEARNING_RATE = 1e-2  # Adam's step when fit() compiles the model itself (tiny data)


def _shapes(input_shape, output_shape) -> tuple[int, int]:
    """(embedding_size, vocab_size) from the listing's two shapes."""
    try:
        steps, embedding_size = (None if v is None else int(v) for v in tuple(input_shape))
        (vocab_size,) = (int(v) for v in tuple(output_shape))
    except (TypeError, ValueError, IndexError):
        raise ValueError(
            f"expected input_shape=(steps, embedding_size) and "
            f"output_shape=(vocab_size,), got {input_shape!r}, {output_shape!r}"
        ) from None
    if embedding_size < 1 or vocab_size <= len(SPECIALS):
        raise ValueError(
            f"embedding_size must be >= 1 and vocab_size > {len(SPECIALS)}, got "
            f"{embedding_size}, {vocab_size}"
        )
    return embedding_size, vocab_size


def _is_token_list(x) -> bool:
    if isinstance(x, np.ndarray):
        return x.ndim == 1
    return isinstance(x, (list, tuple)) and all(isinstance(t, (str, int, np.integer)) for t in x)


class _ListingAPI:
    """``fit(sequence)`` / ``predict(sequence)`` on a token list, and the vocabulary."""

    def _listing_setup(self, input_shape, output_shape, tokens):
        self.listing_input_shape = tuple(input_shape)
        self.listing_output_shape = tuple(output_shape)
        self.tokens = list(tokens) if tokens else list(SPECIALS)
        self._index = {t: i for i, t in enumerate(self.tokens)}

    def encode(self, sequence, grow: bool = False) -> list[int]:
        """Ids of ``sequence`` (tokens or ints); ``grow`` adds unseen tokens while room is left."""
        ids = []
        for t in sequence:
            if isinstance(t, (int, np.integer)):
                if not 0 <= int(t) < self.vocab_size:
                    raise ValueError(f"token id {t} is outside [0, {self.vocab_size})")
                ids.append(int(t))
                continue
            if t not in self._index and grow and len(self.tokens) < self.vocab_size:
                self._index[t] = len(self.tokens)
                self.tokens.append(t)
            ids.append(self._index.get(t, UNK_ID))
        return ids

    def training_windows(self, sequence, seq_len: int = 64):
        """``(x, y)`` id windows of ``<eos> sequence <eos>`` (at most ``max_len`` wide)."""
        if len(sequence) == 0:
            raise ValueError("fit() got an empty sequence")
        seq_len = min(seq_len, getattr(self, "max_len", seq_len))
        ids = np.asarray([EOS_ID] + self.encode(sequence, grow=True) + [EOS_ID], np.int32)
        n = len(ids) - 1
        starts = list(range(0, max(n - seq_len, 0) + 1, seq_len))
        if starts[-1] + seq_len < n:
            starts.append(n - seq_len)
        width = min(seq_len, n)
        x = np.stack([ids[s : s + width] for s in starts])
        y = np.stack([ids[s + 1 : s + width + 1] for s in starts])
        return x, y

    def fit(self, x=None, y=None, epochs=1, seq_len: int = 64, **kwargs):
        """``fit(sequence, epochs=...)`` on a token list, or Keras's ``fit`` on arrays."""
        if y is not None or not _is_token_list(x):
            return super().fit(x, y, epochs=epochs, **kwargs)
        xs, ys = self.training_windows(x, seq_len)
        if not self.compiled:
            compile_lm(self, LEARNING_RATE, jit_compile=False)
        kwargs.setdefault("verbose", 0)
        return super().fit(xs, ys, epochs=epochs, **kwargs)

    def predict(self, x, **kwargs):
        """``predict(sequence)``: (len(sequence), vocab_size) next-token probabilities."""
        if not _is_token_list(x):
            return super().predict(x, **kwargs)
        ids = np.asarray([[EOS_ID] + self.encode(x)], np.int32)
        if ids.shape[1] > getattr(self, "max_len", ids.shape[1]):
            raise ValueError(
                f"sequence of {len(x)} tokens exceeds max_len - 1 = {self.max_len - 1}"
            )
        return np.asarray(self(ids, training=False))[0, 1:]  # (T, V)

    def get_config(self):
        config = super().get_config()
        for key in ("vocab_size", "embedding_dim"):
            config.pop(key, None)
        config.update(
            {
                "input_shape": list(self.listing_input_shape),
                "output_shape": list(self.listing_output_shape),
                "tokens": list(self.tokens),
            }
        )
        return config


class _RecurrentListing(_ListingAPI):
    """The listing's constructor for the recurrent models: shapes in, sizes out."""

    def __init__(
        self, input_shape=(1, 256), output_shape=(10_000,), units=128, tokens=None, **kwargs
    ):
        embedding_size, vocab_size = _shapes(input_shape, output_shape)
        super().__init__(vocab_size, embedding_dim=embedding_size, units=units, **kwargs)
        self._listing_setup(input_shape, output_shape, tokens)


@keras.saving.register_keras_serializable(package="llm_tf")
class RNN(_RecurrentListing, SimpleRNNLM):
    """§3.2.1's ``RNN(input_shape=(1, embedding_size), output_shape=(vocab_size,))``."""


@keras.saving.register_keras_serializable(package="llm_tf")
class LSTM(_RecurrentListing, StackedLSTMLM):
    """§3.2.2's ``LSTM(input_shape=(1, embedding_size), output_shape=(vocab_size,))``."""


@keras.saving.register_keras_serializable(package="llm_tf")
class Transformer(_ListingAPI, TransformerLM):
    """§3.2.3's ``Transformer(input_shape=(1, embedding_size), output_shape=(vocab_size,))``.

    ``num_heads`` defaults to the largest of 4, 2, 1 that divides ``embedding_size``.
    """

    def __init__(
        self,
        input_shape=(1, 256),
        output_shape=(10_000,),
        max_len=64,
        num_layers=2,
        num_heads=None,
        tokens=None,
        **kwargs,
    ):
        embedding_size, vocab_size = _shapes(input_shape, output_shape)
        if num_heads is None:
            num_heads = next(h for h in (4, 2, 1) if embedding_size % h == 0)
        super().__init__(
            vocab_size,
            max_len=max_len,
            embedding_dim=embedding_size,
            num_layers=num_layers,
            num_heads=num_heads,
            **kwargs,
        )
        self._listing_setup(input_shape, output_shape, tokens)
