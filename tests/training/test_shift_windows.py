"""--shift-windows: independent windows cut at another offset each epoch (the Transformer's
default), reproducible from the seed and the epoch so that a resumed epoch replays."""

import numpy as np
import pytest
import tensorflow as tf

from llm_tf.errors import UserInputError
from llm_tf.models import ModelConfig
from llm_tf.text import lm_data
from llm_tf.training import DataConfig, OptimConfig, RunDir, RuntimeConfig, TrainConfig, train
from llm_tf.training.config import TrainConfig as Config
from llm_tf.training.loop import TrainLoop


def _records(path, seq_len, offset):
    raw = list(lm_data.window_records(path, seq_len, offset).batch(1000))
    return np.concatenate([lm_data.split_windows(r)[0].numpy() for r in raw])


def test_window_records_start_at_the_offset_and_drop_the_tail(tmp_path):
    path = tmp_path / "ids"
    lm_data.write_ids(path, np.arange(50))
    x0 = _records(path, 4, 0)  # windows of 5 tokens: 0-4, 5-9, ..., 45-49
    assert x0.shape == (10, 4) and x0[0].tolist() == [0, 1, 2, 3] and x0[-1, 0] == 45
    x3 = _records(path, 4, 3)  # 3-7, 8-12, ..., 43-47; 48, 49 are a partial tail
    assert x3.shape == (9, 4)
    assert x3[0].tolist() == [3, 4, 5, 6] and x3[-1].tolist() == [43, 44, 45, 46]


def _cfg(corpus, shift, **data):
    return TrainConfig(
        data=DataConfig(corpus=str(corpus), seq_len=16, batch_size=8, stateful=False,
                        shift_windows=shift, **data),
        model=ModelConfig(arch="transformer", embedding_dim=16, layers=1, heads=2, mlp_dim=32,
                          max_len=32),
        optim=OptimConfig(epochs=1), runtime=RuntimeConfig(jit_compile=False), seed=5)


def test_offsets_change_with_the_epoch_and_replay_from_the_seed(tmp_path, en_corpus):
    model, _ = train(_cfg(en_corpus, True), tmp_path / "r", verbose=0)
    loop = TrainLoop(RunDir(tmp_path / "r"), model, _cfg(en_corpus, True),
                     tf.distribute.get_strategy(), jit=False, verbose=0)
    offsets = [loop.window_offset(e) for e in range(8)]
    assert offsets == [loop.window_offset(e) for e in range(8)]  # a resumed epoch replays
    assert len(set(offsets)) > 1 and all(0 <= o <= 16 for o in offsets)
    # every epoch has the same number of steps whatever its offset
    tokens = (tmp_path / "r" / "train.ids").stat().st_size // 4
    assert loop.windows == (tokens - 16) // 17
    for e in range(3):
        batches = list(loop._train_dataset(e, 0))
        assert len(batches) == loop.steps_per_epoch
        first = batches[0][0].numpy()
        views = np.lib.stride_tricks.sliding_window_view(
            lm_data.read_ids(tmp_path / "r" / "train.ids"), 16)
        for row in first:  # each window starts offset + k * (seq_len + 1) (text may repeat)
            starts = np.flatnonzero(np.all(views == row, axis=1))
            assert any((s - offsets[e]) % 17 == 0 for s in starts), (e, starts, offsets[e])
        if offsets[e] % 17:  # and not where the unshifted cut would start it
            assert not all(any(s % 17 == 0 for s in np.flatnonzero(np.all(views == row, 1)))
                           for row in first)
    plain = TrainLoop(RunDir(tmp_path / "r"), model, _cfg(en_corpus, False),
                      tf.distribute.get_strategy(), jit=False, verbose=0)
    assert {plain.window_offset(e) for e in range(8)} == {0}


def test_shift_windows_refuses_stateful_streams(tmp_path, en_corpus):
    cfg = TrainConfig(data=DataConfig(corpus=str(en_corpus), seq_len=16, batch_size=8,
                                      stateful=True, shift_windows=True),
                      model=ModelConfig(embedding_dim=16, units=16),
                      optim=OptimConfig(epochs=1), runtime=RuntimeConfig(jit_compile=False))
    with pytest.raises(UserInputError, match="--shift-windows is for independent windows"):
        train(cfg, tmp_path / "s", verbose=0)


def test_the_transformer_defaults_shift_their_windows():
    cfg = Config.from_dict({"model": {"arch": "transformer"}})
    assert cfg.data.shift_windows is True
    assert Config.from_dict({"model": {"arch": "lstm"}}).data.shift_windows is False
