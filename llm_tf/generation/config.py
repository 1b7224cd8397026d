"""SamplingConfig: how the decoder picks each next token. No TensorFlow here.

One frozen dataclass, validated once, read by the CLI (``llm-tf generate`` builds
its flags from these fields), by :func:`llm_tf.generation.make_sampler` and by the
compiled decoder.
"""

from __future__ import annotations

from dataclasses import dataclass

from llm_tf.settings import check_int, check_positive_int, check_range, known_fields, setting


@dataclass(frozen=True)
class SamplingConfig:
    """Greedy, temperature, top-k, top-p (nucleus) or beam search, seeded."""

    max_tokens: int = setting(50, "tokens to generate")
    temperature: float = setting(1.0, "softmax temperature; 0 = greedy")
    top_k: int | None = setting(None, "sample from the k likeliest tokens")
    top_p: float | None = setting(None, "nucleus sampling: smallest set with this mass, in (0, 1]")
    beam_size: int = setting(1, "beam search with this many beams (1: no beam search)")
    seed: int | None = setting(0, "random seed (same seed, same text)")
    stop: tuple[str, ...] = setting((), "stop after this token, e.g. '<eos>' (repeatable)",
                                    metavar="TOKEN")

    def __post_init__(self):
        check_int(self, "max_tokens", minimum=0)
        check_range(self, "temperature", 0.0, float("inf"))
        check_positive_int(self, "top_k", optional=True)
        if self.top_p is not None:
            check_range(self, "top_p", 0.0, 1.0, low_open=True, high_open=False)
        check_positive_int(self, "beam_size")
        object.__setattr__(self, "stop", tuple(self.stop))

    @property
    def greedy(self) -> bool:
        return self.beam_size == 1 and self.temperature == 0

    @classmethod
    def from_dict(cls, d: dict) -> SamplingConfig:
        return cls(**known_fields(cls, d))

