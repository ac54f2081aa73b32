"""Talking to a chat model the same way in every notebook: chat template, greedy decoding."""

from __future__ import annotations


def chat(tokenizer, model, prompt: str, max_new_tokens: int = 60, system: str | None = None) -> str:
    """The model's answer to ``prompt``, decoded greedily so it is the same on every run."""
    import torch

    messages = [{"role": "system", "content": system}] if system else []
    messages.append({"role": "user", "content": prompt})
    inputs = tokenizer.apply_chat_template(
        messages, add_generation_prompt=True, return_tensors="pt", return_dict=True
    ).to(model.device)
    with torch.no_grad():
        output = model.generate(
            **inputs,
            max_new_tokens=max_new_tokens,
            do_sample=False,
            pad_token_id=tokenizer.eos_token_id,
        )
    new_tokens = output[0, inputs["input_ids"].shape[1] :]
    return tokenizer.decode(new_tokens, skip_special_tokens=True).strip()
