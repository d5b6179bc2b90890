"""pyparsing grammars and TTP templates, one module per message family.

Grammar objects and their named results only: no I/O, no models. Installed as
``ike_debuglog.grammars``; the TTP templates are in ``ttp/``.
"""
