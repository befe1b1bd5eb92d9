"""Text recognition with RapidOCR's PP-OCRv4 models on ONNX Runtime.

The three models (detection, 0/180° direction classifier, recognition) ship inside the
``rapidocr-onnxruntime`` wheel: nothing is downloaded at run time. We drive the ONNX sessions
ourselves rather than through ``RapidOCR.__call__`` because an ID card photo needs less work than
a generic page and more care about orientation:

1. decode the bytes in memory (Pillow; JPEG draft mode shrinks big photos while decoding) and
   downscale to ``max_side``;
2. detect text boxes once, on a ``det_side`` copy;
3. find the dominant text-line angle from the boxes' geometry (axial mean of the long sides), which
   fixes the rotation up to 180° and gives the skew; the direction classifier, run on a few of the
   longest lines, decides between θ and θ + 180°;
4. map every box into the upright frame and recognise each line from the full-resolution image
   with a perspective crop, one line at a time (no padding to a common width: that padding made
   batched recognition twice as slow on one core).

One :class:`_Engine` (three ONNX sessions) is loaded per process, lazily, and shared by threads:
``InferenceSession.run`` is thread-safe. :class:`OcrPool` runs recognitions concurrently in a
process pool (one engine per worker) or a thread pool over the shared engine.
"""

from __future__ import annotations

import math
import os
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import Executor, Future, ProcessPoolExecutor, ThreadPoolExecutor
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path
from typing import Any, Literal, cast

import cv2
import numpy as np
import numpy.typing as npt
import onnxruntime as ort
import rapidocr_onnxruntime
from PIL import Image, ImageOps, UnidentifiedImageError
from rapidocr_onnxruntime.ch_ppocr_det.utils import DBPostProcess
from rapidocr_onnxruntime.ch_ppocr_rec.utils import CTCLabelDecode

from sealpost.domain.ocr import OcrPage, Quad, TextBox
from sealpost.errors import SealpostError
from sealpost.i18n import Text

FloatArray = npt.NDArray[np.float32]
ImageArray = npt.NDArray[np.uint8]

MODEL_DIR = Path(rapidocr_onnxruntime.__file__).resolve().parent / "models"
DET_MODEL = "ch_PP-OCRv4_det_infer.onnx"
CLS_MODEL = "ch_ppocr_mobile_v2.0_cls_infer.onnx"
REC_MODEL = "ch_PP-OCRv4_rec_infer.onnx"

REC_HEIGHT = 48
CLS_SHAPE = (3, 48, 192)
MAX_PIXELS = 60_000_000  # refuse decompression bombs before decoding

UNREADABLE = Text(
    "无法读取图片（支持 JPEG、PNG、WebP）", "the image cannot be read (JPEG, PNG or WebP expected)"
)


@dataclass(frozen=True, slots=True)
class RapidOcrTuning:
    """Knobs measured with ``sealpost bench ocr`` (defaults: the tuned values)."""

    max_side: int = 1280
    """Long side of the working image the lines are cropped from."""
    det_side: int = 640
    """Long side of the detection input (detection cost grows with its area)."""
    det_thresh: float = 0.3
    box_thresh: float = 0.5
    unclip_ratio: float = 1.6
    min_score: float = 0.5
    """Lines recognised below this score are dropped."""
    probe_lines: int = 5
    """How many of the longest lines the 0/180° classifier looks at."""
    recheck_below: float = 0.75
    """Mean line score under which the lines are also read rotated by 180° (the better wins)."""
    intra_op_threads: int = 1
    """ONNX Runtime threads per inference; 1 = one core per request (use a pool for concurrency)."""


# --------------------------------------------------------------------------------------------
# Engine: the ONNX sessions, loaded once per process


