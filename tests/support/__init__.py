"""What tests share, apart from fixtures (those are in conftest.py): no test module imports another.

``paths``      the checkout's root and its seed fixtures;
``factories``  users, providers, topics and articles as rows;
``forms``      the admin's article pages, and forms read from HTML as a browser submits them;
``processes``  ``manage.py`` and gunicorn in processes of their own, and their environments;
``workflow``   the workflow's moves, written out by hand for the tests to hold the code to.
"""
