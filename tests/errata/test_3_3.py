"""§3.3 cross-level attention: the listing's undefined names, its one-input calls on
strings, and the corrected two-level call (docs/errata.md)."""

import keras
import numpy as np
import pytest

from llm_tf.layers.cross_layer_attention import CrossLayerAttention
from tests.errata.article import listing, run_listing, undefined_names


def test_errata_33_the_listing_uses_names_it_never_defines():
    code = listing("3.3")
    assert undefined_names(code) == {"CrossLayerAttention", "embedding_size", "word_sequence"}
    assert not hasattr(keras.layers, "CrossLayerAttention")  # not a Keras layer either
    with pytest.raises(NameError, match="'CrossLayerAttention' is not defined"):
        run_listing(code, "3.3")  # as printed
    # with llm-tf's layer, the text level's call fails first: strings are not states
    with pytest.raises(ValueError, match="Only input tensors"):
        run_listing(code, "3.3", CrossLayerAttention=CrossLayerAttention, embedding_size=4)
    # and the word level is never defined
    words_line = code[code.index("word_attention =") :]
    with pytest.raises(NameError, match="'word_sequence' is not defined"):
        run_listing(words_line, "3.3", attention=CrossLayerAttention(4))


def test_errata_33_corrected_both_levels_meet_in_one_call():
    keras.utils.set_random_seed(0)
    ids = np.array([[4, 5, 6]], "int32")  # 我 爱 中国 as token ids
    word_states = keras.layers.Embedding(7, 4)(ids)  # word level h_{l+1}: (1, 3, 4)
    text_state = keras.ops.mean(word_states, axis=1, keepdims=True)  # text level h_l: (1, 1, 4)
    attention = CrossLayerAttention()
    fused, weights = attention(text_state, word_states, return_attention_scores=True)
    assert tuple(fused.shape) == (1, 1, 4) and tuple(weights.shape) == (1, 1, 1, 3)
    np.testing.assert_allclose(np.asarray(weights).sum(-1), 1.0, atol=1e-6)
    # the output is the weighted sum of the word states, not the weights
    np.testing.assert_allclose(
        np.asarray(fused)[0, 0],
        np.asarray(weights)[0, 0, 0] @ np.asarray(word_states)[0],
        atol=1e-6,
    )
    # one input, as the listing calls it, is self-attention within one level only
    self_only = attention(word_states)
    assert tuple(self_only.shape) == (1, 3, 4)
