"""SPARQL text: the one lexer that every stage uses to read a query or update without a full parse."""