class _Engine:
    def __init__(self, tuning: RapidOcrTuning) -> None:
        self.tuning = tuning
        self.det = self._session(DET_MODEL)
        self.cls = self._session(CLS_MODEL)
        self.rec = self._session(REC_MODEL)
        self.det_input = self.det.get_inputs()[0].name
        self.cls_input = self.cls.get_inputs()[0].name
        self.rec_input = self.rec.get_inputs()[0].name
        characters = self.rec.get_modelmeta().custom_metadata_map["character"].splitlines()
        self.decoder = CTCLabelDecode(character=characters)
        self.db_post = DBPostProcess(
            thresh=tuning.det_thresh,
            box_thresh=tuning.box_thresh,
            max_candidates=1000,
            unclip_ratio=tuning.unclip_ratio,
            score_mode="fast",
            use_dilation=True,
        )

    def _session(self, name: str) -> ort.InferenceSession:
        options = ort.SessionOptions()
        options.log_severity_level = 3
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
        options.intra_op_num_threads = self.tuning.intra_op_threads
        options.inter_op_num_threads = 1
        # Do not busy-wait between ops: the cores are shared with the rest of the server.
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        return ort.InferenceSession(str(MODEL_DIR / name), options, providers=["CPUExecutionProvider"])

    # detection ---------------------------------------------------------------------------

    def detect(self, img: ImageArray) -> list[FloatArray]:
        """Text quads (4×2, float32) in ``img`` pixel coordinates."""
        h, w = img.shape[:2]
        scale = min(1.0, self.tuning.det_side / max(h, w))
        dh = max(32, round(h * scale / 32) * 32)
        dw = max(32, round(w * scale / 32) * 32)
        small = cv2.resize(img, (dw, dh), interpolation=cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR)
        x = (small.astype(np.float32) * (2.0 / 255.0) - 1.0).transpose(2, 0, 1)[np.newaxis]
        pred = self.det.run(None, {self.det_input: np.ascontiguousarray(x)})[0]
        boxes, _scores = self.db_post(pred, (h, w))
        out: list[FloatArray] = []
        for quad in boxes:
            q = np.asarray(quad, dtype=np.float32).reshape(4, 2)
            q[:, 0] = np.clip(q[:, 0], 0, w - 1)
            q[:, 1] = np.clip(q[:, 1], 0, h - 1)
            if min(_side_lengths(q)) > 3:
                out.append(q)
        return out

    # direction classifier ------------------------------------------------------------------

    def upside_down_votes(self, crops: Sequence[ImageArray]) -> float:
        """Sum of (p180 - p0) over ``crops``: > 0 means the lines read upside down."""
        if not crops:
            return 0.0
        c, hh, ww = CLS_SHAPE
        batch = np.zeros((len(crops), c, hh, ww), dtype=np.float32)
        for i, crop in enumerate(crops):
            h, w = crop.shape[:2]
            rw = min(ww, max(1, math.ceil(hh * w / h)))
            resized = cv2.resize(crop, (rw, hh)).astype(np.float32) * (2.0 / 255.0) - 1.0
            batch[i, :, :, :rw] = resized.transpose(2, 0, 1)
        probs = self.cls.run(None, {self.cls_input: batch})[0]
        return float(np.sum(probs[:, 1] - probs[:, 0]))

    # recognition ---------------------------------------------------------------------------

    def read_line(self, crop: ImageArray) -> tuple[str, float]:
        h, w = crop.shape[:2]
        rw = max(REC_HEIGHT // 2, math.ceil(REC_HEIGHT * w / max(h, 1)))
        resized = cv2.resize(crop, (rw, REC_HEIGHT), interpolation=cv2.INTER_LINEAR)
        x = (resized.astype(np.float32) * (2.0 / 255.0) - 1.0).transpose(2, 0, 1)[np.newaxis]
        preds = self.rec.run(None, {self.rec_input: np.ascontiguousarray(x)})[0]
        text, score = self.decoder(preds)[0][:2]
        return str(text), float(score)


_engine: _Engine | None = None
_engine_tuning: RapidOcrTuning | None = None
_engine_lock = threading.Lock()


def get_engine(tuning: RapidOcrTuning | None = None) -> _Engine:
    """The process-wide engine, loaded on first use (a new tuning reloads it)."""
    global _engine, _engine_tuning
    wanted = tuning or RapidOcrTuning()
    with _engine_lock:
        if _engine is None or _engine_tuning != wanted:
            _engine = _Engine(wanted)
            _engine_tuning = wanted
        return _engine


# --------------------------------------------------------------------------------------------
# Geometry


def _side_lengths(q: FloatArray) -> list[float]:
    return [float(np.linalg.norm(q[(i + 1) % 4] - q[i])) for i in range(4)]


def _line_direction(q: FloatArray) -> tuple[float, float, float]:
    """(angle in degrees of the long side, long side, short side) of a detected quad."""
    (_cx, _cy), (rw, rh), _angle = cv2.minAreaRect(q)
    sides = _side_lengths(q)
    i = int(np.argmax(sides))
    dx, dy = q[(i + 1) % 4] - q[i]
    return math.degrees(math.atan2(float(dy), float(dx))), max(rw, rh), min(rw, rh)


def dominant_line_angle(quads: Sequence[FloatArray]) -> float | None:
    """Axial mean direction (degrees, in (-90, 90]) of the text lines, weighted by length.

    Only elongated boxes vote (a single character says nothing about direction). ``None`` when
    no box is elongated enough.
    """
    sx = sy = 0.0
    for q in quads:
        angle, long_side, short_side = _line_direction(q)
        if short_side <= 0 or long_side / short_side < 1.8:
            continue
        doubled = math.radians(2 * angle)
        sx += long_side * math.cos(doubled)
        sy += long_side * math.sin(doubled)
    if sx == 0 and sy == 0:
        return None
    angle = math.degrees(math.atan2(sy, sx)) / 2.0
    return angle if angle > -90 else angle + 180


def _rotation_matrix(angle_deg: float, w: int, h: int) -> tuple[FloatArray, int, int]:
    """Affine matrix rotating the image by ``angle_deg`` counter-clockwise on an expanded canvas."""
    m = cv2.getRotationMatrix2D((w / 2.0, h / 2.0), angle_deg, 1.0)
    cos, sin = abs(m[0, 0]), abs(m[0, 1])
    nw, nh = int(h * sin + w * cos + 0.5), int(h * cos + w * sin + 0.5)
    m[0, 2] += nw / 2.0 - w / 2.0
    m[1, 2] += nh / 2.0 - h / 2.0
    return m.astype(np.float32), nw, nh


def _order_upright(upright: FloatArray) -> list[int]:
    """Indices of (top-left, top-right, bottom-right, bottom-left) of an upright quad."""
    by_x = np.argsort(upright[:, 0], kind="stable")
    left = sorted(by_x[:2].tolist(), key=lambda i: float(upright[i, 1]))
    right = sorted(by_x[2:].tolist(), key=lambda i: float(upright[i, 1]))
    return [left[0], right[0], right[1], left[1]]


def _crop(img: ImageArray, pts: FloatArray) -> ImageArray:
    """Perspective crop of the quad ``pts`` (tl, tr, br, bl in reading order) from ``img``."""
    width = int(max(np.linalg.norm(pts[0] - pts[1]), np.linalg.norm(pts[3] - pts[2])))
    height = int(max(np.linalg.norm(pts[0] - pts[3]), np.linalg.norm(pts[1] - pts[2])))
    width, height = max(width, 2), max(height, 2)
    target = np.array([[0, 0], [width, 0], [width, height], [0, height]], dtype=np.float32)
    m = cv2.getPerspectiveTransform(pts.astype(np.float32), target)
    out = cv2.warpPerspective(img, m, (width, height), borderMode=cv2.BORDER_REPLICATE, flags=cv2.INTER_CUBIC)
    return cast(ImageArray, out)


# --------------------------------------------------------------------------------------------
# Decoding


def decode_image(data: bytes, max_side: int) -> ImageArray:
    """Decode encoded image bytes in memory into a BGR array whose long side is ≤ ``max_side``.

    EXIF orientation is applied. Nothing touches the disk.
    """
    try:
        image: Image.Image = Image.open(BytesIO(data))
        if image.width * image.height > MAX_PIXELS:
            raise SealpostError(
                "image_too_large", Text("图片像素过多", "the image has too many pixels"), status=413
            )
        if image.format == "JPEG":
            image.draft("RGB", (max_side, max_side))
        image.load()
        image = ImageOps.exif_transpose(image)
        if image.mode != "RGB":
            image = image.convert("RGB")
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError) as exc:
        raise SealpostError("image_unreadable", UNREADABLE, status=422) from exc
    rgb = np.asarray(image, dtype=np.uint8)
    h, w = rgb.shape[:2]
    if max(h, w) > max_side:
        scale = max_side / max(h, w)
        rgb = cast(
            ImageArray, cv2.resize(rgb, (round(w * scale), round(h * scale)), interpolation=cv2.INTER_AREA)
        )
    bgr = cast(ImageArray, cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR))
    return bgr


