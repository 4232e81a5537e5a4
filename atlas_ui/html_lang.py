"""The page language for assistive technology: ``<html lang="nl">`` (WCAG 3.1.1).

Streamlit serves one ``index.html`` for every page with ``lang="en"`` and has no
setting for it. This ASGI middleware rewrites that attribute in the HTML
document as it leaves the server, so screen readers pick Dutch pronunciation
from the first byte (a script setting it after loading would come too late for
some of them). Everything else passes through untouched.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

Message = MutableMapping[str, Any]
ASGIApp = Callable[[MutableMapping[str, Any], Callable[[], Awaitable[Message]],
                    Callable[[Message], Awaitable[None]]], Awaitable[None]]

ENGLISH = b'<html lang="en"'
DUTCH = b'<html lang="nl"'  # same length: Content-Length stays right
#: Paths that never serve the HTML document (assets, websocket, media, components).
NOT_DOCUMENTS = ("/_stcore/", "/static/", "/media/", "/component/", "/app/static/")


class DutchDocumentMiddleware:
    """Serve Streamlit's HTML document with ``lang="nl"``.

    Parameters
    ----------
    app : ASGI application
        The wrapped Streamlit application.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope, receive, send) -> None:
        path = scope.get("path", "")
        if scope["type"] != "http" or path.startswith(NOT_DOCUMENTS):
            await self.app(scope, receive, send)
            return
        # Ask for the document uncompressed so its bytes can be read; it is small.
        scope = {**scope, "headers": [(k, v) for k, v in scope.get("headers", [])
                                      if k.lower() != b"accept-encoding"]}
        is_html = False

        async def send_dutch(message: Message) -> None:
            nonlocal is_html
            if message["type"] == "http.response.start":
                headers = dict((k.lower(), v) for k, v in message.get("headers", []))
                is_html = (headers.get(b"content-type", b"").startswith(b"text/html")
                           and b"content-encoding" not in headers)
            elif message["type"] == "http.response.body" and is_html:
                message = {**message,
                           "body": message.get("body", b"").replace(ENGLISH, DUTCH, 1)}
            await send(message)

        await self.app(scope, receive, send_dutch)
