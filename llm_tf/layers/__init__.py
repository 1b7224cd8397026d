"""Keras layers (§3.2.3, §4.2.3): attention, the Transformer block, the tied output.

Layers import only Keras (and :mod:`llm_tf.errors`); importing this package
registers them for ``keras.saving.load_model``.
"""

from llm_tf.layers.attention import CausalSelfAttention, causal_mask, scaled_dot_product_attention
from llm_tf.layers.cross_layer_attention import CrossLayerAttention
from llm_tf.layers.tied_output import TiedOutput
from llm_tf.layers.transformer_block import TransformerBlock, gpt_initializer

__all__ = [
    "CausalSelfAttention",
    "CrossLayerAttention",
    "TiedOutput",
    "TransformerBlock",
    "causal_mask",
    "gpt_initializer",
    "scaled_dot_product_attention",
]
