"""A Hugging Face Hub on 127.0.0.1, serving tiny stand-ins under the ids the online cells name.

huggingface_hub (``HF_ENDPOINT=http://127.0.0.1:PORT``) asks it for:

- ``HEAD``/``GET /{repo_id}/resolve/{revision}/{file}``: a file, with the ``ETag`` and
  ``X-Repo-Commit`` headers ``hf_hub_download`` keys its cache on; a missing file is a 404 with
  ``X-Error-Code: EntryNotFound``, which transformers reads as "this optional file is absent";
- ``GET /api/models/{repo_id}[/revision/{revision}]``: the repository's file list (diffusers
  and ``snapshot_download`` read it);
- ``GET /api/models/{repo_id}/tree/{revision}[/{folder}]``: a folder's listing.

``/assets/{file}`` serves files for ``$OSAI_ULTRALYTICS_ASSETS``. Every request is recorded, so a
test can say what a library asked for that this server does not answer.
"""

from __future__ import annotations

import hashlib
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urlsplit

COMMIT = "0123456789abcdef0123456789abcdef01234567"


class LoopbackHub:
    """``with LoopbackHub(root) as hub:``: serves ``root/models/{org}/{name}/...`` and
    ``root/assets/...`` on 127.0.0.1 at ``hub.url`` until the block ends."""

    def __init__(self, root: Path):
        self.root = Path(root)
        self.requests: list[str] = []
        self.unanswered: list[str] = []

    def __enter__(self) -> LoopbackHub:
        hub = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # quiet
                pass

            def do_HEAD(self):
                hub._answer(self, body=False)

            def do_GET(self):
                hub._answer(self, body=True)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()

    # --- routes -----------------------------------------------------------------------------
    def _repo(self, repo_id: str) -> Path | None:
        folder = self.root / "models" / repo_id
        return folder if folder.is_dir() and ".." not in repo_id else None

    def _files(self, folder: Path, under: str = "") -> list[Path]:
        base = folder / under if under else folder
        return sorted(p for p in base.rglob("*") if p.is_file())

    def _answer(self, handler: BaseHTTPRequestHandler, body: bool) -> None:
        path = unquote(urlsplit(handler.path).path)
        self.requests.append(f"{handler.command} {path}")
        parts = [p for p in path.split("/") if p]
        if parts[:1] == ["assets"] and len(parts) == 2:
            return self._file(handler, self.root / "assets" / parts[1], body)
        if parts[:2] == ["api", "models"] and len(parts) >= 4:
            repo = self._repo("/".join(parts[2:4]))
            rest = parts[4:]
            if repo is not None and (not rest or (rest[0] == "revision" and len(rest) == 2)):
                siblings = [
                    {"rfilename": p.relative_to(repo).as_posix()} for p in self._files(repo)
                ]
                info = {"id": "/".join(parts[2:4]), "sha": COMMIT, "siblings": siblings}
                return self._json(handler, info, body)
            if repo is not None and rest[:1] == ["tree"] and len(rest) >= 2:
                under = "/".join(rest[2:])
                if under and not (repo / under).is_dir():
                    return self._missing(handler, "EntryNotFound")
                listing = [
                    {
                        "type": "file",
                        "path": p.relative_to(repo).as_posix(),
                        "size": p.stat().st_size,
                        "oid": _etag(p),
                    }
                    for p in self._files(repo, under)
                ]
                return self._json(handler, listing, body)
        if len(parts) >= 5 and parts[2] == "resolve":
            repo = self._repo("/".join(parts[:2]))
            if repo is not None:
                return self._file(handler, repo / "/".join(parts[4:]), body)
        self.unanswered.append(f"{handler.command} {path}")
        return self._missing(handler, "RepoNotFound")

    def _file(self, handler, path: Path, body: bool) -> None:
        if not path.is_file():
            return self._missing(handler, "EntryNotFound")
        data = path.read_bytes()
        handler.send_response(200)
        handler.send_header("Content-Type", "application/octet-stream")
        handler.send_header("Content-Length", str(len(data)))
        handler.send_header("ETag", f'"{_etag(path)}"')
        handler.send_header("X-Repo-Commit", COMMIT)
        handler.end_headers()
        if body:
            handler.wfile.write(data)

    def _json(self, handler, value, body: bool) -> None:
        data = json.dumps(value).encode()
        handler.send_response(200)
        handler.send_header("Content-Type", "application/json")
        handler.send_header("Content-Length", str(len(data)))
        handler.send_header("X-Repo-Commit", COMMIT)
        handler.end_headers()
        if body:
            handler.wfile.write(data)

    def _missing(self, handler, code: str) -> None:
        data = json.dumps({"error": code}).encode()
        handler.send_response(404)
        handler.send_header("Content-Type", "application/json")
        handler.send_header("Content-Length", str(len(data)))
        handler.send_header("X-Error-Code", code)
        handler.end_headers()
        if handler.command != "HEAD":
            handler.wfile.write(data)


