"""Atom feeds of published briefings and findings, all or per topic (Django's syndication
framework). Items come from the same published snapshots as the pages."""

from __future__ import annotations

from typing import Any

from django.contrib.syndication.views import Feed
from django.http import Http404
from django.utils.feedgenerator import Atom1Feed

from . import public
from .services import topics

LIMIT = 50


class _Base(Feed):
    feed_type = Atom1Feed
    kind = ""

    def get_object(self, request: Any, key: str | None = None) -> Any:
        if key is None:
            return None
        topic = topics().get(key)
        if topic is None:
            raise Http404("There is no such topic")
        return topic

    def title(self, obj: Any) -> str:
        what = f"Case Review Observatory: {self.kind}"
        return f"{what} on {obj.name}" if obj else what

    def link(self, obj: Any) -> str:
        return f"/learning/topics/{obj.key}/" if obj else "/learning/"

    def subtitle(self, obj: Any) -> str:
        return f"New and updated {self.kind} from national learning from case reviews."

    def item_link(self, item: dict) -> str:
        return item["url"]

    def item_title(self, item: dict) -> str:
        return item.get("title") or item.get("heading") or ""


class BriefingFeed(_Base):
    kind = "briefings"

    def items(self, obj: Any) -> list[dict]:
        cards = public.index_data()["briefings"]
        if obj is not None:
            cards = [c for c in cards if obj.key in (c["issue"], c["stage"])]
        return cards[:LIMIT]

    def item_description(self, item: dict) -> str:
        return item["summary"]

    def item_pubdate(self, item: dict):
        return item["published"]

    def item_updateddate(self, item: dict):
        return item["updated"]

    def item_guid(self, item: dict) -> str:
        return f"briefing-{item['slug']}-v{item['version']}"


class FindingFeed(_Base):
    kind = "findings"

    def items(self, obj: Any) -> list[dict]:
        chosen = {} if obj is None else {public._facet_param(obj.kind): obj.key}
        cards = public.search(chosen)["findings"]
        return sorted(cards, key=lambda c: c["published"], reverse=True)[:LIMIT]

    def item_description(self, item: dict) -> str:
        return item["text"]

    def item_pubdate(self, item: dict):
        return item["published"]

    def item_guid(self, item: dict) -> str:
        return f"finding-{item['id']}"
