"""The fused output loss split between oneDNN's matmuls and an XLA-compiled softmax (§5).

:func:`~llm_tf.layers.chunked_cross_entropy.chunked_cross_entropy_sum` computes the
output layer and its softmax cross-entropy inside one XLA program. On a CPU that is not
where its matmuls run best: XLA's CPU dots reach about 175 GFLOP/s on the §5 shapes
(4,096 x 128 by 128 x 10,000) in float32 and no more in bfloat16, while TensorFlow's own
``MatMul`` kernels (oneDNN) reach the same in float32 and about 330 GFLOP/s in bfloat16
on CPUs with AVX512-BF16 or AMX; and XLA runs the softmax's loops on one thread, after
the matmul. Here the chunks follow one another (each waits for the previous one's
softmax and running gradient sum, so at most two chunks' buffers are alive and memory
does not grow with V), and a chunk's ``dh`` matmul may overlap the next one's logits. :func:`split_cross_entropy_sum` computes the same sum

.. math::

    L = \\sum_n \\log \\sum_v e^{z_{nv}} - z_{n y_n},\\qquad z = h W + b,

with the same gradients stored in the forward pass (``G = softmax(z) - onehot(y)``,
``dh = G W^T``, ``dW = h^T G``, ``db = sum_n G_n``), one chunk of rows at a time: the
three matmuls of a chunk are TensorFlow ops (oneDNN), in ``dtype`` (``float32``, or
``bfloat16`` with float32 accumulation and a float32 softmax), and the softmax and its
gradient are one small XLA-compiled function. It must run in a graph
(``tf.function`` without ``jit_compile``); the trainer uses it when
``--output-matmuls`` is ``onednn`` or ``onednn-bf16`` (``auto`` picks ``onednn`` for the
recurrent models on a CPU: ``docs/benchmarks.md``). In float32 it equals the XLA form
and Keras's ``sparse_categorical_crossentropy(from_logits=True)`` at 1e-5 (tested).
"""

from __future__ import annotations

import functools

import tensorflow as tf

from llm_tf.layers.chunked_cross_entropy import row_chunk_size

__all__ = ["SPLIT_CHUNK_ELEMENTS", "OUTPUT_DTYPES", "split_cross_entropy_sum"]

SPLIT_CHUNK_ELEMENTS = 10 << 20  # values in one (rows, V) chunk: ~1,000 rows at V = 10,000
OUTPUT_DTYPES = ("float32", "bfloat16")


@functools.cache
def _softmax_part(dtype: str):
    """The XLA-compiled middle of one chunk: (logits, bias, targets) -> (loss sum,
    ``softmax - onehot`` in ``dtype``, its column sum in float32)."""

    @tf.function(jit_compile=True, reduce_retracing=True)
    def softmax_part(z, b, y):
        z = tf.cast(z, tf.float32) + b  # (R, V): the softmax in float32 whatever dtype
        top = tf.reduce_max(z, axis=-1, keepdims=True)
        e = tf.exp(z - top)  # one pass of exp serves the loss and its gradient
        s = tf.reduce_sum(e, axis=-1, keepdims=True)
        picked = tf.gather(z, y[:, None], batch_dims=1)  # (R, 1): z at the target
        loss = tf.reduce_sum(top + tf.math.log(s) - picked)
        d = e / s - tf.one_hot(y, tf.shape(z)[1], dtype=tf.float32)
        return loss, tf.cast(d, dtype), tf.reduce_sum(d, axis=0)

    return softmax_part


def split_cross_entropy_sum(features, kernel, targets, bias=None, *, tied=False, rows=None,
                            dtype="float32"):
    """``sum_n -log softmax(features @ W + bias)[target_n]``: matmuls by TensorFlow's
    kernels in ``dtype``, softmax XLA-compiled, gradients computed in the forward pass.

    Args:
        features: (N, D) float32 hidden vectors, ``N`` known when traced.
        kernel: (D, V) output kernel, or (V, D) with ``tied=True`` (the embedding).
        targets: (N,) integer ids in [0, V).
        bias: (V,) output bias, or None.
        tied: the kernel is (V, D), used transposed.
        rows: rows per chunk (default: about :data:`SPLIT_CHUNK_ELEMENTS` / V; the last
            chunk takes what is left).
        dtype: ``"float32"`` or ``"bfloat16"``, the matmuls' inputs (their products are
            accumulated in float32 across chunks).

    Returns:
        A float32 scalar, differentiable in ``features``, ``kernel`` and ``bias``.
    """
    if dtype not in OUTPUT_DTYPES:
        raise ValueError(f"dtype must be one of {OUTPUT_DTYPES}, got {dtype!r}")
    n = features.shape[0]
    if n is None:
        raise ValueError("split_cross_entropy_sum needs the number of rows when traced")
    n = int(n)
    vocab_size = int(kernel.shape[0] if tied else kernel.shape[1])
    rows = row_chunk_size(vocab_size, SPLIT_CHUNK_ELEMENTS) if rows is None else int(rows)
    if rows < 1:
        raise ValueError(f"rows must be a positive integer, got {rows}")
    targets = tf.cast(tf.convert_to_tensor(targets), tf.int32)
    bias = tf.zeros((vocab_size,), tf.float32) if bias is None else tf.convert_to_tensor(bias)
    kernel = tf.convert_to_tensor(kernel)
    softmax_part = _softmax_part(dtype)

    @tf.custom_gradient
    def loss_fn(h, w, b):
        hc_all, wd = tf.cast(h, dtype), tf.cast(w, dtype)
        total, dhs, dw, db = tf.zeros((), tf.float32), [], None, None
        previous = []  # the chunk before: the next one's logits wait for it
        for at in range(0, n, rows):  # unrolled; at most two chunks' buffers alive at once
            hc, yc = hc_all[at:at + rows], targets[at:at + rows]
            with tf.control_dependencies(previous):
                z = tf.matmul(hc, wd, transpose_b=tied)  # (R, V)
            loss, d, db_c = softmax_part(z, b, yc)
            previous = [d]  # its dh matmul may overlap the next chunk's logits
            total += loss
            dhs.append(tf.matmul(d, wd, transpose_b=not tied))  # (R, D)
            dw_c = tf.matmul(d, hc, transpose_a=True) if tied else tf.matmul(hc, d, transpose_a=True)
            dw_c = tf.cast(dw_c, tf.float32)  # accumulated in float32, one running sum
            dw, db = (dw_c, db_c) if dw is None else (dw + dw_c, db + db_c)
            previous.append(dw)  # and for its running sum: memory independent of V
        dh = tf.cast(tf.concat(dhs, axis=0), h.dtype)

        def grad(upstream):
            return dh * upstream, dw * upstream, db * upstream

        return total, grad

    return loss_fn(features, kernel, bias)
