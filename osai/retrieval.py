"""Question answering over markdown pages, from open parts: chunk, embed, retrieve, answer.

The pieces of chapter 4's application, small enough to read in one sitting:

* :func:`split_markdown` / :func:`chunk_pages` cut pages into passages that fit the encoder;
* :func:`build_index` embeds the passages (any encoder with a sentence-transformers style
  ``encode(texts, normalize_embeddings=True)``; the course uses all-MiniLM-L6-v2);
* :meth:`Index.save` / :meth:`Index.load` keep the index on disk (JSON + ``.npy``, no pickle);
* :func:`search` ranks passages by cosine similarity; :func:`answer` has a chat model answer from
  the retrieved passages and cites the pages they came from;
* :func:`reindex` rebuilds and saves the index when the pages change, in one call.

Edge cases behave predictably: an empty corpus gives an empty index and searches return no
hits; ``k`` larger than the corpus returns every passage; a query longer than the encoder's
limit is cut to the limit (as the encoder itself would) and still answered.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Protocol

import numpy as np

INDEX_FORMAT = 1


class Encoder(Protocol):
    """What the index needs from a sentence encoder (a ``SentenceTransformer`` fits)."""

    def encode(self, sentences: list[str], **kwargs: Any) -> Any: ...


@dataclass(frozen=True)
class Chunk:
    """A passage of a page: where it comes from (page and section heading) and its text."""

    page: str
    heading: str
    text: str


@dataclass(frozen=True)
class Hit:
    """A retrieved passage with its rank (1 = best) and cosine similarity to the query."""

    rank: int
    score: float
    chunk: Chunk


_COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)
_ROLE = re.compile(r"\{[a-z:]+\}`([^`]*)`")  # {cite:p}`key`, {doc}`setup` -> the role's text
_LINK = re.compile(r"\[([^\]]*)\]\([^)]*\)")  # [text](url) -> text
_SPACE_BEFORE_PUNCT = re.compile(r"\s+([.,;:])(?=\s|$)")
_HEADING = re.compile(r"^(#{1,6})\s+(.*)$")


def _role_text(match: re.Match) -> str:
    """What a reader sees of a MyST role: nothing for citations, else its text ("a <target>" -> a)."""
    if "cite" in match.group(0):
        return ""
    return re.sub(r"\s*<[^>]*>$", "", match.group(1))


def _clean(markdown: str) -> str:
    text = _COMMENT.sub("", markdown)
    if text.startswith("---"):  # YAML front matter
        parts = text.split("---", 2)
        text = parts[2] if len(parts) == 3 else text
    lines = []
    for line in text.splitlines():
        stripped = line.strip()
        if stripped.startswith(("```", ":::")) or re.match(r"^:[a-z-]+:", stripped):
            continue  # fences and directive options carry no prose
        line = _ROLE.sub(_role_text, line)
        lines.append(_LINK.sub(r"\1", line))
    return "\n".join(lines)


def _word_windows(words: list[str], max_words: int, overlap: int) -> list[list[str]]:
    step = max_words - overlap
    return [words[i : i + max_words] for i in range(0, max(len(words) - overlap, 1), step)]


def split_markdown(text: str, page: str, max_words: int = 120, overlap: int = 20) -> list[Chunk]:
    """Cut one markdown page into passages of at most ``max_words`` words.

    Sections (headings) are never mixed; within a section whole paragraphs are packed together,
    and a paragraph longer than ``max_words`` is cut into windows that overlap by ``overlap``
    words so no sentence is lost at a boundary. HTML comments, code-fence lines, directive
    options and citation roles are dropped. ``page`` is stored with every chunk for citing.
    """
    if max_words < 1:
        raise ValueError(f"max_words must be at least 1, got {max_words}.")
    if not 0 <= overlap < max_words:
        raise ValueError(f"overlap must be in [0, max_words), got {overlap} with {max_words=}.")
    sections: list[tuple[str, list[str]]] = [("", [])]
    paragraph: list[str] = []

    def end_paragraph() -> None:
        if paragraph:
            # a removed citation leaves a space before the punctuation that followed it
            sections[-1][1].append(_SPACE_BEFORE_PUNCT.sub(r"\1", " ".join(paragraph)))
            paragraph.clear()

    for line in _clean(text).splitlines():
        match = _HEADING.match(line.strip())
        if match:
            end_paragraph()
            sections.append((match.group(2).strip(), []))
        elif line.strip():
            paragraph.append(line.strip())
        else:
            end_paragraph()
    end_paragraph()

    chunks: list[Chunk] = []
    for heading, paragraphs in sections:
        current: list[str] = []
        for para in paragraphs:
            words = para.split()
            if len(current) + len(words) <= max_words:
                current.extend(words)
                continue
            if current:
                chunks.append(Chunk(page, heading, " ".join(current)))
                current = []
            if len(words) <= max_words:
                current = list(words)
            else:
                windows = _word_windows(words, max_words, overlap)
                chunks.extend(Chunk(page, heading, " ".join(w)) for w in windows[:-1])
                current = list(windows[-1])
        if current:
            chunks.append(Chunk(page, heading, " ".join(current)))
    return chunks


def page_name(path: str | Path, root: str | Path = ".") -> str:
    """A page's name for citing: its path relative to ``root`` without the suffix."""
    relative = Path(path).resolve().relative_to(Path(root).resolve())
    return relative.with_suffix("").as_posix()


