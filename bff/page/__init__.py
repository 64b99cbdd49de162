"""What the host page needs: the ``<craftkit-embed>`` element's files and a CSP for the page.

- ``element``: serves the element (``bff/static/``) beside the routes it calls;
- ``csp``: a Content-Security-Policy that frames Craftkit only, and the frame-ancestors
  matcher ``doctor`` uses to tell whether Craftkit's iframe lets a host origin frame it.

Rule: nothing here calls Craftkit or reads the identity.
"""
