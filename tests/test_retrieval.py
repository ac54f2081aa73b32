"""osai.retrieval: chunking, index save/load, search and its edge cases."""

from __future__ import annotations

import time

import numpy as np
import pytest

from osai import retrieval
from osai.retrieval import Chunk, Index
from scripts import stand_ins as _stand_ins


class FakeEncoder:
    """A fast stand-in for a sentence encoder: bag of hashed words, unit length."""

    dim = 16

    def get_sentence_embedding_dimension(self) -> int:
        return self.dim

    def encode(self, sentences, **kwargs):
        out = np.zeros((len(sentences), self.dim), dtype=np.float32)
        for row, sentence in enumerate(sentences):
            for word in sentence.lower().split():
                out[row, sum(map(ord, word.strip(".,?:"))) % self.dim] += 1.0
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        return out / np.where(norms == 0, 1, norms)


PAGE = """---
title: front matter is dropped
---
# Title

<!-- a comment that must not be indexed -->
Intro paragraph about apples {cite:p}`somekey` and [a link](https://example.org).

## Second section

```{exercise} A quiz
:label: q1
What is a banana?
```
"""


def test_split_markdown_keeps_sections_and_drops_markup():
    chunks = retrieval.split_markdown(PAGE, "book/demo")
    assert [c.heading for c in chunks] == ["Title", "Second section"]
    assert chunks[0].text == "Intro paragraph about apples and a link."
    assert chunks[1].text == "What is a banana?"
    assert all(c.page == "book/demo" for c in chunks)
    joined = " ".join(c.text for c in chunks)
    for hidden in ("comment", "front matter", "somekey", ":label:", "```", "https"):
        assert hidden not in joined


def test_long_paragraph_is_cut_into_overlapping_windows():
    words = [f"w{i}" for i in range(250)]
    chunks = retrieval.split_markdown(" ".join(words), "p", max_words=100, overlap=10)
    assert all(len(c.text.split()) <= 100 for c in chunks)
    covered = {w for c in chunks for w in c.text.split()}
    assert covered == set(words)  # nothing lost at a boundary
    assert chunks[1].text.split()[0] == "w90"  # 10 words of overlap


@pytest.mark.parametrize("max_words, overlap", [(0, 0), (10, 10), (10, -1)])
def test_bad_chunk_sizes_are_refused(max_words, overlap):
    with pytest.raises(ValueError, match="max_words|overlap"):
        retrieval.split_markdown("text", "p", max_words=max_words, overlap=overlap)


def test_empty_corpus_gives_an_empty_index_and_no_hits(tmp_path):
    encoder = FakeEncoder()
    assert retrieval.split_markdown("", "p") == []
    index = retrieval.build_index([], encoder)
    assert len(index) == 0 and index.vectors.shape == (0, FakeEncoder.dim)
    assert retrieval.search(index, "anything", encoder, k=3) == []
    index.save(tmp_path / "idx")
    assert len(Index.load(tmp_path / "idx")) == 0


def _index(encoder):
    chunks = [
        Chunk("book/a", "Fruit", "apples and pears grow on trees"),
        Chunk("book/b", "Cars", "engines wheels and brakes"),
        Chunk("book/c", "Licences", "apache licence lets you share"),
    ]
    return retrieval.build_index(chunks, encoder, "fake")


def test_search_ranks_by_cosine_and_k_larger_than_corpus_returns_all():
    encoder = FakeEncoder()
    index = _index(encoder)
    hits = retrieval.search(index, "apples and pears", encoder, k=1)
    assert len(hits) == 1 and hits[0].chunk.page == "book/a" and hits[0].rank == 1
    everything = retrieval.search(index, "apples and pears", encoder, k=50)
    assert len(everything) == 3
    assert [h.rank for h in everything] == [1, 2, 3]
    scores = [h.score for h in everything]
    assert scores == sorted(scores, reverse=True)
    assert all(-1.0001 <= s <= 1.0001 for s in scores)


def test_bad_queries_and_k_fail_clearly():
    encoder = FakeEncoder()
    index = _index(encoder)
    with pytest.raises(ValueError, match="k must be at least 1"):
        retrieval.search(index, "apples", encoder, k=0)
    with pytest.raises(ValueError, match="query is empty"):
        retrieval.search(index, "   ", encoder)


def test_index_built_with_another_encoder_is_refused():
    index = _index(FakeEncoder())

    class Wider(FakeEncoder):
        dim = 32

    with pytest.raises(ValueError, match="another encoder"):
        retrieval.search(index, "apples", Wider())


def test_mismatched_vectors_are_refused():
    with pytest.raises(ValueError, match="one embedding row per chunk"):
        Index([Chunk("p", "", "t")], np.zeros((2, 4)))


def test_save_and_load_round_trip(tmp_path):
    encoder = FakeEncoder()
    index = _index(encoder)
    index.save(tmp_path / "idx")
    loaded = Index.load(tmp_path / "idx")
    assert loaded.chunks == index.chunks and loaded.encoder_name == "fake"
    np.testing.assert_array_equal(loaded.vectors, index.vectors)
    with pytest.raises(FileNotFoundError, match="No saved index"):
        Index.load(tmp_path / "nowhere")


