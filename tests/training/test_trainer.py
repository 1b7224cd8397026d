"""An in-process tiny ``train()`` (in the manner of flax's lm1b ``train_test.py``): every
architecture trains a few steps on the embedded data, writes a run folder that reloads,
and lowers the validation loss."""

import json

import pytest

from llm_tf.models import ModelConfig
from llm_tf.training import DataConfig, OptimConfig, RunDir, RuntimeConfig, TrainConfig, train


@pytest.mark.parametrize("arch", ["lstm", "rnn", "transformer"])
def test_tiny_train_every_architecture(arch, tmp_path, en_corpus):
    cfg = TrainConfig(data=DataConfig(corpus=str(en_corpus), seq_len=16, batch_size=32,
                                      vocab_size=500),
                      model=ModelConfig.tiny(arch=arch),
                      optim=OptimConfig(epochs=2, learning_rate=3e-3),
                      runtime=RuntimeConfig(jit_compile=False),
                      seed=1)
    model, history = train(cfg, tmp_path / "run", verbose=0)
    run = RunDir(tmp_path / "run").require()
    assert run.info().config == cfg
    assert history["val_loss"][-1] < history["val_loss"][0]
    assert history["val_perplexity"][-1] < history["initial_val_perplexity"][0]
    saved = json.loads((run / "config.json").read_text(encoding="utf-8"))
    assert saved["config"]["model"]["arch"] == arch and saved["arch"] == arch
    reloaded = run.load_model()
    assert reloaded.count_params() == model.count_params()


@pytest.mark.parametrize("arch", ["rnn", "transformer"])
def test_train_reload_generate_and_score(arch, tmp_path):
    """A run folder's model, reloaded, continues a learned pattern and scores it well."""
    import math

    import numpy as np

    from llm_tf.generation import Decoder
    from llm_tf.models import stepping_view
    from llm_tf.text.vocab import EOS_ID

    corpus = tmp_path / "cat.txt"
    lines = [f"the cat {w} on the mat ." for w in ("sat", "lay", "slept", "sat")] * 30
    corpus.write_text("\n".join(lines) + "\n", encoding="utf-8")
    cfg = TrainConfig(
        data=DataConfig(corpus=str(corpus), seq_len=8, batch_size=8),
        model=ModelConfig(arch=arch, embedding_dim=16, units=32, mlp_dim=32, layers=2,
                          heads=2, max_len=16, dropout=0.1, tie_embeddings=True),
        optim=OptimConfig(epochs=2, learning_rate=1e-2),
        runtime=RuntimeConfig(jit_compile=False))
    train(cfg, tmp_path / "run", verbose=0)
    run = RunDir(tmp_path / "run")
    vocab = run.vocab()
    decoder = Decoder(stepping_view(run.load_model(compile=False)), jit_compile=False)
    out = decoder.generate([EOS_ID] + vocab.encode(["the"]), max_tokens=12, temperature=0,
                           stop_ids=(EOS_ID,))
    assert vocab.decode(out)[0] == "cat"
    ids = np.asarray(([EOS_ID] + vocab.encode("the cat sat on the mat .".split())) * 3)
    nll = -decoder.stream_log_probs(ids, batch=2, window=4).mean()
    assert nll < math.log(len(vocab))
