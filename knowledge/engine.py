"""Opening the knowledge engine: load the persisted index, or (re)build and calibrate it when the
sources or the model changed. This is what the action server and the CLI call once at start-up."""
from __future__ import annotations

import logging
from pathlib import Path
from typing import Optional

from knowledge import index as index_store
from knowledge.calibrate import calibrate
from knowledge.dense import DEFAULT_MODEL, Encoder
from knowledge.schema import SOURCES_DIR
from knowledge.search import SearchEngine

logger = logging.getLogger(__name__)


def open_engine(directory: Path, model: Optional[str] = None, source_dir: Path = SOURCES_DIR,
                progress: bool = False, force: bool = False, threads: Optional[int] = None) -> SearchEngine:
    encoder = Encoder(model or DEFAULT_MODEL, threads=threads)
    if not force and index_store.is_current(directory, encoder.name, source_dir, encoder.precision):
        engine = SearchEngine(index_store.load(directory, source_dir), encoder)
        engine.domain  # trained now, not on the first question
        return engine
    logger.info("building the knowledge index in %s (sources or model changed)", directory)
    built = index_store.build(directory, encoder, source_dir=source_dir, progress=progress)
    engine = SearchEngine(built, encoder)
    built.manifest["calibration"] = calibrate(engine)
    index_store.write_manifest(directory, built.manifest)
    return engine
