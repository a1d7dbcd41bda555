"""Each new item with news goes into a story as the poller stores it: it joins the story that reports
the same news, updates it, or opens a new one (`feeds.understand.stories.decide`).

Two steps, so that CPU work never holds the database's writer:

    pending = clustering.prepare(new_items, matches, outlet="Deadline", now=now)   # facts: regexes, dateparser
    async with storage.transaction():
        fresh, _ = await storage.items.store_new_items(...)
        decisions = await clustering.cluster(storage, fresh, pending)            # decide + save, cheap

Inside the unit of work the shows' recent stories are the caller's alone, so two feeds reporting
the same renewal at the same moment make one story, not two. An item's report time is its
published time, or when it was first seen if it has none or claims one in the future."""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

from feeds.model import ItemRecord, NewItem, ShowMatch
from feeds.understand.records import Facts, Story, StoryDecision, Verdict
from feeds.understand.stories import Report, StoryRules, decide, report_facts
from storage.ports import Storage

_log = logging.getLogger(__name__)

__all__ = ["PendingReport", "StoryClustering"]


@dataclass(frozen=True, slots=True)
class PendingReport:
    """One item's news about one show, its facts already read, waiting for its item id."""

    dedup_key: str
    report: Report
    match: ShowMatch
    facts: Facts


@dataclass(frozen=True, slots=True)
class Clustered:
    """What became of one item's news about one show: the decision, its story as stored."""

    item_id: int
    decision: StoryDecision

    @property
    def story(self) -> Story:
        return self.decision.story


class StoryClustering:
    def __init__(self, rules: StoryRules | None = None) -> None:
        self.rules = rules or StoryRules()

    def prepare(self, items: Sequence[NewItem], matches: Mapping[str, Sequence[ShowMatch]], *, outlet: str,
                now: float) -> list[PendingReport]:
        """The reports of these items (before they are stored), with their facts read. A headline whose
        facts cannot be read is still clustered, with no facts (logged)."""
        pending: list[PendingReport] = []
        for item in items:
            for match in matches.get(item.dedup_key, ()):
                if not match.events:
                    continue
                at = min(item.published_at, now) if item.published_at is not None else now
                report = Report(item.title, item.summary, item.link, outlet, at)
                try:
                    facts = report_facts(report, match)
                except Exception:  # one odd headline must not hold up the feed
                    _log.exception("reading the facts of %r failed", item.title)
                    facts = Facts()
                pending.append(PendingReport(item.dedup_key, report, match, facts))
        return pending

    async def cluster(self, storage: Storage, fresh: Sequence[ItemRecord],
                      pending: Sequence[PendingReport]) -> list[Clustered]:
        """Decide and save, in published order, the pending reports of the items just stored (`fresh`;
        the others were stored before). Call inside the unit of work that stored them."""
        ids = {record.dedup_key: record.id for record in fresh}
        todo = sorted((p for p in pending if p.dedup_key in ids), key=lambda p: p.report.published_at)
        if not todo:
            return []
        horizon = self.rules.horizon
        since = todo[0].report.published_at - horizon
        open_stories: dict[int, dict[int, Story]] = {}
        for story in await storage.stories.recent({p.match.show_id for p in todo}, since=since):
            open_stories.setdefault(story.show_id, {})[story.id or 0] = story
        done: list[Clustered] = []
        for p in todo:
            item_id = ids[p.dedup_key]
            report = replace(p.report, item_id=item_id)
            known = open_stories.setdefault(p.match.show_id, {})
            candidates = [s for s in known.values() if s.last_seen >= report.published_at - horizon]
            try:
                decision = decide(report, p.match, candidates, rules=self.rules, facts=p.facts)
            except Exception:  # a bug in deciding must not lose the feed's items: they stay unclustered
                _log.exception("deciding the story of %r failed", report.title)
                continue
            saved = await storage.stories.save(decision, item_id=item_id, reported_at=report.published_at)
            known[saved.id or 0] = saved
            done.append(Clustered(item_id, replace(decision, story=saved)))
            _log.debug("item %d (%s): %s — %s", item_id, p.match.show, decision.verdict.value, decision.why)
        return done


def count(clustered: Sequence[Clustered], verdict: Verdict) -> int:
    return sum(1 for c in clustered if c.decision.verdict is verdict)