# --------------------------------------------------------------------------------------------
# The recognizer


class RapidTextRecognizer:
    """:class:`sealpost.ports.ocr.TextRecognizer` on RapidOCR's models (one engine per process)."""

    def __init__(self, tuning: RapidOcrTuning | None = None) -> None:
        self.tuning = tuning or RapidOcrTuning()

    def warm_up(self) -> None:
        """Load the models now rather than on the first request."""
        get_engine(self.tuning)

    def recognize(self, image: bytes) -> OcrPage:
        engine = get_engine(self.tuning)
        img = decode_image(image, self.tuning.max_side)
        return recognize_array(engine, img)


def recognize_array(engine: _Engine, img: ImageArray) -> OcrPage:
    h, w = img.shape[:2]
    quads = engine.detect(img)
    if not quads:
        return OcrPage(boxes=(), width=w, height=h)

    # Rotating the image counter-clockwise by the lines' angle makes them horizontal, either
    # upright or upside down; the direction classifier, on the longest lines, decides which.
    upright_angle = dominant_line_angle(quads) or 0.0
    m, _nw, _nh = _rotation_matrix(upright_angle, w, h)
    probes = sorted(range(len(quads)), key=lambda i: -_line_direction(quads[i])[1])[
        : engine.tuning.probe_lines
    ]
    crops = []
    for i in probes:
        moved = cv2.transform(quads[i][np.newaxis], m)[0]
        crops.append(_crop(img, quads[i][_order_upright(moved)]))
    if engine.upside_down_votes(crops) > 0:
        upright_angle += 180.0

    page, confidence = _read_lines(engine, img, quads, upright_angle)
    if confidence < engine.tuning.recheck_below:
        # Low confidence everywhere is what upside-down text looks like: read it the other way
        # round too and keep the better reading (costs a second pass only on such photos).
        flipped, flipped_confidence = _read_lines(engine, img, quads, upright_angle + 180.0)
        if flipped_confidence > confidence:
            page = flipped
    return page


