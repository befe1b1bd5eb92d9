"""Text recognition port: image bytes in, upright text boxes out.

The image is given as the bytes of an encoded file (JPEG, PNG, WebP) and must be decoded in
memory: an adapter never writes it to disk, to a log or to a temporary file.
"""

from __future__ import annotations

from typing import Protocol

from sealpost.domain.ocr import OcrPage, Point, Quad, TextBox

__all__ = ["OcrPage", "Point", "Quad", "TextBox", "TextRecognizer"]


class TextRecognizer(Protocol):
    """Reads the text of a photographed document."""

    def recognize(self, image: bytes) -> OcrPage:
        """Find and read every text line; rotation (90° steps) and skew are corrected.

        Raises :class:`sealpost.errors.SealpostError` with code ``image_unreadable`` when the
        bytes are not an image this recognizer can decode.
        """
        ...