def chunk_pages(
    paths: Iterable[str | Path], root: str | Path = ".", max_words: int = 120, overlap: int = 20
) -> list[Chunk]:
    """Every passage of every page in ``paths`` (markdown files), in the order given."""
    chunks: list[Chunk] = []
    for path in paths:
        path = Path(root) / path if not Path(path).is_absolute() else Path(path)
        if not path.is_file():
            raise FileNotFoundError(f"No page at {path}: check the list of pages to index.")
        text = path.read_text(encoding="utf-8")
        chunks.extend(split_markdown(text, page_name(path, root), max_words, overlap))
    return chunks


def fingerprints(paths: Iterable[str | Path], root: str | Path) -> dict[str, str]:
    """The SHA-256 of each page file, keyed by its path as given: stored in an index to detect
    later edits (see :meth:`Index.stale_pages`)."""
    out = {}
    for path in paths:
        full = Path(root) / path
        out[Path(path).as_posix()] = hashlib.sha256(full.read_bytes()).hexdigest()
    return out


@dataclass
class Index:
    """Passages and their unit-length embeddings (one row per chunk, float32)."""

    chunks: list[Chunk]
    vectors: np.ndarray
    encoder_name: str = ""
    sources: dict[str, str] = field(default_factory=dict)  # page file -> SHA-256 when indexed

    def __post_init__(self) -> None:
        self.vectors = np.asarray(self.vectors, dtype=np.float32)
        if self.vectors.ndim != 2 or len(self.vectors) != len(self.chunks):
            raise ValueError(
                f"An index needs one embedding row per chunk: {len(self.chunks)} chunks, "
                f"vectors of shape {self.vectors.shape}."
            )

    def __len__(self) -> int:
        return len(self.chunks)

    @property
    def pages(self) -> list[str]:
        """The pages in the index, in order of first appearance."""
        return list(dict.fromkeys(chunk.page for chunk in self.chunks))

    def save(self, folder: str | Path) -> Path:
        """Write ``chunks.json`` and ``vectors.npy`` into ``folder`` (created if needed)."""
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        meta = {
            "format": INDEX_FORMAT,
            "encoder": self.encoder_name,
            "sources": self.sources,
            "chunks": [asdict(chunk) for chunk in self.chunks],
        }
        (folder / "chunks.json").write_text(json.dumps(meta, indent=1), encoding="utf-8")
        np.save(folder / "vectors.npy", self.vectors, allow_pickle=False)
        return folder

    @classmethod
    def load(cls, folder: str | Path) -> Index:
        """Read an index that :meth:`save` wrote; a missing or foreign folder fails clearly."""
        folder = Path(folder)
        meta_file, vector_file = folder / "chunks.json", folder / "vectors.npy"
        if not meta_file.is_file() or not vector_file.is_file():
            raise FileNotFoundError(
                f"No saved index in {folder}: build one with build_index(...).save(folder) "
                "or reindex(pages, encoder, folder)."
            )
        meta = json.loads(meta_file.read_text(encoding="utf-8"))
        if meta.get("format") != INDEX_FORMAT:
            raise ValueError(f"{meta_file} has index format {meta.get('format')!r}, not 1.")
        chunks = [Chunk(**c) for c in meta["chunks"]]
        vectors = np.load(vector_file, allow_pickle=False)
        return cls(chunks, vectors, meta.get("encoder", ""), meta.get("sources", {}))

    def stale_pages(self, root: str | Path = ".") -> list[str]:
        """Indexed page files that changed on disk (or vanished) since the index was built."""
        stale = []
        for name, digest in self.sources.items():
            path = Path(root) / name
            if not path.is_file() or hashlib.sha256(path.read_bytes()).hexdigest() != digest:
                stale.append(name)
        return stale


