"""Fine-tuning a causal language model with LoRA, small enough for a laptop CPU.

``lora_finetune`` wraps a model with peft's LoRA adapters (low-rank matrices added to chosen
linear layers; the original weights stay frozen), trains them on a handful of prompt/answer
pairs and returns the adapted model with its loss curve. The loss is computed on the answer
tokens only, so the model learns *what to answer*, not to repeat the question. Everything is
seeded and full-batch, so the same inputs give the same losses on the same machine.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field

from . import env

IGNORE_INDEX = -100  # label value that PyTorch's cross-entropy skips


@dataclass
class FinetuneResult:
    """What ``lora_finetune`` returns: the adapted model, its losses and parameter counts."""

    model: object  # a peft.PeftModel wrapping the original model
    losses: list[float] = field(default_factory=list)
    trainable_parameters: int = 0
    frozen_parameters: int = 0

    def __iter__(self):  # allows ``model, losses = lora_finetune(...)``
        return iter((self.model, self.losses))


def _check_examples(examples) -> list[tuple[str, str]]:
    if isinstance(examples, (str, bytes)) or not isinstance(examples, Sequence) or not examples:
        raise ValueError(
            "examples must be a non-empty list of (prompt, answer) pairs, e.g. "
            '[("What is your name?", "I am Osai.")].'
        )
    pairs = []
    for i, example in enumerate(examples):
        if (
            not isinstance(example, (tuple, list))
            or len(example) != 2
            or not all(isinstance(part, str) and part.strip() for part in example)
        ):
            raise ValueError(
                f"examples[{i}] is {example!r}: each example must be a pair of two non-empty "
                "strings (prompt, answer)."
            )
        pairs.append((example[0], example[1]))
    return pairs


def _prompt_text(tokenizer, prompt: str) -> str:
    """The prompt as the model sees it at inference: its chat template when it has one."""
    if getattr(tokenizer, "chat_template", None):
        return tokenizer.apply_chat_template(
            [{"role": "user", "content": prompt}], add_generation_prompt=True, tokenize=False
        )
    return prompt + "\n"


def encode_examples(tokenizer, examples, max_length: int = 64):
    """Token ids, attention mask and labels (answer tokens only) for a list of pairs.

    Returns a dict of ``torch.long`` tensors padded to the longest example (right padding).
    Examples longer than ``max_length`` tokens are truncated.
    """
    import torch

    pairs = _check_examples(examples)
    if max_length < 2:
        raise ValueError(f"max_length must be at least 2 tokens, not {max_length}.")
    eos = tokenizer.eos_token or ""
    pad_id = tokenizer.pad_token_id
    if pad_id is None:
        pad_id = tokenizer.eos_token_id if tokenizer.eos_token_id is not None else 0
    rows = []
    for prompt, answer in pairs:
        prompt_ids = tokenizer(_prompt_text(tokenizer, prompt), add_special_tokens=False)[
            "input_ids"
        ]
        answer_ids = tokenizer(answer + eos, add_special_tokens=False)["input_ids"]
        ids = (prompt_ids + answer_ids)[:max_length]
        labels = ([IGNORE_INDEX] * len(prompt_ids) + answer_ids)[:max_length]
        rows.append((ids, labels))
    width = max(len(ids) for ids, _ in rows)
    input_ids = torch.full((len(rows), width), pad_id, dtype=torch.long)
    labels = torch.full((len(rows), width), IGNORE_INDEX, dtype=torch.long)
    attention = torch.zeros((len(rows), width), dtype=torch.long)
    for i, (ids, labs) in enumerate(rows):
        input_ids[i, : len(ids)] = torch.tensor(ids)
        labels[i, : len(labs)] = torch.tensor(labs)
        attention[i, : len(ids)] = 1
    if bool((labels == IGNORE_INDEX).all()):
        raise ValueError(
            f"Every answer token was cut off by max_length={max_length}: raise max_length."
        )
    return {"input_ids": input_ids, "attention_mask": attention, "labels": labels}


def answer_loss(model, batch):
    """Mean cross-entropy of the next-token predictions at the answer tokens only.

    Same value as the model's own ``labels=`` loss, but the output layer (576 x 49,152 for
    SmolLM2) runs only where there is a label, which makes a CPU training step much cheaper.
    """
    import torch.nn.functional as F

    base = model.get_base_model() if hasattr(model, "get_base_model") else model
    hidden = base.get_decoder()(
        input_ids=batch["input_ids"], attention_mask=batch["attention_mask"]
    ).last_hidden_state
    targets = batch["labels"][:, 1:]
    keep = targets != IGNORE_INDEX
    logits = base.get_output_embeddings()(hidden[:, :-1][keep])
    return F.cross_entropy(logits.float(), targets[keep])


def trainable_and_frozen(model) -> tuple[int, int]:
    """(trainable, frozen) parameter counts of a torch module."""
    trainable = sum(p.numel() for p in model.parameters() if p.requires_grad)
    frozen = sum(p.numel() for p in model.parameters() if not p.requires_grad)
    return trainable, frozen


def lora_finetune(
    model,
    tokenizer,
    examples,
    *,
    device=None,
    steps: int = 30,
    learning_rate: float = 2e-3,
    r: int = 8,
    alpha: int = 16,
    target_modules: Sequence[str] = ("q_proj", "v_proj"),
    max_length: int = 64,
    seed: int = 0,
    layers: Sequence[int] | None = None,
) -> FinetuneResult:
    """Train LoRA adapters of rank ``r`` on ``target_modules`` with (prompt, answer) pairs.

    Everything after ``examples`` is a keyword. Full-batch AdamW for ``steps`` steps; the loss
    counts only the answer tokens. The model is
    moved to ``device`` (None: it stays where it is) and returned in eval mode, wrapped in
    a ``peft.PeftModel`` whose base weights are unchanged. Unpack the result as
    ``model, losses = lora_finetune(...)`` or read ``.trainable_parameters`` /
    ``.frozen_parameters`` from it. ``layers`` limits the adapters to some transformer blocks
    (e.g. the last few): back-propagation then stops at the lowest adapted block, which makes
    each step cheaper on a CPU.
    """
    import torch
    from peft import LoraConfig, get_peft_model

    if steps < 1:
        raise ValueError(f"steps must be at least 1, not {steps}.")
    if r < 1:
        raise ValueError(f"The LoRA rank r must be at least 1, not {r}.")
    names = {name.rsplit(".", 1)[-1] for name, _ in model.named_modules()}
    missing = [name for name in target_modules if name not in names]
    if missing:
        raise ValueError(
            f"target_modules {missing} are not layers of this model; a Llama-style model "
            "has q_proj, k_proj, v_proj, o_proj, gate_proj, up_proj and down_proj."
        )
    batch = encode_examples(tokenizer, examples, max_length=max_length)
    device = env.device(device) if device is not None else next(model.parameters()).device
    model.to(device)
    batch = {key: value.to(device) for key, value in batch.items()}

    torch.manual_seed(seed)  # LoRA's A matrices start random (B starts at zero)
    config = LoraConfig(
        r=r,
        lora_alpha=alpha,
        target_modules=list(target_modules),
        lora_dropout=0.0,
        bias="none",
        task_type="CAUSAL_LM",
        layers_to_transform=list(layers) if layers is not None else None,
    )
    with warnings.catch_warnings():
        # peft calls a transformers method that transformers 5 deprecates; not the learner's concern
        warnings.filterwarnings(
            "ignore", message=".*is_gradient_checkpointing.*", category=FutureWarning
        )
        peft_model = get_peft_model(model, config)
    trainable, frozen = trainable_and_frozen(peft_model)
    optimizer = torch.optim.AdamW(
        [p for p in peft_model.parameters() if p.requires_grad], lr=learning_rate
    )
    losses: list[float] = []
    peft_model.train()
    for _ in range(steps):
        optimizer.zero_grad()
        loss = answer_loss(peft_model, batch)
        loss.backward()
        optimizer.step()
        losses.append(float(loss.detach()))
    peft_model.eval()
    return FinetuneResult(peft_model, losses, trainable, frozen)


def save_adapter(peft_model, folder, base_model: str):
    """Save only the LoRA adapter of ``peft_model`` into ``folder``, byte-for-byte repeatable.

    Writes ``adapter_model.safetensors`` and ``adapter_config.json`` (peft's
    ``save_pretrained``), records ``base_model`` (a hub id, not a local path) as the base, and
    sorts the config's ``target_modules``: peft keeps them as a Python set, whose order can change
    from run to run, so the same adapter would otherwise not always give the same SHA-256.
    Returns the folder as a ``Path``.
    """
    import json
    from pathlib import Path

    if not base_model or not isinstance(base_model, str):
        raise ValueError('base_model must be the base model\'s id, e.g. "org/name".')
    if not hasattr(peft_model, "peft_config"):
        raise TypeError("save_adapter needs a peft model (the .model of lora_finetune's result).")
    folder = Path(folder)
    for config in peft_model.peft_config.values():
        config.base_model_name_or_path = base_model
    peft_model.save_pretrained(folder, safe_serialization=True, save_embedding_layers=False)
    config_file = folder / "adapter_config.json"
    config = json.loads(config_file.read_text(encoding="utf-8"))
    if isinstance(config.get("target_modules"), list):
        config["target_modules"] = sorted(config["target_modules"])
    config_file.write_text(json.dumps(config, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    return folder
