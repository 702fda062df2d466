"""The web dashboard: one more channel on Tandem's web host, for programme leads and mentors.

Server-rendered pages (Jinja2 through aiohttp-jinja2, `bot.web.render`), charts drawn as SVG on the
server, sign-in by one-time links from the chat (`bot.web.auth`). What the pages show comes from the
core (`bot.core.dashboard`), scoped to the signed-in person's role; what they change goes through the
same core commands, roles and audit as the chat.
"""