def _read_lines(
    engine: _Engine, img: ImageArray, quads: Sequence[FloatArray], upright_angle: float
) -> tuple[OcrPage, float]:
    """Recognise every line as seen rotated by ``upright_angle``; (page, mean line score)."""
    h, w = img.shape[:2]
    m, nw, nh = _rotation_matrix(upright_angle, w, h)
    inverse = cv2.invertAffineTransform(m)
    boxes: list[TextBox] = []
    scores: list[float] = []
    for q in quads:
        upright = cv2.transform(q[np.newaxis], m)[0]
        order = _order_upright(upright)
        pts = upright[order]
        _angle, long_side, short_side = _line_direction(q)
        if long_side < 1.6 * short_side:
            # A near-square box (one or two characters): its own angle is arbitrary (a square's
            # minimal rectangle may sit at 45°), so crop the upright bounding rectangle instead.
            x0, y0 = pts.min(axis=0)
            x1, y1 = pts.max(axis=0)
            pts = np.array([[x0, y0], [x1, y0], [x1, y1], [x0, y1]], dtype=np.float32)
            source = cv2.transform(pts[np.newaxis], inverse)[0]
        else:
            source = q[order]
        text, score = engine.read_line(_crop(img, source))
        text = text.strip()
        scores.append(score if text else 0.0)
        if not text or score < engine.tuning.min_score:
            continue
        quad: Quad = tuple((float(x), float(y)) for x, y in pts)  # type: ignore[assignment]
        boxes.append(TextBox(text=text, confidence=score, quad=quad))

    boxes.sort(key=lambda b: (round(b.center_y), b.left))
    # Clockwise rotation in 90° steps plus the remaining skew, for the record.
    ccw = upright_angle % 360.0
    steps = round(ccw / 90.0) % 4
    rotation = (360 - steps * 90) % 360
    skew = ccw - steps * 90.0
    if skew > 180:
        skew -= 360
    page = OcrPage(boxes=tuple(boxes), width=nw, height=nh, rotation=rotation, skew=round(skew, 2))
    return page, (sum(scores) / len(scores) if scores else 0.0)


