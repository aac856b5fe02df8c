"""Pictures (issue 14): fetch images as hostile input, store a local copy, make renditions, use them on the site.

- ``fetch``: downloading an image URL safely (addresses, redirects, limits, Pillow's verdict).
- ``render``: renditions (widths, formats, focal-point crops), written atomically.
- ``storage``: the "pictures" storage that writes files atomically.
- ``jobs``: the background tasks (django-tasks) and the function ``cache_images`` and the import share.
- ``html``: what templates, feeds and JSON-LD use (srcset, sizes, the Open Graph crop).
"""
