"""Label renderers: validated label contents in, bytes for one printer job or document out."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Protocol

from sealpost.domain.labels import LabelContent, LabelSpec


class LabelRenderer(Protocol):
    #: MIME type of the output (``application/pdf``, ``image/png``, ``application/vnd.zebra.zpl`` …).
    media_type: str
    #: File name extension without the dot.
    extension: str
    #: Whether :meth:`render` accepts more than one label (one PDF, one print job).
    batch: bool

    def render(
        self,
        labels: Sequence[LabelContent],
        spec: LabelSpec,
        on_label: Callable[[int], None] | None = None,
    ) -> bytes:
        """All ``labels`` as one document or print job (one page / one label each).

        ``on_label(n)`` is called after each label is drawn (progress bars).
        """
        ...
