"""The review web app: the review queue in a browser, over the library's review functions."""

from __future__ import annotations

from transpub.review.web.app import create_app

__all__ = ["create_app"]
