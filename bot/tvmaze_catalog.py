"""Shows from TVmaze into the catalog: the show's name as its title, its AKAs as aliases, its TVmaze
id kept (so importing it again finds the same show). Shared by `/subscribe` (a show the catalog
lacks, picked from TVmaze's matches) and `showbot catalog tvmaze`."""

from __future__ import annotations

import logging

from feeds.model import CatalogShow
from feeds.tvmaze import TvmazeClient, TvmazeShow, TvmazeUnavailable
from feeds.understand.text import fold
from storage.errors import ShowConflict
from storage.ports import CatalogStore

_log = logging.getLogger(__name__)

MAX_AKAS = 20
MAX_ALIAS = 100


class NotOnTvmaze(LookupError):
    """TVmaze has no show with that id."""


async def import_show(catalog: CatalogStore, tvmaze: TvmazeClient, tvmaze_id: int) -> CatalogShow:
    """The catalog's show for TVmaze show `tvmaze_id`, added (with its AKAs) when it isn't there yet.
    Raises TvmazeUnavailable, NotOnTvmaze."""
    known = await catalog.show_by_tvmaze(tvmaze_id)
    if known is not None:
        return known
    show = await tvmaze.show(tvmaze_id)
    if show is None:
        raise NotOnTvmaze(f"TVmaze has no show {tvmaze_id}")
    return await add_show(catalog, show)


async def add_show(catalog: CatalogStore, show: TvmazeShow) -> CatalogShow:
    aliases = [a for a in show.akas if len(a) <= MAX_ALIAS and fold(a)][:MAX_AKAS]
    titles = [show.name] + ([f"{show.name} ({show.year})"] if show.year else []) + [f"{show.name} (TVmaze {show.id})"]
    for title in titles:
        try:
            show_id = await catalog.upsert_show(title, aliases, tvmaze_id=show.id)
        except ShowConflict:  # another show already has that title: the next one says which this is
            continue
        added = await catalog.show_by_id(show_id)
        assert added is not None
        _log.info("catalog: %s joined from TVmaze %d with %d aliases", added.title, show.id, len(aliases))
        return added
    raise ShowConflict(f"no free title for TVmaze show {show.id}")


async def candidates(catalog_shows: list[CatalogShow], tvmaze: TvmazeClient, query: str, *,
                     limit: int = 3) -> list[TvmazeShow]:
    """TVmaze's matches for `query` that the catalog doesn't hold yet (by TVmaze id or by title).
    Raises TvmazeUnavailable."""
    known_ids = {s.tvmaze_id for s in catalog_shows if s.tvmaze_id is not None}
    known_titles = {fold(s.title) for s in catalog_shows}
    found = await tvmaze.search(query)
    return [s for s in found if s.id not in known_ids and fold(s.name) not in known_titles][:limit]


__all__ = ["NotOnTvmaze", "TvmazeUnavailable", "add_show", "candidates", "import_show"]
