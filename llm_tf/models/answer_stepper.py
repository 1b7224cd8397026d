"""§3.4, §4.4: the answer generator as the project's decoder sees it.

:class:`~llm_tf.generation.decoder.Decoder` drives any model through ``init_state(batch)``
and ``step(ids, state, index)``. An encoder-decoder fits that interface once its
question is encoded: :meth:`AnswerStepper.bind` runs the encoder on one question's
source (question ``<sep>`` relation ``<sep>`` facts), and the encoder outputs then
travel *in the decoder state*, ``[h, c, enc, keys, source, source_ext]``, so that beam
search reorders them with the beams like any recurrent state. Each step returns the log
of the pointer-generator's final distribution over the extended vocabulary (the words
plus one id per source position, for copied words the vocabulary lacks), which greedy
decoding and beam search read as logits.

The source is padded to the model's ``max_source_len``, so the extended vocabulary has
one size and the decoder's compiled loop serves every question.

Example::

    stepper = AnswerStepper(model)
    decoder = Decoder(stepper)
    stepper.bind(source, source_ext)  # (1, S) ids of one question, from encode_examples
    ids = decoder.generate([BOS_ID], beam_size=4, max_tokens=16, stop_ids=(EOS_ID,))
"""

from __future__ import annotations

import numpy as np
import tensorflow as tf
from keras import ops

__all__ = ["AnswerStepper"]

TINY = 1e-30  # floor of the probabilities before the log: a word never copied is -69, not -inf


class AnswerStepper:
    """The ``init_state`` / ``step`` interface of a trained
    :class:`~llm_tf.models.AnswerGenerator`, bound to one question at a time."""

    def __init__(self, model):
        if model.vocabulary is None:
            from llm_tf.errors import UserInputError

            raise UserInputError("the model has not been trained: fit it first")
        self.model = model
        self.source_len = int(model.max_source_len)
        self.vocab_size = len(model.vocabulary) + self.source_len
        self._bound = None
        self._encode = tf.function(
            lambda src: model.encode(src, training=False),
            input_signature=[tf.TensorSpec([None, self.source_len], tf.int32)])

    def bind(self, source, source_ext) -> None:
        """Encode one question: ``source`` and ``source_ext`` of shape (1, S), S at most
        ``max_source_len`` (``AnswerGenerator.encode_examples`` gives them)."""
        src, ext = np.asarray(source, np.int32), np.asarray(source_ext, np.int32)
        if src.ndim != 2 or src.shape[0] != 1 or src.shape != ext.shape:
            raise ValueError(f"bind takes one question's (1, S) ids, got {src.shape} / "
                             f"{ext.shape}")
        pad = self.source_len - src.shape[1]
        if pad < 0:
            raise ValueError(f"source of {src.shape[1]} tokens exceeds max_source_len "
                             f"{self.source_len}")
        src, ext = (np.pad(a, [(0, 0), (0, pad)]) for a in (src, ext))
        enc, h0, c0, keys = self._encode(tf.constant(src))
        self._bound = [h0, c0, enc, keys, tf.constant(src), tf.constant(ext)]

    def init_state(self, batch_size):
        """The bound question's decoder state, repeated for ``batch_size`` rows (beams)."""
        if self._bound is None:
            raise ValueError("bind() a question before decoding")
        return [ops.repeat(t, batch_size, axis=0) for t in self._bound]

    def step(self, ids, state, index=0):
        """Log-probabilities (B, T, V + S) of the next token after each of ``ids`` (B, T);
        ``index`` is unused (the decoder LSTM has no positions)."""
        final, state = self.model.step(ops.cast(ids, "int32"), state)
        return ops.log(ops.maximum(final, TINY)), state