# --------------------------------------------------------------------------------------------
# Pool


def _worker_init(tuning: RapidOcrTuning) -> None:  # pragma: no cover - runs in the worker
    get_engine(tuning)


def _worker_recognize(image: bytes, tuning: RapidOcrTuning) -> OcrPage:  # pragma: no cover
    return RapidTextRecognizer(tuning).recognize(image)


PoolKind = Literal["process", "thread"]


class OcrPool:
    """Concurrent recognitions on a CPU pool; itself a ``TextRecognizer``.

    ``kind="process"`` starts ``workers`` processes, each loading one engine once (robust to the
    GIL, ~150 MB each; workers are *spawned*, so a script using it needs the usual
    ``if __name__ == "__main__":`` guard); ``kind="thread"`` shares the process's engine between
    threads (ONNX Runtime releases the GIL while it computes; less memory, same throughput on the
    2-vCPU machine). Use as a context manager or call :meth:`close`.
    """

    def __init__(
        self, workers: int | None = None, *, kind: PoolKind = "process", tuning: RapidOcrTuning | None = None
    ) -> None:
        self.tuning = tuning or RapidOcrTuning()
        self.workers = workers or max(1, os.cpu_count() or 1)
        self.kind = kind
        self._executor: Executor
        if kind == "process":
            import multiprocessing

            self._executor = ProcessPoolExecutor(
                max_workers=self.workers,
                mp_context=multiprocessing.get_context("spawn"),
                initializer=_worker_init,
                initargs=(self.tuning,),
            )
        else:
            get_engine(self.tuning)
            self._executor = ThreadPoolExecutor(max_workers=self.workers, thread_name_prefix="ocr")

    def submit(self, image: bytes) -> Future[OcrPage]:
        return self._executor.submit(_worker_recognize, image, self.tuning)

    def recognize(self, image: bytes) -> OcrPage:
        return self.submit(image).result()

    def map(self, images: Sequence[bytes], callback: Callable[[OcrPage], Any] | None = None) -> list[OcrPage]:
        futures = [self.submit(img) for img in images]
        out = []
        for f in futures:
            page = f.result()
            if callback is not None:
                callback(page)
            out.append(page)
        return out

    def close(self) -> None:
        self._executor.shutdown(wait=True, cancel_futures=True)

    def __enter__(self) -> OcrPool:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()
