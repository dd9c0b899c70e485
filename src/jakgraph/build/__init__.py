"""The build stage: read the curated sources, derive, validate, and hand back a ready store.

``pipeline.build_graph()`` is the entry point; ``sources`` reads the folders, ``derive`` runs the rules in
``derivations/``, ``validation`` runs pyshacl (``shacl_speedups`` holds the fenced speed-ups it installs) and
``report`` turns its report into plain data; ``identifier_shapes`` generates ``shapes/identifiers.ttl``.
"""
