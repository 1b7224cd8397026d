"""Translator: §6.3's machine translation with §3.4's encoder-decoder (§4.4).

The network is :class:`~llm_tf.models.AnswerGenerator`'s, unchanged: a bidirectional
LSTM encoder keeps one state per source token (B, S, 2u), an LSTM decoder started from
its final states attends to all of them (additive attention) and writes the target
one token at a time; greedy decoding. Only the text around it differs: the source is
a sentence in one language (no retrieval, no knowledge base), the target the same
sentence in the other, each cut by :mod:`llm_tf.text.parallel_corpus` (Chinese by
character, English by NLTK's word rules). Both languages share one vocabulary and one
embedding table, as in the answer generator.

Copying. The answer generator's pointer-generator is an option here (``copy=``), off
by default: between English and Chinese, the source tokens are almost never the target
tokens (``France`` -> 法国), so copying only helps with numbers and Latin names left
untranslated (``DNA``, ``2024``), which the facts corpus of ``data/parallel/`` does not
have. With ``copy=True`` a source token the vocabulary lacks can still be written out
(its extended id, :mod:`llm_tf.text.qa_data`).

Example:
    >>> model = Translator(source_lang="en", target_lang="zh")
    >>> model.fit(["The capital of France is Paris."], ["法国的首都是巴黎。"],
    ...           epochs=200, verbose=0)  # doctest: +SKIP
    >>> model.predict(["The capital of France is Paris."])  # doctest: +SKIP
    ['法国的首都是巴黎。']

References:
    Sutskever, Vinyals, Le (2014), "Sequence to Sequence Learning with Neural Networks";
    Bahdanau, Cho, Bengio (2015), "Neural Machine Translation by Jointly Learning to Align
    and Translate".
"""

from __future__ import annotations

from collections.abc import Sequence

import keras

from llm_tf.errors import UserInputError
from llm_tf.models.answer_generator import AnswerGenerator, qa_loss
from llm_tf.text.parallel_corpus import LANGUAGES, detokenize, tokenize
from llm_tf.text.qa_data import build_vocabulary, decode_ids, encode_sources, encode_targets

__all__ = ["Translator", "translation_loss"]

translation_loss = qa_loss  # cross-entropy on the (copy-mixed) probabilities, padding ignored


def _is_text(x) -> bool:
    return isinstance(x, (list, tuple)) and len(x) > 0 and all(isinstance(s, str) for s in x)


@keras.saving.register_keras_serializable(package="llm_tf")
class Translator(AnswerGenerator):
    """The answer generator's encoder-decoder as a sentence translator.

    Args:
        vocabulary: tokens of both languages (``QA_SPECIALS`` first); ``None`` until the
            first ``fit`` on sentences builds it.
        source_lang, target_lang: ``"en"`` / ``"zh"``, different.
        embedding_dim, units, attention_units, dropout, min_count, seed: as in
            :class:`~llm_tf.models.AnswerGenerator`.
        copy: the pointer-generator (off by default: see the module docstring).
        max_source_len: source tokens kept.
        max_target_len: longest translation generated, in tokens (``<eos>`` included).
    """

    def __init__(self, vocabulary=None, source_lang="en", target_lang="zh", embedding_dim=64,
                 units=128, attention_units=128, copy=False, dropout=0.1, max_source_len=64,
                 max_target_len=40, min_count=1, seed=None, **kwargs):
        if source_lang not in LANGUAGES or target_lang not in LANGUAGES or (
                source_lang == target_lang):
            raise UserInputError(f"a Translator translates between {' and '.join(LANGUAGES)}: "
                                 f"got {source_lang!r} -> {target_lang!r}")
        kwargs.pop("relation_hint", None)  # the answer generator's; no retrieval here
        kwargs.pop("max_answer_len", None)
        super().__init__(vocabulary=vocabulary, embedding_dim=embedding_dim, units=units,
                         attention_units=attention_units, copy=copy, dropout=dropout,
                         max_source_len=max_source_len, max_answer_len=max_target_len,
                         min_count=min_count, relation_hint=False, seed=seed, **kwargs)
        self.source_lang, self.target_lang = source_lang, target_lang
        self.max_target_len = int(max_target_len)

    @property
    def direction(self) -> str:
        return f"{self.source_lang}-{self.target_lang}"

    # ---- sentences <-> ids
    def build_vocabulary_from(self, sources: Sequence[str], targets: Sequence[str]
                              ) -> list[str]:
        """Specials, then the tokens of both sides by count (``min_count`` applies)."""
        return build_vocabulary([*(tokenize(s, self.source_lang) for s in sources),
                                 *(tokenize(t, self.target_lang) for t in targets)],
                                min_count=self.min_count)

    def encode_pairs(self, sources: Sequence[str], targets: Sequence[str] | None = None):
        """(inputs dict, targets (N, T) or None, source tokens) for sentences."""
        if self.vocabulary is None:
            raise UserInputError("the translator has not been trained: fit it first")
        toks = [tokenize(s, self.source_lang)[:self.max_source_len] for s in sources]
        src, ext = encode_sources(toks, self.index, self.max_source_len)
        inputs, y = {"source": src, "source_ext": ext}, None
        if targets is not None:
            x, y = encode_targets([tokenize(t, self.target_lang) for t in targets], toks,
                                  self.index, self.max_target_len)
            inputs["target_in"] = x
        return inputs, y, toks

    # ---- text in, text out
    def fit(self, x=None, y=None, **kwargs):
        """Keras ``fit``; with a list of source sentences, ``y`` is their translations
        (the first such ``fit`` builds the vocabulary and compiles with Adam)."""
        if not _is_text(x):
            return super().fit(x, y, **kwargs)
        if y is None or isinstance(y, str) or len(y) != len(x):
            got = "none" if y is None else 1 if isinstance(y, str) else len(y)
            raise UserInputError(f"give one translation per sentence: {len(x)} sentences, "
                                 f"{got} translations")
        if self.vocabulary is None:
            self._set_vocabulary(self.build_vocabulary_from(x, y))
        inputs, targets, _ = self.encode_pairs(x, y)
        if not self.compiled:
            self.compile(optimizer=keras.optimizers.Adam(3e-3), loss=translation_loss(),
                         jit_compile=False)
        return super().fit(inputs, targets, **kwargs)

    def predict(self, x, *, batch_size=256, **kwargs):
        """Keras ``predict``; with a list of sentences, their translations (greedy)."""
        if not _is_text(x):
            return super().predict(x, batch_size=batch_size, **kwargs)
        out = []
        for start in range(0, len(x), batch_size):
            chunk = list(x[start:start + batch_size])
            inputs, _, toks = self.encode_pairs(chunk)
            ids, _ = self._greedy(inputs["source"], inputs["source_ext"])
            out += [detokenize(decode_ids(row, src, self.vocabulary), self.target_lang)
                    for row, src in zip(ids, toks, strict=True)]
        return out

    def translate(self, sentence: str) -> str:
        """One sentence's translation."""
        return self.predict([sentence])[0]

    def answer(self, question, knowledge_base=None):  # the QA entry point does not apply
        raise UserInputError("a Translator translates sentences: use translate() or predict()")

    # ---- serialization
    def get_config(self):
        config = super().get_config()
        for key in ("max_answer_len", "relation_hint"):
            config.pop(key, None)
        config.update({"source_lang": self.source_lang, "target_lang": self.target_lang,
                       "max_target_len": self.max_target_len})
        return config
