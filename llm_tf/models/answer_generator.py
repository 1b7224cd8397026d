"""AnswerGenerator: §3.4's answer-generation network, an encoder-decoder with attention (§4.4)
and a copy mechanism (pointer-generator, See et al. 2017), grounded in a knowledge base.

The pipeline for one question (§6.1):

1. retrieval (:mod:`llm_tf.text.retrieval`, plain rules) finds the entity and its facts;
   no entity, or an entity without the relation the question names: the reply is
   ``<unknown>`` and the model is not heeded (a relation retrieval does not recognise
   is the model's to answer ``<unknown>``, as trained);
2. the **encoder**, a bidirectional LSTM, reads question ``<sep>`` facts and keeps one
   state per token, :math:`h_1..h_S` (B, S, 2u): not a fixed-length vector;
3. the **decoder**, an LSTM started from the encoder's final states, reads the answer
   so far: each input is the previous token's embedding and, as CopyNet's "selective
   read" (Gu et al. 2016), the mean of the encoder states where that token occurs in the
   source (so a copied word it has no embedding for is not a bare ``<unk>``, and it
   does not copy the same word twice); at step t its state :math:`s_t` attends to
   every :math:`h_i` (additive
   attention, :math:`e_{ti} = v^\\top \\tanh(W_h h_i + W_s s_t)`,
   :math:`a_t = \\mathrm{softmax}(e_t)`, context :math:`c_t = \\sum_i a_{ti} h_i`);
4. **pointer-generator**: :math:`P_{vocab} = \\mathrm{softmax}(V\\,\\tanh(W[s_t; c_t]))`,
   :math:`p_{gen} = \\sigma(w^\\top [c_t; s_t; x_t])` and
   :math:`P(w) = p_{gen} P_{vocab}(w) + (1 - p_{gen}) \\sum_{i: x_i = w} a_{ti}`, over the
   extended vocabulary (:mod:`llm_tf.text.qa_data`): a country or capital never seen in
   training is copied from the facts. ``copy=False`` is the ablation (:math:`p_{gen}=1`).

The listing's shape works: ``AnswerGenerator()``, ``fit([question], [answer],
knowledge_base=kb, epochs=...)`` (the vocabulary comes from the first ``fit``) and
``predict([question])`` -> ``["北京"]``; array inputs go to Keras's own ``fit`` /
``predict``. Greedy decoding; the model is a ``.keras``-serializable Keras model (the
vocabulary is in ``get_config()``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import keras
import numpy as np
import tensorflow as tf
from keras import ops

from llm_tf.errors import UserInputError
from llm_tf.text.knowledge_base import KnowledgeBase, detokenize
from llm_tf.text.qa_data import (
    QA_SPECIALS,
    UNKNOWN_ID,
    answer_tokens,
    build_vocabulary,
    decode_ids,
    encode_sources,
    encode_targets,
    source_tokens,
)
from llm_tf.text.retrieval import UNKNOWN, Retriever
from llm_tf.text.vocab import BOS_ID, EOS_ID, UNK_ID

__all__ = ["AnswerGenerator", "qa_loss"]


def qa_loss():
    """Cross-entropy on the final (copy-mixed) probabilities, padding ignored."""
    return keras.losses.SparseCategoricalCrossentropy(ignore_class=0)


def _is_text(x) -> bool:
    return isinstance(x, (list, tuple)) and len(x) > 0 and all(isinstance(q, str) for q in x)


@keras.saving.register_keras_serializable(package="llm_tf")
class AnswerGenerator(keras.Model):
    """Knowledge-grounded encoder-decoder with attention and a copy mechanism.

    Args:
        vocabulary: the token list (``QA_SPECIALS`` first); ``None`` until the first
            ``fit`` on text builds it from the questions, facts and answers.
        embedding_dim: token embedding width (shared by encoder and decoder).
        units: LSTM units of the decoder and of each encoder direction.
        attention_units: hidden width of the additive attention.
        copy: the pointer-generator; ``False`` writes from the vocabulary only.
        dropout: dropout on the embeddings.
        max_source_len, max_answer_len: longest input kept / answer generated (tokens).
        min_count: the vocabulary built by ``fit`` drops rarer tokens.
        relation_hint: the encoder also reads the relation retrieval found; ``False``
            leaves the model to find it in the question alone.
        seed: seeds the dropout.

    Example:
        >>> kb = {"中国": {"首都": "北京"}, "日本": {"首都": "东京"}}
        >>> model = AnswerGenerator()
        >>> model.fit(["中国的首都是什么？", "日本的首都是什么？"], ["北京", "东京"],
        ...           knowledge_base=kb, epochs=50, verbose=0)  # doctest: +SKIP
        >>> model.predict(["中国的首都是什么？"])  # doctest: +SKIP
        ['北京']

    References:
        Bahdanau, Cho, Bengio (2015), attention; See, Liu, Manning (2017), "Get To The
        Point: Summarization with Pointer-Generator Networks".
    """

    def __init__(self, vocabulary=None, embedding_dim=64, units=128, attention_units=128,
                 copy=True, dropout=0.1, max_source_len=128, max_answer_len=16, min_count=1,
                 relation_hint=True, seed=None, **kwargs):
        listing = sorted({"input_shape", "output_shape"} & set(kwargs))
        if listing:
            raise UserInputError(
                f"AnswerGenerator takes no {' / '.join(listing)} (§3.4's listing): a question "
                "and its facts are a sequence of tokens, not one (1, embedding_size) vector, "
                "and an answer is a sequence of tokens over the vocabulary plus the copied "
                "source positions, not one (vocab_size,) output")
        super().__init__(**kwargs)
        self.vocabulary = None if vocabulary is None else list(vocabulary)
        self.embedding_dim = int(embedding_dim)
        self.units = int(units)
        self.attention_units = int(attention_units)
        self.copy = bool(copy)
        self.dropout = float(dropout)
        self.max_source_len = int(max_source_len)
        self.max_answer_len = int(max_answer_len)
        self.min_count = int(min_count)
        self.relation_hint = bool(relation_hint)
        self.seed = seed
        self.knowledge_base = None  # the last one given to fit / predict (not saved)
        policy = self.dtype_policy
        u, a = self.units, self.attention_units
        seeded = None if seed is None else int(seed)
        self.embedding_dropout = keras.layers.Dropout(self.dropout, seed=seeded, dtype=policy)
        self.encoder = keras.layers.Bidirectional(
            keras.layers.LSTM(u, return_sequences=True, return_state=True, dtype=policy),
            dtype=policy, name="encoder")
        self.bridge_h = keras.layers.Dense(u, activation="tanh", dtype=policy, name="bridge_h")
        self.bridge_c = keras.layers.Dense(u, dtype=policy, name="bridge_c")
        self.decoder = keras.layers.LSTM(u, return_sequences=True, dtype=policy, name="decoder")
        self.w_h = keras.layers.Dense(a, use_bias=False, dtype=policy, name="w_h")
        self.w_s = keras.layers.Dense(a, dtype=policy, name="w_s")
        self.v = keras.layers.Dense(1, use_bias=False, dtype=policy, name="v")
        self.combine = keras.layers.Dense(u, activation="tanh", dtype=policy, name="combine")
        self.p_gen_layer = (keras.layers.Dense(1, dtype=policy, name="p_gen")
                            if self.copy else None)
        self.embedding = self.out = None
        self._infer = None
        if self.vocabulary is not None:
            self._set_vocabulary(self.vocabulary)

    # ---- vocabulary and weights
    def _set_vocabulary(self, tokens: Sequence[str]) -> None:
        tokens = list(tokens)
        if tuple(tokens[:len(QA_SPECIALS)]) != QA_SPECIALS:
            raise UserInputError(f"an AnswerGenerator vocabulary must start with {QA_SPECIALS}, "
                                 f"got {tokens[:len(QA_SPECIALS)]}")
        self.vocabulary = tokens
        self.index = {t: i for i, t in enumerate(tokens)}
        policy = self.dtype_policy
        self.embedding = keras.layers.Embedding(len(tokens), self.embedding_dim, dtype=policy,
                                                name="embedding")
        self.out = keras.layers.Dense(len(tokens), dtype=policy, name="vocab_logits")
        self.build()

    def build(self, inputs_shape=None):
        if self.built:
            return
        if self.vocabulary is None:
            raise UserInputError("AnswerGenerator has no vocabulary yet: give vocabulary= or "
                                 "fit it on questions first")
        e, u = self.embedding_dim, self.units
        self.embedding.build((None, None))
        self.encoder.build((None, None, e))
        self.bridge_h.build((None, 2 * u))
        self.bridge_c.build((None, 2 * u))
        self.decoder.build((None, None, e + 2 * u))
        self.w_h.build((None, None, 2 * u))
        self.w_s.build((None, None, u))
        self.v.build((None, None, self.attention_units))
        self.combine.build((None, None, 3 * u))
        self.out.build((None, None, u))
        if self.copy:
            self.p_gen_layer.build((None, None, 5 * u + e))
        self.built = True

    # ---- the forward pass
    def encode(self, source, training=None):
        """Encoder states (B, S, 2u), the decoder's initial [h, c] and the keys W_h h."""
        mask = ops.not_equal(source, 0)  # (B, S)
        x = self.embedding_dropout(self.embedding(source), training=training)  # (B, S, E)
        h, fh, fc, bh, bc = self.encoder(x, mask=mask, training=training)  # (B, S, 2u)
        h0 = self.bridge_h(ops.concatenate([fh, bh], axis=-1))  # (B, u)
        c0 = self.bridge_c(ops.concatenate([fc, bc], axis=-1))  # (B, u)
        return h, h0, c0, self.w_h(h)

    def decode(self, enc, h0, c0, keys, source, source_ext, target_in, training=None):
        """Final probabilities (B, T, V + S), p_gen (B, T, 1) and attention (B, T, S)."""
        y = self._decoder_inputs(enc, source, source_ext, target_in, training)  # (B, T, E+2u)
        s = self.decoder(y, initial_state=[h0, c0], training=training)  # (B, T, u)
        return self._output(enc, keys, source, source_ext, s, y)

    def _decoder_inputs(self, enc, source, source_ext, target_in, training=None):
        """Each answer token's embedding and its selective read: (B, T, E + 2u)."""
        v = len(self.vocabulary)
        known = ops.where(ops.less(target_in, v), target_in, UNK_ID)
        y = self.embedding_dropout(self.embedding(known), training=training)  # (B, T, E)
        # selective read: mean encoder state where the previous token occurs in the source
        where = ops.cast(ops.logical_and(ops.equal(source_ext[:, None, :], target_in[:, :, None]),
                                         ops.not_equal(source, 0)[:, None, :]), enc.dtype)
        where = where / ops.maximum(ops.sum(where, axis=-1, keepdims=True), 1.0)  # (B, T, S)
        return ops.concatenate([y, ops.matmul(where, enc)], axis=-1)

    def _output(self, enc, keys, source, source_ext, s, y):
        """Attention over the source, the vocabulary distribution and the copy mixture for
        decoder states ``s`` (B, T, u) with inputs ``y``: (final, p_gen, attention)."""
        v = len(self.vocabulary)
        scores = self.v(ops.tanh(keys[:, None] + self.w_s(s)[:, :, None]))[..., 0]  # (B, T, S)
        mask = ops.not_equal(source, 0)[:, None, :]
        scores = ops.where(mask, ops.cast(scores, "float32"), -1e9)
        attn = ops.softmax(scores, axis=-1)  # (B, T, S)
        context = ops.matmul(ops.cast(attn, enc.dtype), enc)  # (B, T, 2u)
        feat = self.combine(ops.concatenate([s, context], axis=-1))  # (B, T, u)
        p_vocab = ops.softmax(ops.cast(self.out(feat), "float32"), axis=-1)  # (B, T, V)
        n_src = ops.shape(source)[1]
        if not self.copy:
            p_gen = ops.ones_like(p_vocab[..., :1])
            return ops.pad(p_vocab, [[0, 0], [0, 0], [0, n_src]]), p_gen, attn
        p_gen = ops.sigmoid(ops.cast(
            self.p_gen_layer(ops.concatenate([context, s, y], axis=-1)), "float32"))
        in_vocab = ops.less(source_ext, v)  # (B, S)
        to_vocab = ops.one_hot(source, v) * ops.cast(in_vocab, "float32")[..., None]
        positions = ops.arange(n_src, dtype="int32")
        to_position = ops.cast(ops.equal(source_ext[:, :, None], v + positions[None, None]),
                               "float32")  # (B, S, S): OOV token i -> its first position
        copy = ops.concatenate([ops.matmul(attn, to_vocab), ops.matmul(attn, to_position)],
                               axis=-1)  # (B, T, V + S)
        final = p_gen * ops.pad(p_vocab, [[0, 0], [0, 0], [0, n_src]]) + (1 - p_gen) * copy
        return final, p_gen, attn

    def step(self, ids, state):
        """Run answer tokens ``ids`` (B, T), extended ids, one LSTM step each from
        ``state`` = ``[h, c, enc, keys, source, source_ext]``: (final probabilities
        (B, T, V + S), new state). The same numbers as :meth:`decode` on the whole
        answer (tested); :class:`AnswerStepper` gives it the decoder's interface."""
        h, c, enc, keys, source, source_ext = state
        y = self._decoder_inputs(enc, source, source_ext, ids)  # (B, T, E + 2u)
        outs = []
        for t in range(ids.shape[1]):  # the prompt is <bos>, then one token a step
            out, (h, c) = self.decoder.cell(y[:, t], [h, c], training=False)
            outs.append(out)
        final, _, _ = self._output(enc, keys, source, source_ext, ops.stack(outs, axis=1), y)
        return final, [h, c, enc, keys, source, source_ext]

    def call(self, inputs, training=None):
        source = ops.cast(inputs["source"], "int32")
        source_ext = ops.cast(inputs["source_ext"], "int32")
        target_in = ops.cast(inputs["target_in"], "int32")
        enc, h0, c0, keys = self.encode(source, training=training)
        final, _, _ = self.decode(enc, h0, c0, keys, source, source_ext, target_in,
                                  training=training)
        return final

    # ---- text in, text out
    def build_vocabulary_from(self, questions, answers, knowledge_base) -> list[str]:
        retriever = Retriever(knowledge_base)
        sources = [source_tokens(retriever.retrieve(q).source(self.relation_hint))
                   for q in questions]
        return build_vocabulary([*sources, *(answer_tokens(a) for a in answers)],
                                min_count=self.min_count)

    def encode_examples(self, questions, answers=None, knowledge_base=None):
        """(inputs dict, targets or None, source tokens, retrievals) for text questions."""
        retriever = Retriever(knowledge_base)
        found = [retriever.retrieve(q) for q in questions]
        sources = [source_tokens(r.source(self.relation_hint))[:self.max_source_len]
                   for r in found]
        src, ext = encode_sources(sources, self.index, self.max_source_len)
        inputs = {"source": src, "source_ext": ext}
        targets = None
        if answers is not None:
            x, targets = encode_targets([answer_tokens(a) for a in answers], sources,
                                        self.index, self.max_answer_len)
            inputs["target_in"] = x
        return inputs, targets, sources, found

    def _kb(self, knowledge_base):
        if knowledge_base is not None:
            self.knowledge_base = KnowledgeBase.from_dict(knowledge_base)
        if self.knowledge_base is None:
            raise UserInputError("no knowledge base: pass knowledge_base={entity: {relation: "
                                 "value}} (the listing never gives it to the model)")
        return self.knowledge_base

    def fit(self, x=None, y=None, *, knowledge_base=None, **kwargs):
        """Keras ``fit``; with a list of question strings, ``y`` is their answers and
        ``knowledge_base`` the facts retrieval reads (kept for ``predict``). Questions
        whose fact retrieval finds missing stay in: ``predict`` answers them ``<unknown>``
        without the model, but learning that the relation asked is absent from the
        facts teaches it to match relation and fact (trial runs on data/qa, held-out
        countries: 0.927 with them dropped, 0.946 kept)."""
        if not _is_text(x):
            return super().fit(x, y, **kwargs)
        if y is None:
            raise UserInputError("fit([question]) needs the answers: fit(questions, answers, "
                                 "knowledge_base=...); the listing's model.fit([question], "
                                 "epochs=10) gives the model nothing to learn")
        if isinstance(y, str) or len(y) != len(x):
            raise UserInputError(f"give one answer per question: {len(x)} questions, "
                                 f"{1 if isinstance(y, str) else len(y)} answers")
        kb = self._kb(knowledge_base)
        if self.vocabulary is None:
            self._set_vocabulary(self.build_vocabulary_from(x, y, kb))
        inputs, targets, _, _ = self.encode_examples(x, y, kb)
        if not self.compiled:
            self.compile(optimizer=keras.optimizers.Adam(3e-3), loss=qa_loss())
        return super().fit(inputs, targets, **kwargs)

    def predict(self, x, *, knowledge_base=None, return_details=False, batch_size=256,
                **kwargs):
        """Keras ``predict``; with a list of question strings, their answers (``<unknown>``
        when the knowledge base has no such fact). ``return_details=True`` gives one dict
        per question: ``answer``, ``retrieval``, ``decided_by`` (``"retrieval"`` when it
        found no entity, or an entity without the relation asked: the model is not
        heeded; else ``"model"``), ``copy_probability`` (mean 1 - p_gen over the answer's
        tokens, ``<eos>`` not counted) and ``tokens``."""
        if not _is_text(x):
            return super().predict(x, batch_size=batch_size, **kwargs)
        kb = self._kb(knowledge_base)
        if self.vocabulary is None:
            raise UserInputError("the model has not been trained: fit it first")
        details = [None] * len(x)
        for start in range(0, len(x), batch_size):
            chunk = list(x[start:start + batch_size])
            inputs, _, sources, found = self.encode_examples(chunk, None, kb)
            ids, p_gen = self._greedy(inputs["source"], inputs["source_ext"])
            for i, r in enumerate(found):
                asked = not r.missing_fact  # else retrieval answers: no such fact
                tokens = decode_ids(ids[i], sources[i], self.vocabulary) if asked else []
                n = max(1, len(tokens))  # the answer's steps, <eos> not counted
                if not asked or not tokens or ids[i, 0] == UNKNOWN_ID:
                    answer = UNKNOWN
                else:
                    answer = detokenize(tokens)
                details[start + i] = {
                    "question": chunk[i], "answer": answer, "retrieval": r.to_dict(),
                    "decided_by": "model" if asked else "retrieval",
                    "copy_probability": float(1 - p_gen[i, :n].mean()) if asked else 0.0,
                    "tokens": tokens}
        return details if return_details else [d["answer"] for d in details]

    def answer(self, question: str, knowledge_base=None) -> str:
        """One question's answer."""
        return self.predict([question], knowledge_base=knowledge_base)[0]

    def _greedy(self, source, source_ext):
        """Greedy decoding: (B, max_answer_len) extended ids and (B, max_answer_len) p_gen."""
        if self._infer is None:  # traced once: every length is left open
            u, a, dt = self.units, self.attention_units, self.compute_dtype
            ids = tf.TensorSpec([None, None], tf.int32)
            states = [tf.TensorSpec([None, None, 2 * u], dt), tf.TensorSpec([None, u], dt),
                      tf.TensorSpec([None, u], dt), tf.TensorSpec([None, None, a], dt)]
            self._infer = (
                tf.function(lambda src: self.encode(src, training=False), input_signature=[ids]),
                tf.function(lambda enc, h0, c0, keys, src, ext, y: self.decode(
                    enc, h0, c0, keys, src, ext, y, training=False),
                    input_signature=[*states, ids, ids, ids]))
        encode, decode = self._infer
        source, source_ext = tf.constant(source, tf.int32), tf.constant(source_ext, tf.int32)
        enc, h0, c0, keys = encode(source)
        b = source.shape[0]
        target_in = np.full((b, 1), BOS_ID, dtype=np.int32)
        ids = np.zeros((b, self.max_answer_len), dtype=np.int32)
        gens = np.ones((b, self.max_answer_len), dtype=np.float32)
        done = np.zeros(b, dtype=bool)
        for t in range(self.max_answer_len):
            final, p_gen, _ = decode(enc, h0, c0, keys, source, source_ext,
                                     tf.constant(target_in))
            nxt = np.asarray(final[:, -1]).argmax(axis=-1).astype(np.int32)
            nxt[done] = 0
            ids[:, t], gens[:, t] = nxt, np.asarray(p_gen[:, -1, 0])
            done |= (nxt == EOS_ID) | (nxt == UNKNOWN_ID)
            if done.all():
                break
            target_in = np.concatenate([target_in, nxt[:, None]], axis=1)
        return ids, gens

    # ---- serialization
    def get_config(self):
        config = super().get_config()
        config.update({"vocabulary": self.vocabulary, "embedding_dim": self.embedding_dim,
                       "units": self.units, "attention_units": self.attention_units,
                       "copy": self.copy, "dropout": self.dropout,
                       "max_source_len": self.max_source_len,
                       "max_answer_len": self.max_answer_len, "min_count": self.min_count,
                       "relation_hint": self.relation_hint, "seed": self.seed})
        return config

    @classmethod
    def from_config(cls, config: Mapping):
        return cls(**config)
