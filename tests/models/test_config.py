"""ModelConfig: frozen, validated once with messages that name the field, no TensorFlow."""

import dataclasses

import pytest

from llm_tf.errors import UserInputError
from llm_tf.models import ARCHITECTURES, ModelConfig


def test_defaults_are_the_listing():
    cfg = ModelConfig()
    assert (cfg.arch, cfg.embedding_dim, cfg.units, cfg.layers) == ("lstm", 256, 128, 1)
    assert cfg.is_listing
    assert not ModelConfig(dropout=0.1).is_listing
    assert not ModelConfig(tie_embeddings=True).is_listing
    with pytest.raises(dataclasses.FrozenInstanceError):
        cfg.units = 3


@pytest.mark.parametrize("kwargs,field", [
    ({"arch": "gru"}, "arch"), ({"units": 0}, "units"), ({"layers": -1}, "layers"),
    ({"dropout": 1.0}, "dropout"), ({"mlp_dim": 0}, "mlp_dim"), ({"embedding_dim": 2.5}, "embedding_dim"),
    ({"arch": "transformer", "embedding_dim": 10, "heads": 4}, "embedding_dim"),
    ({"arch": "transformer", "layers": 4, "kv_share": 0}, "kv_share"),
    ({"arch": "transformer", "layers": 4, "kv_share": 3}, "kv_share"),
    ({"arch": "lstm", "layers": 2, "kv_share": 2}, "kv_share"),
    ({"arch": "rnn", "cross_layer": True}, "cross_layer"),
    ({"arch": "transformer", "cross_layer": "yes"}, "cross_layer"),
])
def test_bad_values_name_the_field_and_value(kwargs, field):
    with pytest.raises(UserInputError, match=field) as e:
        ModelConfig(**kwargs)
    assert str(list(kwargs.values())[-1]) in str(e.value)


def test_arch_names_come_from_the_registry():
    with pytest.raises(UserInputError) as e:
        ModelConfig(arch="nope")
    for name in ARCHITECTURES:
        assert name in str(e.value)


def test_legacy_units_was_the_transformers_mlp_width():
    old = {"arch": "transformer", "units": 512, "embedding_dim": 64, "heads": 4}
    assert ModelConfig.from_legacy(old).mlp_dim == 512
    assert ModelConfig.from_legacy({"arch": "lstm", "units": 64}).units == 64
    new = ModelConfig.from_dict({"arch": "transformer", "units": 128, "mlp_dim": None})
    assert new.mlp_dim is None  # a new-format config keeps 4 x embedding_dim


def test_every_field_has_help():
    for f in dataclasses.fields(ModelConfig):
        assert f.metadata.get("help"), f.name


def test_kv_share_and_cross_layer_reach_the_command_line():
    """``llm-tf train --arch transformer --kv-share 2 --cross-layer``: flags from the fields."""
    import argparse

    from llm_tf.cli.common import add_config_args, given

    parser = argparse.ArgumentParser()
    add_config_args(parser, ModelConfig)
    argv = ["--arch", "transformer", "--layers", "4", "--kv-share", "2", "--cross-layer"]
    cfg = ModelConfig(**given(parser.parse_args(argv), ModelConfig))
    assert (cfg.kv_share, cfg.cross_layer) == (2, True)
    assert (ModelConfig().kv_share, ModelConfig().cross_layer) == (1, False)
    old = ModelConfig.from_dict({"arch": "transformer", "layers": 4})  # a run from before
    assert (old.kv_share, old.cross_layer) == (1, False)
