"""The page groups of the dashboard, one module each, each listing its routes in ``ROUTES``.

A route parses the request, checks the user's role (:func:`campaign.web.auth.require`), calls
one library function (in the thread pool: the library is synchronous) and renders one template.
"""
