"""osai.llamacpp: SmolLM2's own GGUF file in llama.cpp, compared with transformers on that file."""

from __future__ import annotations

import builtins
import time

import pytest

from osai import llamacpp, measure

llama_cpp = pytest.importorskip("llama_cpp", reason="llama-cpp-python is installed by make install")


@pytest.fixture(scope="module")
def llm():
    return llamacpp.load_smollm2(threads=1)


def test_a_missing_binding_says_how_to_install_it(monkeypatch):
    real_import = builtins.__import__

    def no_llama_cpp(name, *args, **kwargs):
        if name == "llama_cpp":
            raise ImportError("No module named 'llama_cpp'")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_llama_cpp)
    with pytest.raises(llamacpp.LlamaCppMissing, match=r"pip install llama-cpp-python==0\.3\.36"):
        llamacpp.load_smollm2(threads=1)


def test_available_says_whether_the_binding_is_installed_without_importing_it(monkeypatch):
    import importlib.util

    assert llamacpp.available()
    monkeypatch.setattr(importlib.util, "find_spec", lambda name: None)
    assert not llamacpp.available()


@pytest.mark.parametrize("threads", [0, -1, 1.5, True, "2"])
def test_threads_must_be_a_positive_whole_number(threads):
    with pytest.raises(ValueError, match="positive whole number"):
        llamacpp.load_smollm2(threads=threads)


def test_greedy_ids_are_repeatable_and_exactly_as_many_as_asked(llm):
    prompt = [1, 504, 3458, 314]  # token ids; the end of text is not special
    first = llamacpp.greedy_ids(llm, prompt, 12)
    assert len(first) == 12 and all(isinstance(token, int) for token in first)
    assert llamacpp.greedy_ids(llm, prompt, 12) == first  # the cache is reset before each run
    assert llamacpp.greedy_ids(llm, prompt, 5) == first[:5]
    with pytest.raises(ValueError, match="at least one token"):
        llamacpp.greedy_ids(llm, [], 3)
    with pytest.raises(ValueError, match="positive"):
        llamacpp.greedy_ids(llm, prompt, 0)


def test_llama_cpp_and_transformers_choose_the_same_first_tokens_on_one_file(llm):
    import osai

    tokenizer, model = osai.load_smollm2(device="cpu")
    ids = tokenizer("The capital of France is", return_tensors="pt")["input_ids"]
    expected = model.generate(
        ids, do_sample=False, max_new_tokens=4, min_new_tokens=4, pad_token_id=0
    )[0, ids.shape[1] :].tolist()
    assert llamacpp.greedy_ids(llm, ids[0].tolist(), 4) == expected


def test_decode_rate_is_a_plausible_tokens_per_second(llm):
    start = time.perf_counter()
    rate = llamacpp.decode_rate(llm, [1, 504, 3458], n_tokens=6)
    elapsed = time.perf_counter() - start
    assert 5 / elapsed < rate < 1e5  # 5 steps were timed inside the call
    with pytest.raises(ValueError, match="at least 2"):
        llamacpp.decode_rate(llm, [1], n_tokens=1)
    # the same definition as measure.decode_rate, which is documented to match it
    assert "llamacpp.decode_rate" in measure.decode_rate.__doc__


def test_next_token_logprobs_are_a_distribution_that_matches_transformers(llm):
    import numpy as np
    import torch

    import osai

    tokenizer, model = osai.load_smollm2(device="cpu")
    ids = tokenizer("The capital of France is", return_tensors="pt")["input_ids"]
    ours = llamacpp.next_token_logprobs(llm, ids[0].tolist())
    assert ours.shape == (model.config.vocab_size,)
    assert np.exp(ours).sum() == pytest.approx(1.0, abs=1e-9)
    with torch.no_grad():
        theirs = torch.log_softmax(model(ids).logits[0, -1].double(), -1).numpy()
    assert int(ours.argmax()) == int(theirs.argmax())
    # the same weights, other arithmetic (8-bit activations): close, not equal
    top = np.argsort(theirs)[-5:]
    assert np.abs(np.exp(ours[top]) - np.exp(theirs[top])).max() < 0.05
