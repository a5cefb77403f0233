"""Building the pipeline's collaborators from settings: the cached embedder and the drafter."""

from __future__ import annotations

from symphonia.pipeline.contracts import Drafter, Embedder
from symphonia.services.errors import ServiceError
from symphonia.settings import Settings


def build_embedder(settings: Settings) -> Embedder:
    """The configured model and backend behind the persistent embedding cache, with its int8
    copy for rounds above `embedding_int8_above` fragments on ONNX; an unknown backend is
    refused with the list of known ones."""
    from symphonia.pipeline.embed_by_size import BySize
    from symphonia.pipeline.embed_onnx import BACKENDS, OnnxEmbedder, make_embedder
    from symphonia.pipeline.embedding_cache import CachedEmbedder, EmbeddingCache

    if settings.embedding_backend not in BACKENDS:
        raise ServiceError(
            f"unknown embedding backend {settings.embedding_backend!r} "
            f"(SYMPHONIA_EMBEDDING_BACKEND); expected one of {', '.join(BACKENDS)}"
        )
    model = make_embedder(
        settings.embedding_model,
        backend=settings.embedding_backend,
        model_cache=settings.model_cache,
    )
    settings.resolved_embedding_cache.parent.mkdir(parents=True, exist_ok=True)
    cache = EmbeddingCache(settings.resolved_embedding_cache)
    full = CachedEmbedder(model, cache)
    if settings.embedding_int8_above is None or settings.embedding_backend == "torch":
        return full
    int8 = OnnxEmbedder(
        settings.embedding_model,
        model_cache=settings.model_cache,
        fallback=settings.embedding_backend == "auto",
        int8=True,
    )
    return BySize(full, CachedEmbedder(int8, cache), int8_above=settings.embedding_int8_above)


def build_drafter(name: str, settings: Settings, *, allow_fallback: bool = True) -> Drafter:
    """The named drafter; an unknown name is refused with the list of known ones. Without
    `allow_fallback`, a model that drafts nothing raises `DraftingFailed` rather than
    passing the extractive draft off as the model's."""
    from symphonia.pipeline.llm import DRAFTERS, make_drafter

    if name not in DRAFTERS:
        raise ServiceError(f"unknown drafter {name!r}; expected one of {', '.join(DRAFTERS)}")
    return make_drafter(name, settings, require_model=not allow_fallback)
