"""SPARQL text: ``lexer`` (the one lexer every stage reads SPARQL through), ``text`` (cheap facts and the
safety scan built on it), ``parse`` (rdflib's full parse, in a subprocess with a deadline)."""
