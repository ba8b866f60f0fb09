"""Loading the plate models (fast-alpr: YOLOv9 detector + CCT OCR on ONNX Runtime) from files or the hub.

Appliances are offline, so the models normally come from `lpr.model_dir` (or env DOZOR_MODEL_DIR), built
into `fast_alpr.ALPR` without touching the hub, as ../shared/models/README.md describes. With
`model_dir = ""` fast-alpr's hub names are used (downloaded once, needs internet). Anything missing is one
`ModelMissing` naming the path and the fix. Imported only where models run (worker, `dozor lpr`).
"""

from __future__ import annotations

import logging
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from edge.config import MODEL_DIR_ENV, LprConfig

log = logging.getLogger(__name__)

DETECTOR_GLOB = "yolo-v9-t-*-license-plate-end2end.onnx"
OCR_MODEL = "cct_xs_v2_global.onnx"
OCR_CONFIG = "cct_xs_v2_global_plate_config.yaml"
HUB_DETECTOR = "yolo-v9-t-384-license-plate-end2end"
HUB_OCR = "cct-xs-v2-global-model"


class ModelMissing(Exception):
    """The plate models cannot be found or loaded. The daemon logs it once and keeps recording without
    plate reading; `dozor lpr` prints it and exits 1. The message names the path and the fix."""


@dataclass(frozen=True)
class ModelFiles:
    detector: Path
    ocr: Path
    ocr_config: Path


def find_models(model_dir: str) -> ModelFiles | None:
    """The model files in `model_dir`, None for the hub (`model_dir` ""), or ModelMissing."""
    if not model_dir:
        return None
    folder = Path(model_dir)
    fix = (
        f"copy the models there (see ../shared/models/README.md), or point lpr.model_dir / {MODEL_DIR_ENV} "
        "at the folder that has them"
    )
    if not folder.is_dir():
        raise ModelMissing(f"plate model folder {folder} does not exist; {fix}")
    detectors = sorted(folder.glob(DETECTOR_GLOB), key=_input_size)
    if not detectors:
        raise ModelMissing(f"no plate detector ({DETECTOR_GLOB}) in {folder}; {fix}")
    for name in (OCR_MODEL, OCR_CONFIG):
        if not (folder / name).is_file():
            raise ModelMissing(f"plate OCR file {folder / name} is missing; {fix}")
    # Several detector sizes: the largest input reads the smallest (farthest) plates.
    return ModelFiles(detector=detectors[-1], ocr=folder / OCR_MODEL, ocr_config=folder / OCR_CONFIG)


def _input_size(path: Path) -> int:
    match = re.search(r"yolo-v9-t-(\d+)-", path.name)
    return int(match.group(1)) if match else 0


def session_options(threads: int) -> Any:
    """ONNX Runtime options: `threads` intra-op threads (0 = one per CPU core), sequential execution,
    and threads that sleep instead of spinning while they wait for work. The worker shares the cores
    with the daemon's decoding: spinning threads burnt the CPU the others needed (a frame cost 131 ms of
    CPU with two spinning threads on a loaded 2-core machine, 54 ms without spinning, 50 ms with one
    thread; 93, 60 and 41 ms on an idle one)."""
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.intra_op_num_threads = threads or os.cpu_count() or 1
    options.inter_op_num_threads = 1
    options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    options.enable_mem_pattern = False  # 16 MB less for the worker, the same CPU a frame
    options.log_severity_level = 3  # ONNX Runtime's own warnings are noise in the daemon's log
    return options


def build_alpr(lpr: LprConfig) -> Any:
    """A ready `fast_alpr.ALPR` as configured; ModelMissing when the models cannot be had."""
    from fast_alpr import ALPR
    from fast_alpr.default_ocr import DefaultOCR

    files = find_models(lpr.effective_model_dir())
    providers = ["CPUExecutionProvider"]
    try:
        if files is None:
            return ALPR(
                detector_model=HUB_DETECTOR, detector_conf_thresh=lpr.detector_confidence,
                detector_providers=providers, detector_sess_options=session_options(lpr.threads_per_worker),
                ocr_model=HUB_OCR, ocr_providers=providers,
                ocr_sess_options=session_options(lpr.threads_per_worker),
            )
        detector = _FileDetector(files.detector, lpr.detector_confidence, lpr.threads_per_worker)
        ocr = DefaultOCR(
            hub_ocr_model=None, model_path=files.ocr, config_path=files.ocr_config, device="cpu",
            providers=providers, sess_options=session_options(lpr.threads_per_worker),
        )
        log.info("plate models loaded: %s, %s", files.detector.name, files.ocr.name)
        return ALPR(detector=detector, ocr=ocr)
    except ModelMissing:
        raise
    except Exception as exc:  # a corrupt file or a failed download: one clear message, not a traceback
        where = files.detector.parent if files else "fast-alpr's model hub"
        raise ModelMissing(
            f"cannot load the plate models from {where}: {exc}; check the files (sha256 in "
            f"../shared/models/README.md) or set lpr.model_dir / {MODEL_DIR_ENV} to a folder with them"
        ) from exc


class _FileDetector:
    """fast-alpr's detector interface over open-image-models' YOLOv9 loaded from a file (no hub)."""

    def __init__(self, path: Path, confidence: float, threads: int):
        from open_image_models.detection.core.yolo_v9.inference import YoloV9Detector

        self._detector = YoloV9Detector(
            path, class_labels=["License Plate"], conf_thresh=confidence,
            providers=["CPUExecutionProvider"], sess_options=session_options(threads),
        )

    def predict(self, frame: Any) -> list[Any]:
        return self._detector.predict(frame)
