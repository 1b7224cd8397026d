"""§3.2, §4.2, §5: generation, from sampling settings to text.

- :class:`SamplingConfig` (:mod:`.config`): greedy, temperature, top-k, top-p or
  beam search, seeded; validated once.
- the samplers (:mod:`.samplers`): one object per way of picking the next token,
  and :func:`make_sampler`, which maps a :class:`SamplingConfig` onto one;
- :class:`Decoder` (:mod:`.decoder`): the compiled loop, for any model with the
  ``init_state`` / ``step`` interface (``llm_tf.models.stepping_view(model)``);
- :func:`generate_ids`, :func:`generate_text`, :func:`render` (:mod:`.text`);
- :class:`~llm_tf.generation.chat.Chat` (:mod:`.chat`, §6.5): one chat turn, routed to
  a question-answering model or continued by a language model.

This package never imports ``llm_tf.models`` or ``llm_tf.training``.
"""

from llm_tf.generation.config import SamplingConfig
from llm_tf.generation.decoder import Decoder
from llm_tf.generation.samplers import (
    BeamSampler,
    GreedySampler,
    RandomSampler,
    Sampler,
    TopKSampler,
    TopPSampler,
    gumbel_noise,
    make_sampler,
)
from llm_tf.generation.text import generate_ids, generate_text, render

__all__ = [
    "BeamSampler",
    "Decoder",
    "GreedySampler",
    "RandomSampler",
    "Sampler",
    "SamplingConfig",
    "TopKSampler",
    "TopPSampler",
    "generate_ids",
    "generate_text",
    "gumbel_noise",
    "make_sampler",
    "render",
]
