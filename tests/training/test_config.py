"""TrainConfig: data, model and optimisation parts; old flat run configs still read."""

import json

import pytest

from llm_tf.errors import UserInputError
from llm_tf.models import ModelConfig
from llm_tf.training import DataConfig, OptimConfig, TrainConfig
from tests.paths import ROOT

LEGACY = ROOT / "tests" / "fixtures" / "legacy_runs"


def test_parts_and_replace():
    cfg = TrainConfig()
    assert cfg.data.vocab_size == 10_000 and cfg.model.units == 128 and cfg.optim.epochs == 30
    new = cfg.replace(epochs=3, corpus="x.txt", arch="rnn", seed=7)
    assert (new.optim.epochs, new.data.corpus, new.model.arch, new.seed) == (3, "x.txt", "rnn", 7)
    assert cfg.optim.epochs == 30  # frozen: a copy
    assert TrainConfig.from_dict(new.to_dict()) == new


@pytest.mark.parametrize("make,field", [
    (lambda: DataConfig(seq_len=0), "seq_len"),
    (lambda: DataConfig(vocab_size=3), "vocab_size"),
    (lambda: DataConfig(val_fraction=0.9), "val_fraction"),
    (lambda: DataConfig(tokenizer="bpe"), "tokenizer"),
    (lambda: OptimConfig(learning_rate=-1), "learning_rate"),
    (lambda: OptimConfig(epochs=0), "epochs"),
    (lambda: TrainConfig(data=DataConfig(seq_len=64),
                         model=ModelConfig(arch="transformer", max_len=32)), "max_len"),
])
def test_checked_once_with_the_fields_name(make, field):
    with pytest.raises(UserInputError, match=field):
        make()


@pytest.mark.parametrize("name", ["lstm5", "lstm2", "transformer"])
def test_flat_configs_of_old_run_folders_read(name):
    d = json.loads((LEGACY / name / "config.json").read_text(encoding="utf-8"))["config"]
    cfg = TrainConfig.from_dict(d)
    assert cfg.model.arch == d["arch"] and cfg.data.seq_len == d["seq_len"]
    assert cfg.optim.learning_rate == d["learning_rate"] and cfg.seed == d["seed"]
    if name == "transformer":
        assert cfg.model.mlp_dim == d["units"] == 16  # the old meaning of units


def test_the_trainers_defaults_regularise_the_listings_sizes():
    """ModelConfig() is exactly the §5 listing; a training run adds dropout and a tied
    output layer, keeps the sizes, and old run folders keep what they were trained with."""
    from llm_tf.training.config import TRAINER_MODEL

    assert ModelConfig().is_listing
    cfg = TrainConfig()
    assert (cfg.model.embedding_dim, cfg.model.units, cfg.model.layers) == (256, 128, 1)
    assert cfg.model == ModelConfig(**TRAINER_MODEL) and not cfg.model.is_listing
    assert cfg.stateful and (cfg.data.seq_len, cfg.data.batch_size) == (35, 20)
    assert (cfg.optim.learning_rate, cfg.optim.clip_norm) == (3e-3, 1.0)
    assert TrainConfig.from_dict({"model": {"arch": "rnn"}}).model.tie_embeddings == TRAINER_MODEL[
        "tie_embeddings"]
    assert TrainConfig.from_dict(cfg.to_dict()) == cfg
    old = json.loads((LEGACY / "lstm5" / "config.json").read_text(encoding="utf-8"))["config"]
    legacy = TrainConfig.from_dict(old)
    assert legacy.model.is_listing and not legacy.stateful and legacy.optim.clip_norm is None


def test_the_transformer_has_defaults_of_its_own_under_the_users_settings():
    from llm_tf.training.config import ARCH_TRAINER_DEFAULTS

    cfg = TrainConfig.from_dict({"model": {"arch": "transformer"}})
    assert (cfg.data.seq_len, cfg.model.layers, cfg.optim.optimizer) == (128, 2, "adamw")
    assert (cfg.optim.learning_rate, cfg.optim.warmup_steps, cfg.optim.weight_decay) == (
        1e-3, 100, 0.1)
    assert (cfg.optim.ema, cfg.optim.lr_schedule, cfg.optim.epochs) == (0.995, "cosine", 14)
    assert not cfg.stateful and cfg.trained_context == 128
    mine = TrainConfig.from_dict({"model": {"arch": "transformer", "layers": 4},
                                  "data": {"seq_len": 64}, "optim": {"optimizer": "adam"}})
    assert (mine.data.seq_len, mine.model.layers, mine.optim.optimizer) == (64, 4, "adam")
    assert mine.optim.weight_decay == 0.1  # what was not given still comes from the arch
    assert TrainConfig.from_dict(cfg.to_dict()) == cfg  # a saved run keeps every value
    saved = TrainConfig.from_dict({**cfg.to_dict(), "data": {**cfg.to_dict()["data"],
                                                             "seq_len": 35}})
    assert saved.data.seq_len == 35
    lstm = TrainConfig.from_dict({"model": {"arch": "lstm"}})
    assert lstm == TrainConfig() and set(ARCH_TRAINER_DEFAULTS) == {"transformer", "rnn"}
    rnn = TrainConfig.from_dict({"model": {"arch": "rnn"}})
    assert (rnn.model.units, rnn.model.dropout, rnn.optim.learning_rate, rnn.optim.ema) == (
        256, 0.5, 1e-3, 0.99)
    assert rnn.stateful and (rnn.optim.lr_schedule, rnn.optim.epochs) == ("cosine", 30)
    assert rnn.data.batch_size == 10
