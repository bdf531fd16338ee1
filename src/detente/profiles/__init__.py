"""Interlocutor profiles: reading a counterpart from its record of events and from its
leader's published psychological profile, and turning a profile into model parameters.

Modules: :mod:`~detente.profiles.events` (read/validate CAMEO event files),
:mod:`~detente.profiles.dyad` (weekly series, net cooperation),
:mod:`~detente.profiles.predictability`,
:mod:`~detente.profiles.saydo` (say-do gap, lead/lag test), :mod:`~detente.profiles.profile`
(the profile document and its JSON), :mod:`~detente.profiles.leaders` (PsyCL),
:mod:`~detente.profiles.mapping` (profile → parameters) and :mod:`~detente.profiles.plots`.
"""

from __future__ import annotations

from detente.profiles.events import filter_events, read_events
from detente.profiles.leaders import leader_profile
from detente.profiles.mapping import load_mapping, profile_to_parameters
from detente.profiles.profile import event_profile, load_profile, save_profile

__all__ = [
    "event_profile",
    "filter_events",
    "leader_profile",
    "load_mapping",
    "load_profile",
    "profile_to_parameters",
    "read_events",
    "save_profile",
]
