"""The web dashboard: server-rendered pages over the same library functions the CLI calls.

``app.create_app`` builds the Starlette application; each page group is one module of
``routes/`` that parses the request, calls one library function and renders one template. No
route publishes: the runner (``campaign run``) stays its own process, so a reload of the web
server can never send a post twice.
"""