def _embedding_size(encoder: Encoder) -> int:
    getter = getattr(encoder, "get_sentence_embedding_dimension", None)
    size = getter() if callable(getter) else None
    return int(size) if size else 0


def embed(encoder: Encoder, texts: Sequence[str], batch_size: int = 32) -> np.ndarray:
    """Unit-length float32 embeddings of ``texts`` (rows), shape ``(len(texts), dim)``."""
    if not texts:
        return np.zeros((0, _embedding_size(encoder)), dtype=np.float32)
    vectors = encoder.encode(
        list(texts), batch_size=batch_size, normalize_embeddings=True, convert_to_numpy=True
    )
    return np.asarray(vectors, dtype=np.float32)


def build_index(chunks: Sequence[Chunk], encoder: Encoder, encoder_name: str = "") -> Index:
    """Embed every chunk. An empty list gives an empty index (searching it finds nothing)."""
    texts = [f"{c.heading}: {c.text}" if c.heading else c.text for c in chunks]
    return Index(list(chunks), embed(encoder, texts), encoder_name)


def truncate_query(query: str, encoder: Encoder) -> tuple[str, bool]:
    """``query`` cut to the encoder's token limit, and whether it was cut.

    A sentence-transformers encoder silently ignores tokens past ``max_seq_length``; this makes
    the cut visible. Encoders without a tokenizer (test doubles) get the query unchanged.
    """
    tokenizer = getattr(encoder, "tokenizer", None)
    limit = getattr(encoder, "max_seq_length", None)
    if tokenizer is None or not limit:
        return query, False
    ids = tokenizer(query, add_special_tokens=False)["input_ids"]
    room = limit - 2  # [CLS] and [SEP]
    if len(ids) <= room:
        return query, False
    return tokenizer.decode(ids[:room]), True


def search(index: Index, query: str, encoder: Encoder, k: int = 3) -> list[Hit]:
    """The ``k`` passages most similar to ``query`` (cosine similarity), best first.

    ``k`` larger than the index returns every passage; an empty index returns ``[]``.
    """
    if k < 1:
        raise ValueError(f"k must be at least 1 (how many passages to return), got {k}.")
    if not query or not query.strip():
        raise ValueError("The query is empty: ask a question in words.")
    if len(index) == 0:
        return []
    query, _ = truncate_query(query, encoder)
    vector = embed(encoder, [query])[0]
    if vector.shape[0] != index.vectors.shape[1]:
        raise ValueError(
            f"The query embedding has {vector.shape[0]} numbers but the index holds "
            f"{index.vectors.shape[1]}: the index was built with another encoder "
            f"({index.encoder_name or 'unknown'}). Rebuild it with reindex(...)."
        )
    scores = index.vectors @ vector
    order = np.argsort(-scores, kind="stable")[: min(k, len(index))]
    return [Hit(rank + 1, float(scores[i]), index.chunks[i]) for rank, i in enumerate(order)]


