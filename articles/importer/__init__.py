"""The seed-file pipeline: file -> parsed document -> validated record -> rows, and back.

``parse`` reads bytes and YAML, ``validate`` turns a document into a record
(or a one-line ``SeedError``), ``load`` writes records in batches, ``export``
turns articles back into seed files.
"""
