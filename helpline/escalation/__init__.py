"""Getting a person to a caller: escalations, the paging ladder, acknowledgement and relay.

Redis holds every escalation's state and due time (store.py); the ladder's
decisions are pure (ladder.py); RQ jobs only deliver pages and texts (pages.py);
a sweeper re-drives anything overdue (sweeper.py). The desk (desk.py) is what
callers' and staff members' texts meet.
"""
