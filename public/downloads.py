"""Downloads that stream: a CSV of any size goes out row by row, read in chunks, so its size
never sits in memory (a million claims is one chunk at a time)."""

import csv
from collections.abc import Iterable, Sequence

from django.http import StreamingHttpResponse


class _Line:
    """A file-like object csv.writer writes one row into, handed straight back."""

    def write(self, text: str) -> str:
        return text


def csv_download(
    rows: Iterable[Sequence[object]], *, header: Sequence[str], filename: str, bom: bool = False
) -> StreamingHttpResponse:
    """A streamed CSV attachment: the header, then each row as it is produced. With `bom`, a
    UTF-8 byte-order mark first, so Excel reads accents right."""
    writer = csv.writer(_Line())

    def lines():
        yield ("\ufeff" if bom else "") + writer.writerow(header)
        for row in rows:
            yield writer.writerow(row)

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