def reindex(
    pages: Sequence[str | Path],
    encoder: Encoder,
    folder: str | Path,
    root: str | Path = ".",
    encoder_name: str = "",
    max_words: int = 120,
    overlap: int = 20,
) -> Index:
    """Chunk ``pages`` (relative to ``root``), embed them, save to ``folder``: one call."""
    chunks = chunk_pages(pages, root, max_words, overlap)
    index = build_index(chunks, encoder, encoder_name)
    index.sources = fingerprints(pages, root)
    index.save(folder)
    return index


@dataclass(frozen=True)
class Answer:
    """A generated answer, the pages it was given, and the passages retrieved for it."""

    text: str
    sources: list[str]
    hits: list[Hit]

    def __str__(self) -> str:
        cited = ", ".join(self.sources) if self.sources else "no page (answered without context)"
        return f"{self.text}\n[source: {cited}]"


SYSTEM_PROMPT = (
    "You answer questions about a course on open source AI. Use only the context given. "
    "Answer in one or two sentences."
)


def build_prompt(question: str, hits: Sequence[Hit]) -> str:
    """The user message: numbered context passages with their pages, then the question."""
    context = "\n\n".join(f"[{h.rank}] (page {h.chunk.page}) {h.chunk.text}" for h in hits)
    return f"Context:\n{context}\n\nQuestion: {question}"


def answer(
    question: str,
    index: Index | None,
    tokenizer: Any,
    model: Any,
    *,
    encoder: Encoder | None = None,
    k: int = 2,
    max_new_tokens: int = 60,
    system: str = SYSTEM_PROMPT,
    prompt_builder: Callable[[str, Sequence[Hit]], str] = build_prompt,
) -> Answer:
    """Answer ``question`` with a chat model, from the top-``k`` passages of ``index``.

    Everything after ``model`` is a keyword. With ``index=None`` (or an empty index) the model
    answers from its weights alone, which is
    the baseline chapter 4 compares against. Decoding is greedy, so answers are repeatable.
    The pages of the retrieved passages are returned as the answer's sources; the model runs on
    whatever device it is on (``model.to(device)`` before calling for a GPU). ``system`` and
    ``prompt_builder`` (question and hits -> the user message) let you change the prompt without
    touching the rest of the app.
    """
    from .generation import chat

    hits: list[Hit] = []
    if index is not None and len(index):
        if encoder is None:
            raise ValueError("Retrieval needs the encoder the index was built with.")
        hits = search(index, question, encoder, k)
    if not hits:
        text = chat(tokenizer, model, question, max_new_tokens=max_new_tokens)
        return Answer(text, [], [])
    prompt = prompt_builder(question, hits)
    text = chat(tokenizer, model, prompt, max_new_tokens=max_new_tokens, system=system)
    return Answer(text, list(dict.fromkeys(h.chunk.page for h in hits)), hits)


def hit_rates(ranked_pages: Sequence[Sequence[str]], expected: Sequence[str]) -> dict[str, float]:
    """hit@1 and hit@3: the share of questions whose expected page is in the top 1 / top 3."""
    if len(ranked_pages) != len(expected):
        raise ValueError(f"{len(ranked_pages)} rankings but {len(expected)} expected pages.")
    if not expected:
        raise ValueError("No questions to evaluate.")
    n = len(expected)
    return {
        f"hit@{k}": sum(
            page in ranked[:k] for ranked, page in zip(ranked_pages, expected, strict=True)
        )
        / n
        for k in (1, 3)
    }
