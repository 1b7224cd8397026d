"""§3.1.1's ``NeuralNetwork`` and §3.2.1-§3.2.3's ``RNN``, ``LSTM`` and ``Transformer``, made real.

§3.1.1's listing reads::

    sequence = ["我", "爱", "中国"]
    model = NeuralNetwork(input_shape=(1, embedding_size), output_shape=(vocab_size,))
    model.fit(sequence, epochs=10)
    word_vectors = model.get_word_vectors()

:class:`NeuralNetwork` accepts exactly that: the skip-gram network the section
describes ("input a word, output a probability distribution over the vocabulary"),
one word's (1, embedding_size) vector in, ``p(o | c)`` over ``vocab_size`` words out,
trained on the (centre, context) pairs of a window with the full softmax, i.e. on
§4.1.1's ``J`` itself. (:class:`llm_tf.vectors.Word2Vec` trains the same vectors
with negative sampling, as word2vec does at scale; the word-vector package stands
apart from the model side, so the two share no code.)

Each §3.2 listing reads::

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
from llm_tf.text.tokenizers import get_tokenizer
from llm_tf.text.vocab import EOS_ID, SPECIALS, UNK_ID

LEARNING_RATE = 1e-2  # Adam's step when fit() compiles the model itself (tiny data)
WORD2VEC_LEARNING_RATE = 5e-2  # NeuralNetwork's Adam step: few pairs, few epochs


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


class _ListingVocabulary:
    """The listings' own vocabulary: the specials, then each token as first seen."""

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

    def _listing_config(self, config: dict) -> dict:
        config.update(
            {
                "input_shape": list(self.listing_input_shape),
                "output_shape": list(self.listing_output_shape),
                "tokens": list(self.tokens),
            }
        )
        return config


class _ListingAPI(_ListingVocabulary):
    """``fit(sequence)`` / ``predict(sequence)`` on a token list, for the language models."""

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
        return self._listing_config(config)


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


def _token_lines(sequence) -> list[list]:
    """Raw text (one line a sentence), a token list, or token lists -> token lists."""
    if isinstance(sequence, str):
        lines = [line for line in sequence.splitlines() if line.strip()]
        tok = get_tokenizer("auto", sample=sequence[:5000])
        return [tok.tokenize(line) for line in lines]
    if _is_token_list(sequence):
        return [list(sequence)]
    if isinstance(sequence, (list, tuple)) and all(_is_token_list(s) for s in sequence):
        return [list(s) for s in sequence]
    raise ValueError(
        "fit() expects raw text, a token list or token lists, got "
        f"{type(sequence).__name__}"
    )


@keras.saving.register_keras_serializable(package="llm_tf")
class NeuralNetwork(_ListingVocabulary, keras.Model):
    """§3.1.1's ``NeuralNetwork(input_shape=(1, embedding_size), output_shape=(vocab_size,))``.

    Skip-gram word2vec with the full softmax: ``call(ids)`` maps (B,) centre-word ids to
    (B, vocab_size) probabilities ``p(o | c) = softmax(v_c W + b)``, where ``v_c`` is the
    word's row of the input embedding (its word vector) and ``W`` (embedding_size,
    vocab_size), ``b`` the output layer.

    ``fit(sequence, epochs=...)`` takes raw text (each line a sentence; characters for
    mostly-Chinese text, else words), a token list or token lists: it grows the
    vocabulary (the four special tokens, then each new token as first seen, up to
    ``vocab_size``; later ones map to ``<unk>``), makes every (centre, context) pair
    within ``window`` tokens (:meth:`training_pairs`) and minimises their mean
    ``-log p(context | centre)``, i.e. §4.1.1's J divided by the number of pairs, with
    Adam. ``get_word_vectors()`` returns ``{token: vector}`` for the tokens seen.

    Args:
        input_shape: ``(1, embedding_size)``: one word in, as a vector of that size.
        output_shape: ``(vocab_size,)``: a distribution over that many tokens out.
        window: context words on each side of the centre.
        tokens: the vocabulary so far (``get_config`` keeps it; None: the specials).

    Example:
        >>> model = NeuralNetwork(input_shape=(1, 8), output_shape=(10,))
        >>> history = model.fit(["我", "爱", "中国"], epochs=10)
        >>> sorted(model.get_word_vectors())
        ['中国', '我', '爱']
    """

    def __init__(
        self, input_shape=(1, 100), output_shape=(10_000,), window=2, tokens=None, **kwargs
    ):
        embedding_size, vocab_size = _shapes(input_shape, output_shape)
        if int(window) < 1:
            raise ValueError(f"window must be >= 1, got {window}")
        super().__init__(**kwargs)
        self.embedding_size, self.vocab_size, self.window = embedding_size, vocab_size, int(window)
        self.embedding = keras.layers.Embedding(
            vocab_size, embedding_size, name="word_vectors", dtype=self.dtype_policy
        )
        self.output_layer = keras.layers.Dense(
            vocab_size, name="context_scores", dtype=self.dtype_policy
        )
        self._listing_setup(input_shape, output_shape, tokens)

    def build(self, input_shape=(None,)):
        self.embedding.build(input_shape)
        self.output_layer.build((None, self.embedding_size))
        self.built = True

    def call(self, ids):
        v = self.embedding(ids)  # (B, E): the centre words' vectors
        logits = keras.ops.cast(self.output_layer(v), "float32")  # (B, V)
        return keras.activations.softmax(logits)  # p(o | c)

    def training_pairs(self, sequence, grow: bool = True) -> tuple[np.ndarray, np.ndarray]:
        """(centres, contexts) id arrays: every pair at distance 1..window within a line."""
        centres, contexts = [], []
        for line in _token_lines(sequence):
            ids = np.asarray(self.encode(line, grow=grow), np.int32)
            for d in range(1, self.window + 1):
                if len(ids) > d:
                    centres += [ids[:-d], ids[d:]]
                    contexts += [ids[d:], ids[:-d]]
        if not centres:
            raise ValueError("fit() got no pair of words: give it at least two tokens")
        return np.concatenate(centres), np.concatenate(contexts)

    def fit(self, x=None, y=None, epochs=1, **kwargs):
        """``fit(sequence, epochs=...)`` on text or tokens, or Keras's ``fit`` on arrays."""
        if y is not None or isinstance(x, np.ndarray) and x.dtype.kind in "iu":
            return super().fit(x, y, epochs=epochs, **kwargs)
        centres, contexts = self.training_pairs(x)
        if not self.compiled:
            compile_lm(self, WORD2VEC_LEARNING_RATE, jit_compile=False)
        kwargs.setdefault("verbose", 0)
        kwargs.setdefault("batch_size", 256)
        return super().fit(centres, contexts, epochs=epochs, **kwargs)

    def get_word_vectors(self) -> dict[str, np.ndarray]:
        """``{token: vector}`` for every token seen (the special tokens left out)."""
        table = keras.ops.convert_to_numpy(self.embedding.embeddings)  # (V, E)
        n = len(SPECIALS)
        return {t: table[i] for i, t in enumerate(self.tokens[n:], start=n)}

    def get_config(self):
        config = super().get_config()
        config["window"] = self.window
        return self._listing_config(config)
