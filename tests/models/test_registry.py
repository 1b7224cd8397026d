"""The one registry: every architecture builds from a ModelConfig, the §5 listing is chosen
by its sizes, the decoder's stepping view, and loading with nothing but ``import llm_tf.models``."""

import subprocess
import sys

import keras
import numpy as np
import pytest

from llm_tf.errors import UserInputError
from llm_tf.models import (
    ARCHITECTURES,
    ModelConfig,
    SimpleRNNLM,
    StackedLSTMLM,
    TransformerLM,
    build_model,
    stepping_view,
)
from tests.paths import ROOT

EXPECTED = {"lstm": StackedLSTMLM, "rnn": SimpleRNNLM, "transformer": TransformerLM}


@pytest.mark.parametrize("arch", sorted(ARCHITECTURES))
def test_every_architecture_builds_and_steps(arch):
    cfg = ModelConfig.tiny(arch=arch, layers=2)
    model = build_model(cfg, vocab_size=40, seed=0)
    assert isinstance(model, EXPECTED[arch]) and model.built
    ids = np.random.default_rng(0).integers(1, 40, size=(2, 6)).astype("int32")
    probs = np.asarray(model(ids))
    assert probs.shape == (2, 6, 40)
    np.testing.assert_allclose(probs.sum(-1), 1.0, atol=1e-5)
    view = stepping_view(model)
    assert view is model  # llm-tf models step natively
    logits, _ = view.step(ids, view.init_state(2), 0)
    np.testing.assert_allclose(keras.ops.softmax(logits), probs, atol=1e-5)


def test_the_listing_sizes_give_the_listing_graph():
    model = build_model(ModelConfig(), vocab_size=10_000)
    assert isinstance(model, keras.Model) and not isinstance(model, StackedLSTMLM)
    assert [layer.name for layer in model.layers] == ["input_sequence", "embedding", "lstm", "dense"]
    assert model.count_params() == 4_047_120  # §5: model.summary()
    grown = build_model(ModelConfig(layers=2), vocab_size=100)
    assert isinstance(grown, StackedLSTMLM) and grown.num_layers == 2


def test_stepping_view_of_the_listing_gives_its_probabilities():
    keras.utils.set_random_seed(0)
    listing = build_model(ModelConfig(embedding_dim=8, units=6), vocab_size=30)
    view = stepping_view(listing)
    assert isinstance(view, StackedLSTMLM)
    ids = np.arange(1, 9, dtype="int32")[None]
    logits, _ = view.step(ids, view.init_state(1))
    np.testing.assert_allclose(keras.ops.softmax(logits), listing.predict(ids, verbose=0),
                               atol=1e-5)


def test_stepping_view_refuses_other_models():
    other = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])
    with pytest.raises(UserInputError, match="not an llm-tf language model"):
        stepping_view(other)


def test_bad_vocab_size():
    with pytest.raises(UserInputError, match="vocab_size"):
        build_model(ModelConfig(), vocab_size=1)


def test_import_llm_tf_models_alone_registers_every_class(tmp_path):
    """A notebook: `import llm_tf.models`, then keras.saving.load_model, nothing else."""
    code = (
        "import llm_tf.models, keras, sys\n"
        "m = keras.saving.load_model(sys.argv[1])\n"
        "print(type(m).__name__)\n"
    )
    legacy = ROOT / "tests" / "fixtures" / "legacy_runs"
    for path, name in ((legacy / "listing_lstm.keras", "LSTM"),
                       (legacy / "lstm2" / "model.keras", "StackedLSTMLM"),
                       (legacy / "transformer" / "model.keras", "TransformerLM")):
        proc = subprocess.run([sys.executable, "-c", code, str(path)], capture_output=True,
                              text=True, timeout=120, cwd=tmp_path)
        assert proc.returncode == 0, proc.stderr[-2000:]
        assert proc.stdout.strip().splitlines()[-1] == name


@pytest.mark.parametrize("cfg", [ModelConfig(), ModelConfig(layers=2, dropout=0.3),
                                 ModelConfig(tie_embeddings=True)])
def test_lstms_keep_the_cudnn_eligible_configuration(cfg):
    """Keras runs an LSTM on cuDNN only with these settings (keras.layers.LSTM's docs)."""
    model = build_model(cfg, vocab_size=50)
    lstms = [layer for layer in model._flatten_layers() if isinstance(layer, keras.layers.LSTM)]
    assert lstms
    for layer in lstms:
        c = layer.get_config()
        assert (c["activation"], c["recurrent_activation"]) == ("tanh", "sigmoid")
        assert c["recurrent_dropout"] == 0 and c["unroll"] is False and c["use_bias"] is True
