"""Fixtures shared by the unit tests: tiny models built in code (no files, seconds on a CPU).

The tokenizer and the examples come from :mod:`scripts.stand_ins`, which ``scripts/gpu_check.py``
uses for the same LoRA step at full size; the repository root's ``conftest.py`` registers the
execution-statistics plugin.
"""

from __future__ import annotations

import pytest


@pytest.fixture
def finetune_examples():
    """Two (prompt, answer) pairs whose words :func:`tiny_tokenizer` knows."""
    from scripts.stand_ins import FINETUNE_EXAMPLES

    return list(FINETUNE_EXAMPLES)


@pytest.fixture
def tiny_tokenizer():
    """A word-level tokenizer of the fine-tuning examples' words (15 tokens)."""
    from scripts.stand_ins import finetune_tokenizer

    return finetune_tokenizer()


@pytest.fixture
def tiny_llama(tiny_tokenizer):
    """``tiny_llama(seed=0)``: a 2-block Llama with random weights and the tiny tokenizer's
    vocabulary (hidden size 32, 4 query heads, 2 key-value heads)."""

    def build(seed: int = 0):
        import torch
        from transformers import LlamaConfig, LlamaForCausalLM

        torch.manual_seed(seed)
        config = LlamaConfig(
            vocab_size=len(tiny_tokenizer),
            hidden_size=32,
            intermediate_size=64,
            num_hidden_layers=2,
            num_attention_heads=4,
            num_key_value_heads=2,
            max_position_embeddings=64,
        )
        return LlamaForCausalLM(config)

    return build
