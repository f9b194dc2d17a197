"""ASGI helpers for test servers that look at a request body before the MCP app handles it."""


async def read_body(receive):
    """The whole request body."""
    chunks, more = [], True
    while more:
        message = await receive()
        chunks.append(message.get("body", b""))
        more = message.get("more_body", False)
    return b"".join(chunks)


def replaying(body, receive):
    """A `receive` that hands the app `body` once, then whatever the connection says (disconnects)."""
    sent = False

    async def replay():
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay
