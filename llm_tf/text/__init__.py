"""The text pipeline shared by every chapter: corpus -> tokens -> ids -> ``tf.data``.

:mod:`.corpus` (files, ``.gz``, folders; bad input rejected in one line),
:mod:`.tokenizers` (NLTK words, characters for Chinese, ``auto``), :mod:`.vocab`
(specials ``<pad> <unk> <bos> <eos>``), :mod:`.lm_data` (id files and language-model
windows) and :mod:`.id_stream` (the word-vector side's encoded stream); every ``tf.data`` pipeline
ends in :func:`.pipeline.finish` (a fixed prefetch, autotuning off). Nothing
here imports TensorFlow or Keras at module level.
"""
