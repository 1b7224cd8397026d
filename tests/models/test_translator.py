"""Translator: the answer generator's network on sentence pairs: shapes, config round trip,
learning a toy set, and a ``.keras`` save + reload that translates identically."""

import keras
import numpy as np
import pytest

from llm_tf.errors import UserInputError
from llm_tf.models import AnswerGenerator, Translator
from llm_tf.runtime import set_seed
from llm_tf.text.qa_data import QA_SPECIALS

SMALL = {"embedding_dim": 16, "units": 32, "attention_units": 32, "dropout": 0.0, "seed": 1}
EN = ["The capital of France is Paris.", "Japan is in Asia.", "People in China speak Chinese."]
ZH = ["法国的首都是巴黎。", "日本位于亚洲。", "中国人说汉语。"]


@pytest.fixture(scope="module")
def trained():
    set_seed(0)
    model = Translator(source_lang="en", target_lang="zh", **SMALL)
    model.fit(EN, ZH, epochs=1, verbose=0)  # builds the vocabulary, compiles with Adam
    model.compile(optimizer=keras.optimizers.Adam(1e-2), loss="sparse_categorical_crossentropy",
                  jit_compile=False)
    inputs, targets, _ = model.encode_pairs(EN * 8, ZH * 8)  # arrays go to Keras's own fit
    model.fit(inputs, targets, batch_size=4, epochs=10, shuffle=True, verbose=0)
    return model


@pytest.mark.parametrize("copy", [False, True])
def test_is_the_answer_generator_network_and_its_output_shape(copy):
    m = Translator(vocabulary=[*QA_SPECIALS, "a", "b", "法"], copy=copy, **SMALL)
    assert isinstance(m, AnswerGenerator) and m.direction == "en-zh" and m.copy == copy
    v = len(m.vocabulary)
    x = {"source": np.array([[6, 7, 0]], "int32"), "source_ext": np.array([[6, 7, 0]], "int32"),
         "target_in": np.array([[2, 8, 3, 0]], "int32")}
    out = np.asarray(m(x))
    assert out.shape == (1, 4, v + 3)  # (B, T, V + S)
    np.testing.assert_allclose(out.sum(-1), 1.0, atol=1e-5)


def test_config_round_trip():
    m = Translator(vocabulary=[*QA_SPECIALS, "a"], source_lang="zh", target_lang="en",
                   max_target_len=9, copy=True, **SMALL)
    cfg = m.get_config()
    assert (cfg["source_lang"], cfg["target_lang"], cfg["max_target_len"]) == ("zh", "en", 9)
    assert "relation_hint" not in cfg and "max_answer_len" not in cfg
    again = Translator.from_config(cfg)
    assert again.get_config() == cfg and again.max_answer_len == 9


def test_learns_a_toy_set(trained):
    assert trained.predict(EN) == ZH
    assert trained.translate(EN[0]) == ZH[0]


def test_save_and_reload_translate_identically(trained, tmp_path):
    path = tmp_path / "t.keras"
    trained.save(path)
    again = keras.saving.load_model(path)  # default safe_mode
    assert isinstance(again, Translator) and again.vocabulary == trained.vocabulary
    assert again.predict(EN) == trained.predict(EN)
    x, _, _ = trained.encode_pairs(EN, ZH)
    np.testing.assert_allclose(np.asarray(again(x)), np.asarray(trained(x)), atol=1e-6)


def test_bad_input():
    with pytest.raises(UserInputError, match="'en' -> 'en'"):
        Translator(source_lang="en", target_lang="en")
    with pytest.raises(UserInputError, match="'fr'"):
        Translator(source_lang="fr", target_lang="zh")
    m = Translator(**SMALL)
    with pytest.raises(UserInputError, match="not been trained"):
        m.predict(["Hello."])
    with pytest.raises(UserInputError, match="2 sentences, 1 translations"):
        m.fit(["a.", "b."], ["甲。"])
    with pytest.raises(UserInputError, match="translates sentences"):
        m.answer("What is the capital of France?")
