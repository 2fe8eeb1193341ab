"""The on-call roster: who is paged, in what order, at any moment.

roster.py    the file operators edit (`HELPLINE_ONCALL`), checked, and the Roster model
schedule.py  who is on call at an instant: shifts, rotations, overrides (pure)
catalog.py   the live roster of one process, reloaded when the file changes
"""

from helpline.oncall.catalog import RosterCatalog
from helpline.oncall.roster import Roster, Staff, load_roster

__all__ = ["Roster", "RosterCatalog", "Staff", "load_roster"]
