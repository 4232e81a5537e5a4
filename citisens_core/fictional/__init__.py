"""The fictional world: everything generated, nothing read from real files.

:mod:`.synthetic` is the generative model (national cell distribution and
P(profile | cell)); :mod:`.survey` draws the synthetic reference survey from it;
:mod:`.population` draws households and aggregates them into CBS-style figures;
:mod:`.demo` builds the embedded demo gemeente Lindewaarde (fictief). Real input
is read by :mod:`citisens_core.geodata` and :mod:`citisens_core.survey` only.
"""
