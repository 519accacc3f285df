"""The paper's mathematics: closed forms (numpy), symbolic statements (sympy), high precision (mpmath)."""
