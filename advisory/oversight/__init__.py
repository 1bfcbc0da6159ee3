"""Views that read across every app (role home pages, navigation, the quality dashboard).

This package sits above the business apps: it may import them; they never import it.
"""