def _etag(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# --- the stand-ins ----------------------------------------------------------------------------
def save_stand_ins(root: Path) -> dict[str, Path]:
    """Save a tiny model under each id the online cells download; return ``{id: folder}``.

    The language models get SmolLM2's tokenizer (from the packaged GGUF file: a real chat
    template and vocabulary) and random weights of their own architecture, a few layers wide.
    """
    import torch
    from diffusers import (
        AutoencoderKL,
        DDIMScheduler,
        StableDiffusionPipeline,
        UNet2DConditionModel,
    )
    from transformers import (
        AutoTokenizer,
        BloomConfig,
        BloomForCausalLM,
        CLIPTextConfig,
        CLIPTextModel,
        LlamaConfig,
        LlamaForCausalLM,
    )

    from osai.diffusion import tiny_clip_tokenizer
    from osai.models import packaged_model, weights_path

    root = Path(root)
    folders = {}
    entry = packaged_model("smollm2")
    path = weights_path("smollm2")
    tokenizer = AutoTokenizer.from_pretrained(path.parent, gguf_file=entry.weights)
    torch.manual_seed(0)
    special = dict(
        bos_token_id=tokenizer.bos_token_id,
        eos_token_id=tokenizer.eos_token_id,
        pad_token_id=tokenizer.pad_token_id,
    )
    language_models = {
        "HuggingFaceTB/SmolLM2-1.7B-Instruct": LlamaForCausalLM(
            LlamaConfig(
                vocab_size=len(tokenizer),
                hidden_size=16,
                intermediate_size=32,
                num_hidden_layers=2,
                num_attention_heads=2,
                num_key_value_heads=1,
                max_position_embeddings=2048,
                **special,
            )
        ),
        "bigscience/bloom-560m": BloomForCausalLM(
            BloomConfig(vocab_size=len(tokenizer), hidden_size=16, n_layer=2, n_head=2, **special)
        ),
    }
    for repo_id, model in language_models.items():
        folder = root / "models" / repo_id
        model.save_pretrained(folder)
        tokenizer.save_pretrained(folder)
        folders[repo_id] = folder

    clip = tiny_clip_tokenizer()
    text_encoder = CLIPTextModel(
        CLIPTextConfig(
            vocab_size=len(clip),
            hidden_size=32,
            intermediate_size=64,
            num_hidden_layers=2,
            num_attention_heads=4,
            max_position_embeddings=77,
            bos_token_id=clip.bos_token_id,
            eos_token_id=clip.eos_token_id,
            pad_token_id=clip.pad_token_id,
        )
    )
    unet = UNet2DConditionModel(
        sample_size=8,
        in_channels=4,
        out_channels=4,
        block_out_channels=(32, 64),
        layers_per_block=1,
        down_block_types=("CrossAttnDownBlock2D", "DownBlock2D"),
        up_block_types=("UpBlock2D", "CrossAttnUpBlock2D"),
        cross_attention_dim=32,
        attention_head_dim=4,
        norm_num_groups=8,
    )
    vae = AutoencoderKL(
        block_out_channels=(16, 32),
        down_block_types=("DownEncoderBlock2D",) * 2,
        up_block_types=("UpDecoderBlock2D",) * 2,
        latent_channels=4,
        norm_num_groups=8,
        layers_per_block=1,
        sample_size=16,
    )
    pipe = StableDiffusionPipeline(
        vae=vae,
        text_encoder=text_encoder,
        tokenizer=clip,
        unet=unet,
        scheduler=DDIMScheduler(),
        safety_checker=None,
        feature_extractor=None,
        requires_safety_checker=False,
    )
    folder = root / "models" / "stabilityai" / "sd-turbo"
    pipe.save_pretrained(folder)
    folders["stabilityai/sd-turbo"] = folder

    from ultralytics import YOLO

    (root / "assets").mkdir(parents=True, exist_ok=True)
    YOLO("yolov8n.yaml").save(root / "assets" / "yolov8n.pt")  # the architecture, random weights
    folders["yolov8n.pt"] = root / "assets"
    return folders
