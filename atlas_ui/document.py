"""Streamlit's HTML document as it leaves the server: Dutch, and the map's library early.

Streamlit serves one ``index.html`` for every page and has no setting for
either change below, so this ASGI middleware rewrites the document (only the
document: assets, the websocket and media pass untouched).

* ``<html lang="nl">`` (WCAG 3.1.1): screen readers pick Dutch pronunciation
  from the first byte; a script setting it after loading would come too late
  for some of them.
* ``<link rel="preload">`` for deck.gl's bundle (:data:`atlas_ui.maps.DECK_URL`):
  the browser fetches it while Streamlit boots and the server runs the page;
  ``atlas_ui/kaart.js`` then runs it from the cache when the map mounts (about
  0.1 s of a fresh visit's first map). Running it early (an ``async`` script)
  was slower: it competes with Streamlit's own start-up for the main thread.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

Message = MutableMapping[str, Any]
ASGIApp = Callable[[MutableMapping[str, Any], Callable[[], Awaitable[Message]],
                    Callable[[Message], Awaitable[None]]], Awaitable[None]]

ENGLISH = b'<html lang="en"'
DUTCH = b'<html lang="nl"'
HEAD_END = b"</head>"
#: Paths that never serve the HTML document (assets, websocket, media, components).
NOT_DOCUMENTS = ("/_stcore/", "/static/", "/media/", "/component/", "/app/static/")


def deck_preload(url: str) -> bytes:
    """The head's ``<link rel=preload>`` for deck.gl's bundle: fetched early, run later."""
    return f'<link rel="preload" as="script" data-atlas-deck href="{url}">'.encode("ascii")


def rewrite_document(html: bytes, deck_url: str) -> bytes:
    """The document in Dutch, with deck.gl's preload in its head."""
    html = html.replace(ENGLISH, DUTCH, 1)
    if HEAD_END in html and b"data-atlas-deck" not in html:
        html = html.replace(HEAD_END, deck_preload(deck_url) + HEAD_END, 1)
    return html


class DocumentMiddleware:
    """Serve Streamlit's HTML document rewritten by :func:`rewrite_document`.

    Parameters
    ----------
    app : ASGI application
        The wrapped Streamlit application.
    deck_url : str
        Where the page loads deck.gl from (relative to the page).
    """

    def __init__(self, app: ASGIApp, deck_url: str) -> None:
        self.app = app
        self.deck_url = deck_url

    async def __call__(self, scope, receive, send) -> None:
        path = scope.get("path", "")
        if scope["type"] != "http" or path.startswith(NOT_DOCUMENTS):
            await self.app(scope, receive, send)
            return
        # Ask for the document uncompressed so its bytes can be read; it is small.
        scope = {**scope, "headers": [(k, v) for k, v in scope.get("headers", [])
                                      if k.lower() != b"accept-encoding"]}
        start: Message | None = None  # held back until the length of the new body is known
        body = bytearray()

        async def send_rewritten(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                headers = dict((k.lower(), v) for k, v in message.get("headers", []))
                if (headers.get(b"content-type", b"").startswith(b"text/html")
                        and b"content-encoding" not in headers):
                    start = message
                    return
            elif message["type"] == "http.response.body" and start is not None:
                body.extend(message.get("body", b""))
                if message.get("more_body", False):
                    return
                html = rewrite_document(bytes(body), self.deck_url)
                headers = [(k, v) for k, v in start.get("headers", [])
                           if k.lower() != b"content-length"]
                await send({**start, "headers": [*headers, (b"content-length",
                                                            str(len(html)).encode())]})
                message = {**message, "body": html}
            await send(message)

        await self.app(scope, receive, send_rewritten)
