import types

import verifier


def test_all_matches_public_names():
    public = {n for n, v in vars(verifier).items()
              if not n.startswith("_") and not isinstance(v, types.ModuleType)}
    assert set(verifier.__all__) - {"__version__"} == public
    for name in verifier.__all__:
        assert hasattr(verifier, name), name
