"""Building the pipeline's collaborators from settings: the cached embedder and the drafter."""

from __future__ import annotations

from symphonia.pipeline.contracts import Drafter, Embedder
from symphonia.services.errors import ServiceError
from symphonia.settings import Settings


def build_embedder(settings: Settings) -> Embedder:
    """The configured sentence-transformers model behind the persistent embedding cache."""
    from symphonia.pipeline.embed import SentenceTransformerEmbedder
    from symphonia.pipeline.embedding_cache import CachedEmbedder, EmbeddingCache

    settings.resolved_embedding_cache.parent.mkdir(parents=True, exist_ok=True)
    cache = EmbeddingCache(settings.resolved_embedding_cache)
    return CachedEmbedder(SentenceTransformerEmbedder(settings.embedding_model), cache)


def build_drafter(name: str, settings: Settings) -> Drafter:
    """The named drafter; an unknown name is refused with the list of known ones."""
    from symphonia.pipeline.llm import DRAFTERS, make_drafter

    if name not in DRAFTERS:
        raise ServiceError(f"unknown drafter {name!r}; expected one of {', '.join(DRAFTERS)}")
    return make_drafter(name, settings)
