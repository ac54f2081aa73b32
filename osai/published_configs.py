"""The published configurations of large open models, instantiated without memory.

A model built under ``torch.device("meta")`` has every parameter's shape but no storage, so
the full Llama-2-70B or BLOOM-176B architecture fits in a laptop's RAM in a second or two and
its parameters can be counted exactly. The configurations below are copied value by value from
the ``config.json`` files their publishers released (the URL is in each entry's ``source``).

Typical use::

    from osai.published_configs import PUBLISHED_CONFIGS, count_parameters, component_breakdown
    count_parameters("llama-2-70b")        # 68_976_648_192
    component_breakdown("bloom-176b")      # {"embeddings": ..., "attention": ..., ...}
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "PUBLISHED_CONFIGS",
    "PUBLISHED_PARAMETER_COUNTS",
    "PublishedConfig",
    "build_on_meta",
    "component_breakdown",
    "count_parameters",
]


@dataclass(frozen=True)
class PublishedConfig:
    """One published model configuration: where it lives and the values that shape the model."""

    name: str
    family: str  # "llama", "bloom", "clip-text", "unet2d-condition", "autoencoder-kl"
    source: str  # URL of the config.json the values come from
    values: dict[str, Any] = field(default_factory=dict)


_LLAMA2_7B = {
    "architectures": ["LlamaForCausalLM"],
    "bos_token_id": 1,
    "eos_token_id": 2,
    "hidden_act": "silu",
    "hidden_size": 4096,
    "initializer_range": 0.02,
    "intermediate_size": 11008,
    "max_position_embeddings": 4096,
    "model_type": "llama",
    "num_attention_heads": 32,
    "num_hidden_layers": 32,
    "num_key_value_heads": 32,
    "pretraining_tp": 1,
    "rms_norm_eps": 1e-05,
    "rope_scaling": None,
    "tie_word_embeddings": False,
    "torch_dtype": "float16",
    "vocab_size": 32000,
}

_LLAMA2_70B = {
    **_LLAMA2_7B,
    "hidden_size": 8192,
    "intermediate_size": 28672,
    "num_attention_heads": 64,
    "num_hidden_layers": 80,
    "num_key_value_heads": 8,
}

_BLOOM_176B = {
    "apply_residual_connection_post_layernorm": False,
    "attention_dropout": 0.0,
    "attention_softmax_in_fp32": True,
    "bias_dropout_fusion": True,
    "bos_token_id": 1,
    "eos_token_id": 2,
    "hidden_dropout": 0.0,
    "hidden_size": 14336,
    "initializer_range": 0.02,
    "layer_norm_epsilon": 1e-05,
    "masked_softmax_fusion": True,
    "model_type": "bloom",
    "n_head": 112,
    "n_inner": None,
    "n_layer": 70,
    "offset_alibi": 100,
    "pad_token_id": 3,
    "pretraining_tp": 4,
    "skip_bias_add": True,
    "skip_bias_add_qkv": False,
    "slow_but_exact": False,
    "unk_token_id": 0,
    "use_cache": True,
    "vocab_size": 250880,
}

_SD15_UNET = {
    "_class_name": "UNet2DConditionModel",
    "act_fn": "silu",
    "attention_head_dim": 8,
    "block_out_channels": [320, 640, 1280, 1280],
    "center_input_sample": False,
    "cross_attention_dim": 768,
    "down_block_types": [
        "CrossAttnDownBlock2D",
        "CrossAttnDownBlock2D",
        "CrossAttnDownBlock2D",
        "DownBlock2D",
    ],
    "downsample_padding": 1,
    "flip_sin_to_cos": True,
    "freq_shift": 0,
    "in_channels": 4,
    "layers_per_block": 2,
    "mid_block_scale_factor": 1,
    "norm_eps": 1e-05,
    "norm_num_groups": 32,
    "out_channels": 4,
    "sample_size": 64,
    "up_block_types": [
        "UpBlock2D",
        "CrossAttnUpBlock2D",
        "CrossAttnUpBlock2D",
        "CrossAttnUpBlock2D",
    ],
}

_SD15_TEXT_ENCODER = {
    "architectures": ["CLIPTextModel"],
    "attention_dropout": 0.0,
    "bos_token_id": 0,
    "dropout": 0.0,
    "eos_token_id": 2,
    "hidden_act": "quick_gelu",
    "hidden_size": 768,
    "initializer_factor": 1.0,
    "initializer_range": 0.02,
    "intermediate_size": 3072,
    "layer_norm_eps": 1e-05,
    "max_position_embeddings": 77,
    "model_type": "clip_text_model",
    "num_attention_heads": 12,
    "num_hidden_layers": 12,
    "pad_token_id": 1,
    "projection_dim": 768,
    "vocab_size": 49408,
}

_SD15_VAE = {
    "_class_name": "AutoencoderKL",
    "act_fn": "silu",
    "block_out_channels": [128, 256, 512, 512],
    "down_block_types": ["DownEncoderBlock2D"] * 4,
    "in_channels": 3,
    "latent_channels": 4,
    "layers_per_block": 2,
    "norm_num_groups": 32,
    "out_channels": 3,
    "sample_size": 512,
    "up_block_types": ["UpDecoderBlock2D"] * 4,
}

_HF = "https://huggingface.co"
_SD15 = f"{_HF}/stable-diffusion-v1-5/stable-diffusion-v1-5/blob/main"

PUBLISHED_CONFIGS: dict[str, PublishedConfig] = {
    "llama-2-7b": PublishedConfig(
        "llama-2-7b", "llama", f"{_HF}/meta-llama/Llama-2-7b-hf/blob/main/config.json", _LLAMA2_7B
    ),
    "llama-2-70b": PublishedConfig(
        "llama-2-70b",
        "llama",
        f"{_HF}/meta-llama/Llama-2-70b-hf/blob/main/config.json",
        _LLAMA2_70B,
    ),
    "bloom-176b": PublishedConfig(
        "bloom-176b", "bloom", f"{_HF}/bigscience/bloom/blob/main/config.json", _BLOOM_176B
    ),
    "sd-v1-5-unet": PublishedConfig(
        "sd-v1-5-unet", "unet2d-condition", f"{_SD15}/unet/config.json", _SD15_UNET
    ),
    "sd-v1-5-text-encoder": PublishedConfig(
        "sd-v1-5-text-encoder", "clip-text", f"{_SD15}/text_encoder/config.json", _SD15_TEXT_ENCODER
    ),
    "sd-v1-5-vae": PublishedConfig(
        "sd-v1-5-vae", "autoencoder-kl", f"{_SD15}/vae/config.json", _SD15_VAE
    ),
}

# Exact counts from instantiating the configs above (tests/test_published_configs.py re-checks them).
# The three language models match their publishers' figures; BLOOM's input and output
# embeddings are one tied matrix, counted once.
PUBLISHED_PARAMETER_COUNTS: dict[str, int] = {
    "llama-2-7b": 6_738_415_616,
    "llama-2-70b": 68_976_648_192,
    "bloom-176b": 176_247_271_424,
    "sd-v1-5-unet": 859_520_964,
    "sd-v1-5-text-encoder": 123_060_480,
    "sd-v1-5-vae": 83_653_863,
}


def _lookup(name: str) -> PublishedConfig:
    try:
        return PUBLISHED_CONFIGS[name]
    except KeyError:
        known = ", ".join(sorted(PUBLISHED_CONFIGS))
        raise KeyError(f"unknown model {name!r}; known models: {known}") from None


def _clean(values: dict[str, Any]) -> dict[str, Any]:
    """Drop the bookkeeping keys (architectures, _class_name, ...) that are not constructor arguments."""
    return {
        k: v
        for k, v in values.items()
        if not k.startswith("_") and k not in {"architectures", "model_type"}
    }


def build_on_meta(name: str):
    """Instantiate a published configuration on ``torch.device("meta")`` (shapes only, no memory).

    Language models come from transformers; the Stable Diffusion UNet and VAE need diffusers.
    """
    import torch

    entry = _lookup(name)
    values = _clean(entry.values)
    with torch.device("meta"):
        if entry.family == "llama":
            from transformers import LlamaConfig, LlamaForCausalLM

            return LlamaForCausalLM(LlamaConfig(**values))
        if entry.family == "bloom":
            from transformers import BloomConfig, BloomForCausalLM

            return BloomForCausalLM(BloomConfig(**values))
        if entry.family == "clip-text":
            from transformers import CLIPTextConfig, CLIPTextModel

            return CLIPTextModel(CLIPTextConfig(**values))
        try:
            import diffusers
        except ImportError as error:  # pragma: no cover - depends on the environment
            raise ImportError(f"{name} needs diffusers: pip install diffusers") from error
        if entry.family == "unet2d-condition":
            return diffusers.UNet2DConditionModel(**values)
        if entry.family == "autoencoder-kl":
            return diffusers.AutoencoderKL(**values)
    raise ValueError(f"no builder for family {entry.family!r}")  # pragma: no cover


def count_parameters(model_or_name: Any) -> int:
    """Number of distinct parameters of a model, or of a published configuration by name.

    Shared (tied) tensors are counted once, as ``model.parameters()`` does.
    """
    model = build_on_meta(model_or_name) if isinstance(model_or_name, str) else model_or_name
    if not hasattr(model, "parameters"):
        raise TypeError(
            f"expected a model name or a torch module, got {type(model_or_name).__name__}"
        )
    return sum(p.numel() for p in model.parameters())


_COMPONENT_RULES = (
    ("norms", ("norm", "ln_f", "layernorm")),
    ("embeddings", ("embed_tokens", "word_embeddings", "lm_head")),
    ("attention", ("self_attn", "self_attention")),
    ("MLP", ("mlp",)),
)


def _component(parameter_name: str) -> str:
    lowered = parameter_name.lower()
    for component, needles in _COMPONENT_RULES:
        if any(needle in lowered for needle in needles):
            return component
    return "other"


def component_breakdown(model_or_name: Any) -> dict[str, int]:
    """Parameters per component of a decoder-only language model.

    Components: ``embeddings`` (token embeddings and the output head, if not tied),
    ``attention``, ``MLP``, ``norms`` (RMSNorm / LayerNorm weights and biases) and ``other``
    (should be 0 for LLaMA and BLOOM). The values add up to :func:`count_parameters`.
    """
    model = build_on_meta(model_or_name) if isinstance(model_or_name, str) else model_or_name
    if not hasattr(model, "named_parameters"):
        raise TypeError(
            f"expected a model name or a torch module, got {type(model_or_name).__name__}"
        )
    totals = {"embeddings": 0, "attention": 0, "MLP": 0, "norms": 0, "other": 0}
    for name, parameter in model.named_parameters():  # tied parameters are listed once
        totals[_component(name)] += parameter.numel()
    return totals
