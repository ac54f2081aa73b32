"""The published configurations of large open models, instantiated without memory.

A model built under ``torch.device("meta")`` has every parameter's shape but no storage, so
the full Llama-2-70B or BLOOM-176B architecture fits in a laptop's RAM in a second or two and
its parameters can be counted exactly. The configurations are in the fact file
``osai/facts/published_configs.yaml``, copied value by value from the ``config.json`` files
their publishers released (the URL is in each entry's ``source``), with each model's count.

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
    "active_parameters",
    "build_on_meta",
    "component_breakdown",
    "count_parameters",
]


@dataclass(frozen=True)
class PublishedConfig:
    """One published model configuration: where it lives and the values that shape the model."""

    name: str
    family: str  # "llama", "bloom", "deepseek-v3", "gpt-oss", "clip-text", "unet2d-condition", ...
    source: str  # URL of the config.json the values come from
    values: dict[str, Any] = field(default_factory=dict)


def _load() -> tuple[dict[str, PublishedConfig], dict[str, int]]:
    from .facts import load_yaml

    configs: dict[str, PublishedConfig] = {}
    counts: dict[str, int] = {}
    for key, entry in load_yaml(FACT_FILE).items():
        configs[key] = PublishedConfig(key, entry["family"], entry["source"], entry["config"])
        counts[key] = entry["parameters"]
    return configs, counts


FACT_FILE = "published_configs.yaml"
# Each model's configuration and its exact parameter count, both from the fact file (the count
# is what building the configuration gives; the published-configs test re-checks it). The
# three language models match their publishers' figures; BLOOM's input and output embeddings
# are one tied matrix, counted once.
PUBLISHED_CONFIGS, PUBLISHED_PARAMETER_COUNTS = _load()


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
        if entry.family == "deepseek-v3":
            from transformers import DeepseekV3Config, DeepseekV3ForCausalLM

            return DeepseekV3ForCausalLM(DeepseekV3Config(**values))
        if entry.family == "gpt-oss":
            from transformers import GptOssConfig, GptOssForCausalLM

            return GptOssForCausalLM(GptOssConfig(**values))
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


def _routed_experts(model) -> list[tuple[str, Any]]:
    """The modules that hold a mixture-of-experts layer's routed experts, stacked on dimension 0.

    transformers stores the experts of one layer as one module (``DeepseekV3Experts``,
    ``GptOssExperts``, ...) whose parameters have the number of experts as their first
    dimension; shared experts are ordinary MLPs and are not matched.
    """
    return [
        (name, module)
        for name, module in model.named_modules()
        if type(module).__name__.endswith("Experts") and hasattr(module, "num_experts")
    ]


def active_parameters(model_or_name: Any, *, include_input_embedding: bool = False) -> int:
    """Parameters that one token's forward pass multiplies with in a mixture-of-experts model.

    Everything outside the routed experts is active for every token: attention, norms,
    routers, dense layers, shared experts and the output head. Of each layer's routed experts
    only the ``num_experts_per_tok`` (top-k) that the router picks are used, so their
    parameters count ``k / num_experts`` times. The input embedding is a table look-up, not a
    multiplication, and is left out unless ``include_input_embedding`` (OpenAI's and
    DeepSeek's rounded "active" figures leave it out too). A dense model gives its total
    (less the input embedding).
    """
    model = build_on_meta(model_or_name) if isinstance(model_or_name, str) else model_or_name
    if not hasattr(model, "named_modules"):
        raise TypeError(
            f"expected a model name or a torch module, got {type(model_or_name).__name__}"
        )
    total = count_parameters(model)
    embedding = model.get_input_embeddings().weight
    head = model.get_output_embeddings()
    if not include_input_embedding and (head is None or head.weight is not embedding):
        total -= embedding.numel()
    experts = _routed_experts(model)
    if not experts:
        return total
    k = model.config.num_experts_per_tok
    inactive = 0
    for name, module in experts:
        n_experts = module.num_experts
        routed = 0
        for parameter in module.parameters():
            if parameter.shape[0] != n_experts:
                raise ValueError(
                    f"{name}: a parameter of shape {tuple(parameter.shape)} is "
                    f"not stacked over its {n_experts} experts"
                )
            routed += parameter.numel()
        if routed % n_experts:
            raise ValueError(f"{name}: {routed} parameters do not split into {n_experts} experts")
        inactive += routed // n_experts * (n_experts - k)
    return total - inactive