def test_reindex_is_one_call_and_notices_changed_pages(tmp_path):
    (tmp_path / "book").mkdir()
    page = tmp_path / "book" / "one.md"
    page.write_text("# One\n\nApples grow on trees.\n", encoding="utf-8")
    encoder = FakeEncoder()
    index = retrieval.reindex(["book/one.md"], encoder, tmp_path / "idx", root=tmp_path)
    assert index.pages == ["book/one"] and index.stale_pages(tmp_path) == []
    page.write_text("# One\n\nPears grow on trees too.\n", encoding="utf-8")
    assert Index.load(tmp_path / "idx").stale_pages(tmp_path) == ["book/one.md"]
    fresh = retrieval.reindex(["book/one.md"], encoder, tmp_path / "idx", root=tmp_path)
    assert "Pears" in fresh.chunks[0].text and fresh.stale_pages(tmp_path) == []
    with pytest.raises(FileNotFoundError, match="list of pages"):
        retrieval.chunk_pages(["book/missing.md"], root=tmp_path)


def test_hit_rates():
    ranked = [["a", "b", "c"], ["b", "a", "c"], ["c", "c", "c"], ["b", "c", "a"]]
    assert retrieval.hit_rates(ranked, ["a", "a", "a", "d"]) == {"hit@1": 0.25, "hit@3": 0.5}
    with pytest.raises(ValueError):
        retrieval.hit_rates([], [])


def test_answer_without_encoder_for_a_nonempty_index_fails_clearly():
    index = _index(FakeEncoder())
    with pytest.raises(ValueError, match="encoder"):
        retrieval.answer("apples?", index, tokenizer=None, model=None, encoder=None)


def test_prompt_names_the_pages():
    encoder = FakeEncoder()
    hits = retrieval.search(_index(encoder), "apache licence", encoder, k=2)
    prompt = retrieval.build_prompt("Which licence?", hits)
    assert "(page book/c)" in prompt and prompt.endswith("Question: Which licence?")


def test_real_minilm_handles_a_query_longer_than_its_limit():
    import osai

    encoder = osai.load_minilm(device="cpu")
    index = retrieval.build_index(
        [Chunk("p1", "", "Open weights can run offline."), Chunk("p2", "", "A cake recipe.")],
        encoder,
    )
    long_query = "Can open models run without a network connection? " * 200
    cut, was_cut = retrieval.truncate_query(long_query, encoder)
    assert was_cut and len(encoder.tokenizer(cut)["input_ids"]) <= encoder.max_seq_length
    hits = retrieval.search(index, long_query, encoder, k=5)
    assert [h.chunk.page for h in hits] == ["p1", "p2"]
    assert retrieval.truncate_query("short", encoder) == ("short", False)


def test_time_app_runs_with_tiny_stand_ins(tmp_path):
    (tmp_path / "book").mkdir()
    (tmp_path / "book" / "p.md").write_text(
        "# Memory\n\nEach notebook may use 3 GB.\n", encoding="utf-8"
    )
    texts = ["Each notebook may use 3 GB.", "How much memory?"]
    parts = _stand_ins.stand_in_parts("cpu", texts, full_size=False, folder=tmp_path / "enc")
    start = time.perf_counter()
    result = _stand_ins.time_app(
        "cpu", ["book/p.md"], ["How much memory?"], root=tmp_path, parts=parts, max_new_tokens=3
    )
    elapsed = time.perf_counter() - start
    assert result["passages"] == 1.0
    # Both phases are timed inside the call: together they cannot take longer than the call.
    assert 0 < result["index_s"] and 0 < result["answer_s"]
    assert result["index_s"] + result["answer_s"] <= elapsed


def test_myst_roles_keep_what_a_reader_sees():
    text = "Read {term}`open weights <weights>` in {doc}`setup`."
    (chunk,) = retrieval.split_markdown(text, "p")
    assert chunk.text == "Read open weights in setup."


def test_answer_sends_the_chosen_system_prompt_and_user_message(monkeypatch):
    from osai import generation

    seen = {}

    def fake_chat(tokenizer, model, prompt, max_new_tokens=60, system=None):
        seen.update(prompt=prompt, system=system)
        return "An answer."

    monkeypatch.setattr(generation, "chat", fake_chat)
    encoder = FakeEncoder()
    index = _index(encoder)
    default = retrieval.answer("apache licence?", index, None, None, encoder=encoder, k=1)
    assert seen["system"] == retrieval.SYSTEM_PROMPT
    assert seen["prompt"] == retrieval.build_prompt("apache licence?", default.hits)
    custom = retrieval.answer(
        "apache licence?",
        index,
        None,
        None,
        encoder=encoder,
        k=1,
        system="Be brief.",
        prompt_builder=lambda question, hits: f"{len(hits)} passage(s); {question}",
    )
    assert seen == {"prompt": "1 passage(s); apache licence?", "system": "Be brief."}
    assert custom.text == "An answer." and custom.sources == default.sources
