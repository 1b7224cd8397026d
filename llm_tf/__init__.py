"""llm-tf: the runnable Keras 3 / TensorFlow companion to 《LLM系统内核：新一代AI的中枢》.

Each article section maps to a module (see README.md for the full map):

- §3.1 / §4.1 word vectors: :mod:`llm_tf.word2vec`, :mod:`llm_tf.glove`, :mod:`llm_tf.vectors`.
- §3.2 / §4.2 sequence models: :mod:`llm_tf.rnn_lm`, :mod:`llm_tf.lstm_stack`,
  :mod:`llm_tf.attention`, :mod:`llm_tf.transformer_lm`, built by :mod:`llm_tf.architectures`.
- §5 (项目实战) LSTM language model: :mod:`llm_tf.lstm_lm`, trained by :mod:`llm_tf.trainer`.
- Text pipeline shared by every chapter: :mod:`llm_tf.corpus`, :mod:`llm_tf.tokenizers`,
  :mod:`llm_tf.vocab`, :mod:`llm_tf.lm_data`.
- Generation: :mod:`llm_tf.decoding`, :mod:`llm_tf.generation`; n-gram baseline:
  :mod:`llm_tf.ngram`.

Nothing heavy is imported here, so ``import llm_tf`` stays cheap.
"""

__version__ = "0.1.0"
