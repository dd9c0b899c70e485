"""Published artefacts: the dumps, KGX, the VoID description and the generated schema/ontology docs."""
