"""The team server (`zerotrail serve`): a REST API over the pipeline stages, for users with roles.

Where it sits: beside `cli/` at the top of the layers. Like the CLI it calls pipeline stages
only (and reads `model/` and `errors`), never the store, engine or ledger below them.

    app.py      create_app(db_url): the FastAPI app
    access.py   one workspace open per request (read-only unless it writes), DuckDB behind a lock
    auth.py     bearer tokens, and the roles each route admits
    api.py      the routes
    models.py   the JSON the routes send and take (pydantic; the OpenAPI document)
    errors.py   every refusal and failure as {"detail": "<one line>"}
    submissions.py  uploads (submitted) and their approval or rejection
    tiles.py    the log's C2SP tlog-tiles read path under /log (no token: hashes only)
    web.py      the web pages (login, dashboard), with sessions.py (server-side sessions,
                CSRF tokens) and ratelimit.py (failed logins); templates/ and static/
    witness.py  `zerotrail witness serve`: tlog-witness add-checkpoint, an app of its own
"""
