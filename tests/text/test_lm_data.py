import numpy as np
import pytest

from llm_tf.errors import UserInputError
from llm_tf.text import lm_data
from llm_tf.text.tokenizers import Tokenizer
from llm_tf.text.vocab import EOS_ID, UNK_ID, Vocabulary


def _setup(tmp_path, n_lines=200):
    p = tmp_path / "c.txt"
    p.write_text("".join(f"w{i % 7} w{i % 3} end\n" for i in range(n_lines)), encoding="utf-8")
    tok = Tokenizer("space")
    vocab = Vocabulary.from_counts(lm_data.count_tokens(p, tok), max_size=8)  # drops some
    return p, tok, vocab


def test_encode_round_trip_and_split(tmp_path):
    p, tok, vocab = _setup(tmp_path)
    st = lm_data.encode_corpus(p, tok, vocab, tmp_path / "t.ids", tmp_path / "v.ids",
                               seq_len=4, val_fraction=0.2)
    train, val = lm_data.read_ids(tmp_path / "t.ids"), lm_data.read_ids(tmp_path / "v.ids")
    assert st.train_tokens == len(train) and st.val_tokens == len(val)
    assert st.train_tokens + st.val_tokens == 200 * 4  # three words + <eos> per line
    assert 0.15 < st.val_tokens / 800 < 0.25
    # blocks of 8 * (seq_len + 1) = 40 tokens; every 5th block is validation
    full = np.concatenate([np.asarray(vocab.encode([f"w{i % 7}", f"w{i % 3}", "end"],
                                                   add_eos=True)) for i in range(200)])
    blocks = full.reshape(-1, 40)
    np.testing.assert_array_equal(val, blocks[4::5].reshape(-1))
    np.testing.assert_array_equal(train, np.delete(blocks, np.s_[4::5], axis=0).reshape(-1))
    assert st.unk_tokens == int(np.count_nonzero(full == UNK_ID)) > 0
    assert st.oov_rate == pytest.approx(st.unk_tokens / 600)
    assert vocab.decode([EOS_ID]) == ["<eos>"]


def test_dataset_windows_are_shifted_targets(tmp_path):
    ids = np.arange(100, dtype="<i4")
    (tmp_path / "a.ids").write_bytes(ids.tobytes())
    ds = lm_data.lm_dataset(tmp_path / "a.ids", seq_len=9, batch_size=3, shuffle=False)
    batches = [(x.numpy(), y.numpy()) for x, y in ds]
    assert len(batches) == 3 == ds.cardinality().numpy()  # 10 windows, drop_remainder
    x, y = batches[0]
    assert x.shape == (3, 9) and x.dtype == np.int32
    np.testing.assert_array_equal(x[0], np.arange(9))
    np.testing.assert_array_equal(y[0], np.arange(1, 10))
    np.testing.assert_array_equal(x[1], np.arange(10, 19))


def test_dataset_shuffle_is_seeded(tmp_path):
    (tmp_path / "a.ids").write_bytes(np.arange(400, dtype="<i4").tobytes())
    def firsts(seed):
        ds = lm_data.lm_dataset(tmp_path / "a.ids", 3, 4, shuffle=True, seed=seed)
        return [int(x[0, 0]) for x, _ in ds]
    assert firsts(1) == firsts(1)
    assert sorted(firsts(1)) != firsts(1)


def test_too_small_for_a_batch(tmp_path):
    (tmp_path / "a.ids").write_bytes(np.arange(10, dtype="<i4").tobytes())
    with pytest.raises(UserInputError, match="fewer than the batch size"):
        lm_data.lm_dataset(tmp_path / "a.ids", seq_len=4, batch_size=8)


def test_empty_corpus(tmp_path):
    p = tmp_path / "e.txt"
    p.write_text("\n   \n\n", encoding="utf-8")
    with pytest.raises(UserInputError, match="empty"):
        lm_data.count_tokens(p, Tokenizer("word"))


def test_small_corpus_ids_and_xy_windows(tmp_path):
    p = tmp_path / "s.txt"
    p.write_text("a b c\n" * 10, encoding="utf-8")
    train, val, vocab = lm_data.small_corpus_ids(p, Tokenizer("space"), max_lines=5)
    assert len(train) + len(val) == 20 and len(val) == 2  # 5 lines x 4 ids, last 10% held out
    x, y = lm_data.xy_windows(np.arange(10), 3)
    np.testing.assert_array_equal(x, [[0, 1, 2], [3, 4, 5], [6, 7, 8]])
    np.testing.assert_array_equal(y, x + 1)
