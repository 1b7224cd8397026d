"""WordVectorTrainer, through both façades: overrides, the vectors returned, the saved folder."""

import json
from dataclasses import asdict

import keras
import numpy as np
import pytest

from llm_tf.errors import UserInputError
from llm_tf.text.vocab import SPECIALS, Vocabulary
from llm_tf.vectors import GloVe, GloVeConfig, Word2Vec, Word2VecConfig, WordVectors

TRAINERS = [(Word2Vec, Word2VecConfig), (GloVe, GloVeConfig)]
IDS = ["word2vec", "glove"]
LINES = [["the", "cat", "sat"], ["the", "dog", "sat"], ["a", "cat", "ran"]] * 5


@pytest.mark.parametrize(("trainer_cls", "config_cls"), TRAINERS, ids=IDS)
def test_overrides_replace_config_fields(trainer_cls, config_cls):
    trainer = trainer_cls(config_cls.tiny(), epochs=7, seed=3)
    assert trainer.config == config_cls.tiny(epochs=7, seed=3)
    assert trainer_cls().config == config_cls()
    assert trainer_cls(embedding_dim=8).config == config_cls(embedding_dim=8)
    with pytest.raises(UserInputError, match="window must be a positive integer, got 0"):
        trainer_cls(window=0)
    with pytest.raises(UserInputError, match="not trained yet"):
        trainer.get_word_vectors()
    with pytest.raises(UserInputError, match="epochs must be a positive integer, got 0"):
        trainer.fit(LINES, epochs=0, verbose=0)


@pytest.mark.parametrize(("trainer_cls", "config_cls"), TRAINERS, ids=IDS)
def test_vectors_and_saved_folder(trainer_cls, config_cls, tmp_path):
    trainer = trainer_cls(config_cls.tiny(embedding_dim=6, epochs=1))
    trainer.fit(LINES, verbose=0)
    wv = trainer.get_word_vectors()
    assert isinstance(wv, WordVectors) and wv.vectors.shape == (6, 6)  # the, cat, sat, dog, a, ran
    assert wv.words == trainer.vocab.tokens[len(SPECIALS) :]  # special tokens dropped
    assert not set(SPECIALS) & set(wv.words)

    trainer.save(tmp_path / "run")
    run = tmp_path / "run"
    names = sorted(p.name for p in run.iterdir())
    assert names == ["config.json", "model.keras", "vectors.txt", "vocab.json"]
    back = WordVectors.load_word2vec_format(run / "vectors.txt")
    assert back.words == wv.words
    np.testing.assert_allclose(back.vectors, wv.vectors, rtol=1e-5, atol=1e-7)
    assert Vocabulary.load(run / "vocab.json").tokens == trainer.vocab.tokens
    saved = json.loads((run / "config.json").read_text(encoding="utf-8"))
    assert config_cls(**saved) == trainer.config and saved == asdict(trainer.config)
    model = keras.saving.load_model(run / "model.keras")
    for a, b in zip(model.get_weights(), trainer.model.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)
