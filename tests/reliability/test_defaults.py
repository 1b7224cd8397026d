"""The defaults users get, pinned to literal tables (issue 12).

Each default that changes a number a user sees is written out here by hand: the
word-vector exponents (GloVe's weighting, word2vec's noise distribution, the one
``Word2Vec.fit`` really installs), Kneser-Ney's discount, the special tokens' ids,
every config dataclass's fields and the ``llm-tf train`` command line's config.
"""

import dataclasses
import inspect
from collections import Counter

import numpy as np
import pytest

from llm_tf.evaluation.ngram import KneserNeyLM
from llm_tf.generation.config import SamplingConfig
from llm_tf.models import ModelConfig
from llm_tf.models.classifier_config import ClassifierConfig
from llm_tf.models.qa_config import QAConfig
from llm_tf.models.translation_config import TranslationConfig
from llm_tf.text import vocab as vocab_module
from llm_tf.text.vocab import Vocabulary
from llm_tf.training import DataConfig, OptimConfig, RuntimeConfig, TrainConfig
from llm_tf.vectors import glove, skipgram_data
from llm_tf.vectors.config import GloVeConfig, Word2VecConfig
from llm_tf.vectors.word2vec import Word2Vec


def _default(fn, name):
    return inspect.signature(fn).parameters[name].default


# ---------------------------------------------------------------- GloVe: alpha = 3/4
def test_glove_weighting_exponent_is_three_quarters_everywhere():
    for fn in (glove.weighting, glove.glove_objective, glove.GloVeModel, glove.glove_factorization):
        assert _default(fn, "alpha") == 0.75, fn.__name__
        assert _default(fn, "x_max") == 100.0, fn.__name__
    assert GloVeConfig().alpha == 0.75 and GloVeConfig().x_max == 100.0
    # f(x) = (x / 100) ** 0.75 below the cut-off, by hand: f(50) = 0.5 ** 0.75
    np.testing.assert_allclose(
        glove.weighting(np.array([50.0, 6.25, 100.0, 400.0])),
        [0.5**0.75, 0.125, 1.0, 1.0],
        rtol=1e-12,
    )
    assert glove.GloVeModel(5).alpha == 0.75


def test_glove_trainer_builds_its_model_with_the_configs_exponent():
    corpus = [["a", "b", "c", "a", "b"], ["c", "a"]] * 3
    g = glove.GloVe(GloVeConfig.tiny(epochs=1))
    g.fit(corpus, verbose=0)
    assert g.model.alpha == 0.75 and g.model.x_max == 100.0
    g = glove.GloVe(GloVeConfig.tiny(epochs=1, alpha=0.5))
    g.fit(corpus, verbose=0)
    assert g.model.alpha == 0.5


# ---------------------------------------------------------------- word2vec: count ** 0.75
CORPUS = [["the", "cat", "sat", "on", "the", "mat"], ["the", "dog", "sat"], ["a", "cat"]] * 2


def _installed_noise(model) -> np.ndarray:
    cdf = np.asarray(model.noise_cdf, np.float64)
    return np.diff(np.r_[0.0, cdf])


@pytest.mark.parametrize(("overrides", "power"), [({}, 0.75), ({"ns_exponent": 0.5}, 0.5)])
def test_word2vec_fit_installs_the_unigram_distribution_to_the_three_quarters(overrides, power):
    w2v = Word2Vec(Word2VecConfig.tiny(epochs=1, **overrides))
    w2v.fit(CORPUS, verbose=0)
    counts = Counter(t for line in CORPUS for t in line)
    weights = np.array(
        [counts.get(t, 0) ** power if t in counts else 0.0 for t in w2v.vocab.tokens]
    )  # the special tokens: 0
    np.testing.assert_allclose(_installed_noise(w2v.model), weights / weights.sum(), atol=1e-6)
    the, cat = w2v.vocab["the"], w2v.vocab["cat"]  # counts 6 and 4
    ratio = _installed_noise(w2v.model)[the] / _installed_noise(w2v.model)[cat]
    assert ratio == pytest.approx(1.5**power, rel=1e-5)


