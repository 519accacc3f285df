"""One registry of hidden constants: one name each, defaults 1, proof values where the proofs pin them."""
import pytest
import sympy as sp

from proofs_checks import registry
from proofs_checks.hidden_constants import HIDDEN_CONSTANTS, canonical_name, resolve


def test_defaults_are_one_and_proof_values_documented():
    for h in HIDDEN_CONSTANTS.values():
        assert h.default == 1.0, h.name
        assert h.where and h.meaning and h.statements
        if h.proof_value is not None:
            assert h.proof_source, h.name


def test_every_constant_is_used_by_a_statement_it_names_and_every_hidden_symbol_is_registered():
    by_id = {st.id: st for st in registry.statements()}
    for h in HIDDEN_CONSTANTS.values():
        assert any(h.name in by_id[sid].hidden_constants() for sid in h.statements), h.name
    registered = {h.symbol for h in HIDDEN_CONSTANTS.values()}
    for st in registry.statements():
        syms = set()
        for cond in st.hypotheses + st.conclusions:
            syms |= cond.lhs.free_symbols | cond.rhs.free_symbols
        for _, e, _ in st.quantities:
            syms |= sp.sympify(e).free_symbols
        unnamed = {s for s in syms if s.name.startswith("C_") and s not in registered}
        assert not unnamed, (st.id, unnamed)


def test_resolve_choices_overrides_and_aliases():
    d = resolve()
    assert set(d) == set(HIDDEN_CONSTANTS) and all(v == 1.0 for v in d.values())
    p = resolve(choice="proof")
    assert p["C_width_L3.6"] == 8192.0 and p["C_width_L3.5"] == 2048.0 and p["C_width_L3.3"] == 156.0
    assert resolve({"C_width_L3_3": 7.0})["C_width_L3.3"] == 7.0          # TOML-friendly alias
    assert canonical_name("C_m_L36") == "C_width_L3.6"
    with pytest.raises(ValueError, match="unknown hidden constant"):
        resolve({"C_nope": 1.0})
    with pytest.raises(ValueError, match="positive"):
        resolve({"C_width_L3.3": -1.0})
    with pytest.raises(ValueError):
        resolve(choice="guess")
