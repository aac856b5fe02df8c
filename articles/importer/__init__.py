"""The seed-file importer: seed files -> articles, and articles -> seed files.

A run (``run.import_seed_files``, what ``manage.py import_seeds`` calls) takes
each file through these modules, in this order:

``read``      reads and hashes files a chunk ahead; the run skips bytes imported
              before and hands the rest to parser processes;
``parse``     bytes -> front matter and body (a ``SeedDocument``), or a one-line
              ``SeedError``;
``validate``  document -> ``SeedRecord``: column values (``convert`` turns
              each value as its ``Field`` says), and what the columns
              cannot hold kept as JSON (``values``);
``write``     a batch of records -> rows, in one transaction, with each file's
              outcome; ``ids`` finds or creates providers and topics, ``rows``
              writes many rows in one statement;
``report``    the outcomes counted, and the summary line;
``run``       the whole run: chunks, batches written again when they lose a
              race, ``ANALYZE`` on PostgreSQL, the run's log line.

``export`` is the way back: articles -> seed files.
"""
