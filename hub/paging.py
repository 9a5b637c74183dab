"""A list shown a page at a time: how many pages it makes, and the page as the admin pages, the
steward's pages and their JSON read it. An empty list is one empty page, so "page 1 of 1" is always
a page to link to, and a page past the last is told apart by `page > pages`."""

from __future__ import annotations


def page_count(total: int, per_page: int) -> int:
    """The pages `total` items make at `per_page` a page: at least one."""
    return max(1, -(-total // per_page))


def paged(total: int, page: int, per_page: int, items: list) -> dict:
    """One page of a list: {total, page, per_page, pages, items}."""
    return dict(total=total, page=page, per_page=per_page, pages=page_count(total, per_page), items=items)