def test_word2vec_noise_defaults():
    assert Word2VecConfig().ns_exponent == 0.75
    assert _default(skipgram_data.noise_distribution, "power") == 0.75
    np.testing.assert_allclose(
        skipgram_data.noise_distribution(np.array([0, 1, 16])), np.array([0, 1, 8]) / 9, rtol=1e-12
    )


# ---------------------------------------------------------------- Kneser-Ney: D = 0.75
def test_kneser_ney_default_discount_is_three_quarters():
    assert _default(KneserNeyLM, "discount") == 0.75
    assert KneserNeyLM().discount == 0.75 and KneserNeyLM().order == 3
    D, V, x = 0.75, 6, [4, 5, 4, 5, 3, 4]
    lm = KneserNeyLM(order=2).fit(x, V)  # the default discount, checked by hand
    floor = D * 3 / 4 / V
    p5 = (1 - D) / 4 + floor  # continuation count of 5 is 1 of 4 bigram types
    assert lm.logprob(5, (4,)) == pytest.approx(np.log((2 - D) / 2 + D / 2 * p5), rel=1e-12)


# ---------------------------------------------------------------- the special tokens
def test_special_token_ids_are_pinned():
    table = {0: "<pad>", 1: "<unk>", 2: "<bos>", 3: "<eos>"}
    v = Vocabulary.build([["b", "a", "b"]])
    assert dict(enumerate(v.tokens[:4])) == table
    assert {name: v[name] for name in table.values()} == {n: i for i, n in table.items()}
    assert (vocab_module.PAD_ID, vocab_module.UNK_ID, vocab_module.BOS_ID, vocab_module.EOS_ID) == (
        0,
        1,
        2,
        3,
    )
    assert (vocab_module.PAD, vocab_module.UNK, vocab_module.BOS, vocab_module.EOS) == (
        "<pad>",
        "<unk>",
        "<bos>",
        "<eos>",
    )
    assert vocab_module.SPECIALS == ("<pad>", "<unk>", "<bos>", "<eos>")
    assert v["never-seen"] == 1 and v.tokens[4:] == ["b", "a"]
    assert v.encode(["a", "zzz"]) == [5, 1]
    assert v.decode([1, 3, 4]) == ["<unk>", "<eos>", "b"]


# ---------------------------------------------------------------- every config's defaults
DEFAULTS = {
    ModelConfig: dict(
        arch="lstm",
        embedding_dim=256,
        units=128,
        mlp_dim=None,
        layers=1,
        heads=4,
        dropout=0.0,
        tie_embeddings=False,
        max_len=256,
        kv_share=1,
        cross_layer=False,
    ),
    DataConfig: dict(
        corpus="",
        tokenizer="auto",
        lower=False,
        vocab_size=10000,
        min_count=1,
        seq_len=35,
        batch_size=20,
        val_fraction=0.1,
        val_corpus="",
        test_corpus="",
        stateful=None,
        shift_windows=False,
    ),
    OptimConfig: dict(
        optimizer="adam",
        learning_rate=0.003,
        lr_schedule="plateau",
        warmup_steps=0,
        decay_after=4,
        decay_factor=2.0,
        min_lr_ratio=0.1,
        clip_norm=1.0,
        weight_decay=0.0,
        beta_2=0.999,
        epochs=30,
        max_steps=None,
        time_budget=None,
        patience=3,
        init_scale=None,
        ema=None,
    ),
    RuntimeConfig: dict(
        strategy="auto",
        mixed_precision=False,
        jit_compile=True,
        deterministic=False,
        fused_loss=True,
        output_matmuls="auto",
        save_every=None,
    ),
    SamplingConfig: dict(
        max_tokens=50, temperature=1.0, top_k=None, top_p=None, beam_size=1, seed=0, stop=()
    ),
    Word2VecConfig: dict(
        embedding_dim=100,
        window=5,
        negative=5,
        sg=True,
        min_count=5,
        max_vocab=None,
        sample=0.001,
        ns_exponent=0.75,
        learning_rate=None,
        min_learning_rate_ratio=0.0001,
        epochs=5,
        words_per_batch=2048,
        update="auto",
        workers=2,
        negative_group=16,
        max_row_updates=64.0,
        steps_per_execution=16,
        tokenizer="auto",
        lower=False,
        seed=1,
        deterministic=False,
    ),
    GloVeConfig: dict(
        embedding_dim=100,
        window=10,
        min_count=5,
        max_vocab=None,
        x_max=100.0,
        alpha=0.75,
        learning_rate=0.05,
        epochs=15,
        batch_size=4096,
        symmetric=True,
        steps_per_execution=16,
        tokenizer="auto",
        lower=False,
        seed=1,
        deterministic=False,
    ),
    QAConfig: dict(
        embedding_dim=64,
        units=128,
        attention_units=128,
        copy=True,
        dropout=0.1,
        max_source_len=128,
        max_answer_len=16,
        min_count=1,
        relation_hint=True,
        batch_size=64,
        learning_rate=0.003,
        epochs=12,
        seed=42,
        deterministic=False,
    ),
    TranslationConfig: dict(
        direction="en-zh",
        embedding_dim=64,
        units=128,
        attention_units=128,
        copy=False,
        dropout=0.1,
        max_source_len=64,
        max_target_len=40,
        min_count=1,
        batch_size=64,
        learning_rate=0.01,
        epochs=18,
        seed=42,
        deterministic=False,
    ),
    ClassifierConfig: dict(
        tokenizer="auto",
        lower=False,
        vocab_size=20000,
        min_count=1,
        max_sentences=16,
        max_words=48,
        val_fraction=0.1,
        embedding_dim=64,
        num_heads=4,
        mlp_dim=128,
        word_layers=1,
        text_layers=1,
        dropout=0.1,
        cross_level=True,
        batch_size=32,
        learning_rate=0.002,
        epochs=30,
        patience=5,
        seed=42,
        deterministic=False,
    ),
}


