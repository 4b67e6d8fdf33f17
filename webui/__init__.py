"""HTML for operators: the review page of a link run (pure rendering, standard library only)."""
from webui.assets import PAGE_HEADERS
from webui.review_page import render_not_found_page, render_review_page

__all__ = ["PAGE_HEADERS", "render_not_found_page", "render_review_page"]
