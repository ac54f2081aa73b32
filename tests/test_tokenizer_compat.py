"""osai.models across the transformers versions requirements.txt allows (>=4.54).

The GGUF tokenizer of SmolLM2 has no padding token under transformers 4.x, and
``from_pretrained`` takes ``torch_dtype`` before 4.56 and ``dtype`` after. ``make lower-bounds``
runs the library-heavy notebooks on the oldest allowed versions; these tests pin the two shims.
"""

from __future__ import annotations

from types import SimpleNamespace

import pytest
import torch
import transformers

from osai import models


def _tokenizer(pad, eos):
    return SimpleNamespace(pad_token=pad, eos_token=eos)


def test_a_tokenizer_without_padding_pads_with_its_end_of_sequence_token():
    tokenizer = _tokenizer(None, "<|im_end|>")
    assert models.ensure_pad_token(tokenizer) is tokenizer
    assert tokenizer.pad_token == tokenizer.eos_token


def test_an_existing_padding_token_is_kept():
    tokenizer = _tokenizer("<pad>", "<|im_end|>")
    models.ensure_pad_token(tokenizer)
    assert tokenizer.pad_token == "<pad>"


def test_a_tokenizer_with_neither_token_is_a_clear_error():
    with pytest.raises(ValueError, match="tokenizer.pad_token ="):
        models.ensure_pad_token(_tokenizer(None, None))


def test_the_dtype_keyword_follows_the_installed_transformers(monkeypatch):
    monkeypatch.setattr(transformers, "__version__", "4.54.0")
    assert models._dtype_kwarg(torch.float32) == {"torch_dtype": torch.float32}
    monkeypatch.setattr(transformers, "__version__", "4.56.0")
    assert models._dtype_kwarg(torch.float32) == {"dtype": torch.float32}


@pytest.mark.slow
def test_smollm2_batches_prompts_of_different_lengths():
    tokenizer, model = models.load_smollm2(device="cpu")
    tokenizer.pad_token = None  # as transformers 4.x loads the GGUF tokenizer
    models.ensure_pad_token(tokenizer)
    batch = tokenizer(
        ["Hi", "A much longer prompt than the first"], return_tensors="pt", padding=True
    )
    assert batch["input_ids"].shape[0] == 2
    assert batch["attention_mask"][0].sum() < batch["attention_mask"][1].sum()
    assert (batch["input_ids"][0][batch["attention_mask"][0] == 0] == tokenizer.eos_token_id).all()
