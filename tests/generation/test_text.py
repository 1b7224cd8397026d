"""Tests for llm_tf.generation.text: ids and text through the decoder, stop tokens,
``<eos>`` fed first and rendered as a line break."""

import numpy as np
import pytest
import tensorflow as tf

from llm_tf.errors import UserInputError
from llm_tf.generation import SamplingConfig, generate_ids, generate_text, render
from llm_tf.text.tokenizers import Tokenizer
from llm_tf.text.vocab import EOS_ID, SPECIALS, Vocabulary

VOCAB = Vocabulary(list(SPECIALS) + ["the", "cat", "sat", "down"])  # ids 4 .. 7


class Chain:
    """A stepper that says "the cat sat down <eos>" over and over, whatever came before."""

    vocab_size = len(VOCAB)

    def __init__(self):
        nxt = {EOS_ID: 4, 4: 5, 5: 6, 6: 7, 7: EOS_ID}
        table = np.zeros((self.vocab_size, self.vocab_size), "float32")
        for a, b in nxt.items():
            table[a, b] = 1e9
        table[[0, 1, 2], 4] = 1e9
        self.table = tf.constant(table)

    def init_state(self, batch):
        return [tf.zeros((batch,), tf.int32)]

    def step(self, ids, state, index=0):
        return tf.gather(self.table, ids), [ids[:, -1]]


def test_generate_ids_feeds_eos_first():
    # an empty prompt is "start of a line": the decoder sees [<eos>] and continues it
    ids = generate_ids(Chain(), [], SamplingConfig(max_tokens=6, temperature=0))
    assert ids == [4, 5, 6, 7, EOS_ID, 4]
    assert generate_ids(Chain(), [5], SamplingConfig(max_tokens=9), stop_ids=(7,)) == [6, 7]


def test_one_shot_generation_compiles_with_xla_only_when_it_pays(monkeypatch):
    """generate_ids builds a Decoder for one call: a graph loop below XLA_MIN_TOKENS (XLA's
    compile costs more than it saves there), XLA from it on; the tokens are the same."""
    from llm_tf.generation import text
    from llm_tf.generation.decoder import Decoder

    made = []

    class Recording(Decoder):
        def __init__(self, *a, **kw):
            super().__init__(*a, **kw)
            made.append(self.jit_compile)

    monkeypatch.setattr(text, "Decoder", Recording)
    few = generate_ids(Chain(), [5], SamplingConfig(max_tokens=6, temperature=0))
    many = generate_ids(Chain(), [5], SamplingConfig(max_tokens=text.XLA_MIN_TOKENS,
                                                      temperature=0))
    assert made == [False, True]
    assert len(many) == text.XLA_MIN_TOKENS and many[:6] == few == [6, 7, EOS_ID, 4, 5, 6]
    plain = Decoder(Chain(), jit_compile=False).generate(
        [EOS_ID, 5], SamplingConfig(max_tokens=text.XLA_MIN_TOKENS, temperature=0))
    assert many == plain


def test_generate_text_renders_eos_as_a_line_break_and_stops():
    space = Tokenizer("space")
    sampling = SamplingConfig(max_tokens=7, temperature=0)
    assert (
        generate_text(Chain(), space, VOCAB, "the cat", sampling)
        == "the cat sat down\nthe cat sat down"
    )
    stop = SamplingConfig(max_tokens=50, seed=1, stop=("<eos>",))
    assert generate_text(Chain(), space, VOCAB, "cat", stop) == "cat sat down\n"
    stop = SamplingConfig(max_tokens=50, beam_size=2, stop=("sat", "down"))
    assert generate_text(Chain(), space, VOCAB, "the", stop) == "the cat sat"


def test_unknown_stop_tokens_are_named():
    sampling = SamplingConfig(stop=("dog", "<eos>", "cow"))
    with pytest.raises(UserInputError, match=r"not in the vocabulary: \['dog', 'cow'\]"):
        generate_text(Chain(), Tokenizer("space"), VOCAB, "the", sampling)


def test_render():
    assert render(["a", "b", "<eos>", "c"], Tokenizer("space")) == "a b\nc"
    assert render(["我", "爱", "<eos>"], Tokenizer("char")) == "我爱\n"
    assert render([], Tokenizer("word")) == ""