@pytest.mark.parametrize("config_cls", list(DEFAULTS), ids=lambda c: c.__name__)
def test_config_defaults_are_the_documented_ones(config_cls):
    got = {f.name: getattr(config_cls(), f.name) for f in dataclasses.fields(config_cls)}
    want = DEFAULTS[config_cls]
    new = sorted(set(got) - set(want))
    assert not new, f"pin the default of the new field(s) {new} in DEFAULTS"
    assert got == want


def test_train_config_defaults():
    cfg = TrainConfig()
    assert (cfg.seed, cfg.finetuned_from) == (42, "")
    # the trainer's model: the §5 sizes with dropout 0.3 and a tied output layer
    assert dataclasses.asdict(cfg.model) == {
        **DEFAULTS[ModelConfig],
        "dropout": 0.3,
        "tie_embeddings": True,
    }
    assert cfg.optim == OptimConfig() and cfg.data == DataConfig()


def test_the_train_command_line_gives_the_readme_defaults():
    """`llm-tf train --corpus C --out O`: the §5 sizes, and what the README says the
    trainer adds (dropout 0.3, tied output layer, Adam 3e-3 clipped at 1, plateau halving,
    patience 3, at most 30 epochs, 35-token windows in 20 streams)."""
    from llm_tf.cli import build_parser
    from llm_tf.cli.lm import train_config

    cfg = train_config(build_parser().parse_args(["train", "--corpus", "c.txt", "--out", "o"]))
    want_model = {**DEFAULTS[ModelConfig], "dropout": 0.3, "tie_embeddings": True}
    assert dataclasses.asdict(cfg.model) == want_model
    assert dataclasses.asdict(cfg.data) == {**DEFAULTS[DataConfig], "corpus": "c.txt"}
    assert dataclasses.asdict(cfg.optim) == DEFAULTS[OptimConfig]
    assert dataclasses.asdict(cfg.runtime) == DEFAULTS[RuntimeConfig]
    assert cfg.seed == 42


def test_the_generate_and_evaluate_command_lines_defaults():
    from llm_tf.cli import build_parser

    parser = build_parser()
    args = vars(parser.parse_args(["generate", "--model", "m"]))
    given = {k: v for k, v in args.items() if k in DEFAULTS[SamplingConfig]}
    assert given == {}  # nothing given: SamplingConfig's defaults apply
    args = vars(parser.parse_args(["evaluate", "--model", "m", "--corpus", "c"]))
    assert (args["ngram_order"], args["json"], args["last"]) == (3, False, False)
