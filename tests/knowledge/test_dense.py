"""knowledge/dense.py: the ONNX path gives the vectors torch gives, in the same order; int8 stays close."""
import faiss
import numpy as np
import pytest

from knowledge.dense import Encoder, build_faiss, search_faiss

TEXTS = ["làm căn cước ở đâu", "lam can cuoc o dau", "opening hours of the Imperial City",
         "x", "giờ mở cửa Đại Nội và giá vé cho người nước ngoài, trẻ em, người cao tuổi " * 8]


@pytest.fixture(scope="module")
def encoders():
    return Encoder(backend="torch", threads=1), Encoder(threads=1, quantize=False), Encoder(threads=1)


def test_the_default_backend_is_onnx_and_int8_for_the_packaged_model(encoders):
    torch_encoder, fp32, default = encoders
    assert torch_encoder.backend == "torch" and torch_encoder.precision == "fp32"
    assert fp32.backend == "onnx" and fp32.precision == "fp32"
    assert default.backend == "onnx" and default.precision == "int8"


def test_onnx_and_torch_give_the_same_normalised_vectors(encoders):
    torch_vectors, onnx_vectors = (encoder.encode(TEXTS, batch_size=2) for encoder in encoders[:2])
    assert onnx_vectors.shape == (len(TEXTS), 384) and onnx_vectors.dtype == np.float32
    assert np.allclose(np.linalg.norm(onnx_vectors, axis=1), 1.0, atol=1e-5)
    # Batches are sorted by length inside the ONNX path; each vector must come back to its text.
    assert (onnx_vectors * torch_vectors).sum(axis=1).min() > 0.9999


def test_int8_vectors_stay_close_to_fp32(encoders):
    fp32, int8 = (encoder.encode(TEXTS, batch_size=2) for encoder in encoders[1:])
    assert np.allclose(np.linalg.norm(int8, axis=1), 1.0, atol=1e-5)
    cosines = (fp32 * int8).sum(axis=1)
    # Per-channel weights keep ≈ 0.993 on the real passages (a lone "x" ≈ 0.98); per-tensor weights
    # (≈ 0.957 on average) would fail this.
    assert cosines.min() > 0.97 and cosines.mean() > 0.985
    assert not np.allclose(fp32, int8)  # really quantised


def test_no_texts_gives_an_empty_matrix(encoders):
    assert encoders[2].encode([]).shape == (0, 384)


def test_search_faiss_gives_index_search_results_and_restores_the_thread_count():
    vectors = np.random.default_rng(0).standard_normal((500, 384)).astype(np.float32)
    index = build_faiss(vectors)
    threads = faiss.omp_get_max_threads()
    sims, ids = search_faiss(index, vectors[:1], 5)
    assert ids[0, 0] == 0 and np.allclose(sims, index.search(vectors[:1], 5)[0])
    assert faiss.omp_get_max_threads() == threads
