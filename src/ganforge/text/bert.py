"""A BERT encoder forward pass on a plain state dict (the layout of Hugging Face `BertModel`).

Enough for sentence encoders such as all-MiniLM-L6-v2: token, position and type embeddings,
post-LayerNorm transformer layers with GELU (erf), and the token states out. Weights are read
from safetensors, never unpickled.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import Tensor, nn


@dataclass(frozen=True)
class BertShape:
    vocab_size: int
    hidden_size: int
    num_hidden_layers: int
    num_attention_heads: int
    intermediate_size: int
    max_position_embeddings: int
    type_vocab_size: int
    layer_norm_eps: float = 1e-12

    @classmethod
    def from_config(cls, config: dict) -> BertShape:
        if config.get("hidden_act", "gelu") != "gelu":
            raise ValueError(f"hidden_act {config.get('hidden_act')!r}: only gelu is supported")
        return cls(**{key: config[key] for key in cls.__dataclass_fields__ if key in config})


class BertLayer(nn.Module):
    def __init__(self, shape: BertShape):
        super().__init__()
        hidden, eps = shape.hidden_size, shape.layer_norm_eps
        self.heads = shape.num_attention_heads
        self.query, self.key, self.value = (nn.Linear(hidden, hidden) for _ in range(3))
        self.attention_out = nn.Linear(hidden, hidden)
        self.attention_norm = nn.LayerNorm(hidden, eps=eps)
        self.intermediate = nn.Linear(hidden, shape.intermediate_size)
        self.output = nn.Linear(shape.intermediate_size, hidden)
        self.output_norm = nn.LayerNorm(hidden, eps=eps)

    def forward(self, x: Tensor, additive_mask: Tensor) -> Tensor:
        batch, length, hidden = x.shape
        split = lambda t: t.view(batch, length, self.heads, hidden // self.heads).transpose(1, 2)  # noqa: E731
        q, k, v = split(self.query(x)), split(self.key(x)), split(self.value(x))
        scores = q @ k.transpose(-1, -2) / math.sqrt(hidden // self.heads) + additive_mask
        context = (scores.softmax(-1) @ v).transpose(1, 2).reshape(batch, length, hidden)
        x = self.attention_norm(x + self.attention_out(context))
        return self.output_norm(x + self.output(F.gelu(self.intermediate(x))))


class BertEncoder(nn.Module):
    """forward(input_ids [B,L], attention_mask [B,L]) -> token states [B,L,hidden]."""

    def __init__(self, shape: BertShape):
        super().__init__()
        self.shape = shape
        self.word_embeddings = nn.Embedding(shape.vocab_size, shape.hidden_size)
        self.position_embeddings = nn.Embedding(shape.max_position_embeddings, shape.hidden_size)
        self.token_type_embeddings = nn.Embedding(shape.type_vocab_size, shape.hidden_size)
        self.embedding_norm = nn.LayerNorm(shape.hidden_size, eps=shape.layer_norm_eps)
        self.layers = nn.ModuleList(BertLayer(shape) for _ in range(shape.num_hidden_layers))

    def forward(self, input_ids: Tensor, attention_mask: Tensor) -> Tensor:
        positions = torch.arange(input_ids.shape[1], device=input_ids.device)
        x = self.word_embeddings(input_ids) + self.position_embeddings(positions)[None]
        x = self.embedding_norm(x + self.token_type_embeddings.weight[0])
        additive_mask = (1.0 - attention_mask[:, None, None, :].to(x.dtype)) * torch.finfo(x.dtype).min
        for layer in self.layers:
            x = layer(x, additive_mask)
        return x

    def load_hf_state_dict(self, state: dict[str, Tensor]) -> None:
        """Load Hugging Face `BertModel` names (with or without the `bert.` prefix); strict."""
        state = {key.removeprefix("bert."): value for key, value in state.items()}
        renamed = {
            "word_embeddings.weight": state["embeddings.word_embeddings.weight"],
            "position_embeddings.weight": state["embeddings.position_embeddings.weight"],
            "token_type_embeddings.weight": state["embeddings.token_type_embeddings.weight"],
            "embedding_norm.weight": state["embeddings.LayerNorm.weight"],
            "embedding_norm.bias": state["embeddings.LayerNorm.bias"],
        }
        names = {
            "query": "attention.self.query", "key": "attention.self.key", "value": "attention.self.value",
            "attention_out": "attention.output.dense", "attention_norm": "attention.output.LayerNorm",
            "intermediate": "intermediate.dense", "output": "output.dense", "output_norm": "output.LayerNorm",
        }
        for i in range(self.shape.num_hidden_layers):
            for ours, theirs in names.items():
                for param in ("weight", "bias"):
                    renamed[f"layers.{i}.{ours}.{param}"] = state[f"encoder.layer.{i}.{theirs}.{param}"]
        self.load_state_dict(renamed, strict=True)


def mean_pool(states: Tensor, attention_mask: Tensor) -> Tensor:
    """Mean of the token states over real tokens (sentence-transformers' mean pooling)."""
    mask = attention_mask[..., None].to(states.dtype)
    return (states * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
