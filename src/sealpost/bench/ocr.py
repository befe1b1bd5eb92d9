"""Benchmark: reading generated ID card photos.

* latency per front photo on one core (ONNX Runtime with one intra-op thread, one request at a
  time): median and p95 wall-clock, and the process CPU time (robust on a shared machine);
* throughput of the CPU pool (one engine per worker process) on the same photos;
* field accuracy: fields read exactly as generated (front: 6 fields; back: 3), and the share of
  cards the cross-check accepts;
* baseline in the same run: RapidOCR's stock pipeline (``RapidOCR()(image)``) on a few photos.

Nothing is written to disk: cards are generated and read in memory.
"""

from __future__ import annotations

import os
import statistics
import time
from datetime import date

from rich.progress import Progress

from sealpost.bench.report import percentile, report
from sealpost.dev.idcards import GeneratedCard, generate_cards

TODAY = date(2026, 11, 28)  # fixed, so a seed gives the same cards (valid on this day) every run
FRONT = ("name", "sex", "ethnicity", "birth_date", "address", "number")
BACK = ("authority", "valid_from", "valid_to")


def run(images: int, seed: int = 1, workers: int = 0) -> None:
    from sealpost.adapters.ocr.rapid import OcrPool, RapidTextRecognizer
    from sealpost.services.read_id_card import interpret_pages

    with Progress(transient=True) as progress:
        task = progress.add_task("generating cards", total=images)
        cards: list[GeneratedCard] = []
        for card in generate_cards(images, seed=seed, back=True, today=TODAY):
            cards.append(card)
            progress.advance(task)

    recognizer = RapidTextRecognizer()
    started = time.perf_counter()
    recognizer.warm_up()
    load_ms = (time.perf_counter() - started) * 1000
    recognizer.recognize(cards[0].front)  # first-inference allocations

    wall: list[float] = []
    cpu: list[float] = []
    right_front = right_back = valid = 0
    with Progress(transient=True) as progress:
        task = progress.add_task("reading cards (one core)", total=images)
        for card in cards:
            # Latency per front photo: decode, OCR, fields and cross-check of the front.
            t_wall, t_cpu = time.perf_counter(), time.process_time()
            front_page = recognizer.recognize(card.front)
            interpret_pages(front_page, today=TODAY)
            cpu.append(time.process_time() - t_cpu)
            wall.append(time.perf_counter() - t_wall)
            assert card.back is not None
            reading = interpret_pages(front_page, recognizer.recognize(card.back), today=TODAY)
            truth = card.person.truth()
            right_front += sum(reading.value(k) == truth[k] for k in FRONT)
            right_back += sum(reading.value(k) == truth[k] for k in BACK)
            valid += reading.valid
            progress.advance(task)

    # Throughput of the pool on the same fronts.
    pool_size = workers or max(1, os.cpu_count() or 1)
    with OcrPool(pool_size, kind="process") as pool:
        pool.map([c.front for c in cards[: pool_size * 2]])  # start and warm every worker
        t0 = time.perf_counter()
        pool.map([c.front for c in cards])
        pool_s = time.perf_counter() - t0

    # Baseline: RapidOCR's own pipeline with its default configuration, on a few photos.
    from rapidocr_onnxruntime import RapidOCR

    stock = RapidOCR(intra_op_num_threads=1, inter_op_num_threads=1)
    stock(cards[0].front)
    base: list[float] = []
    for card in cards[: min(8, images)]:
        t0 = time.perf_counter()
        stock(card.front)
        base.append(time.perf_counter() - t0)

    wall.sort()
    cpu.sort()
    median_ms = statistics.median(wall) * 1000
    base_ms = statistics.median(base) * 1000
    total_fields = images * (len(FRONT) + len(BACK))
    figures = {
        "images": images,
        "engine_load_ms": round(load_ms, 1),
        "median_ms": round(median_ms, 1),
        "p95_ms": round(percentile(wall, 95) * 1000, 1),
        "median_cpu_ms": round(statistics.median(cpu) * 1000, 1),
        "p95_cpu_ms": round(percentile(cpu, 95) * 1000, 1),
        "images_per_s_one_core": round(images / sum(wall), 2),
        "workers": pool_size,
        "images_per_s": round(images / pool_s, 2),
        "field_accuracy": round((right_front + right_back) / total_fields, 4),
        "front_field_accuracy": round(right_front / (images * len(FRONT)), 4),
        "back_field_accuracy": round(right_back / (images * len(BACK)), 4),
        "cards_valid_rate": round(valid / images, 4),
        "baseline_rapidocr_median_ms": round(base_ms, 1),
        "speedup_vs_rapidocr": round(base_ms / median_ms, 2),
        "load_average_1m": round(os.getloadavg()[0], 2),
    }
    report("ID card OCR (generated phone photos)", figures)
