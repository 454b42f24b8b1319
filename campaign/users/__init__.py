"""The people who use the web dashboard: their names, roles and passwords, and the audit log of
what each of them did. The CLI's ``campaign users`` and the dashboard's log-in both go through
:class:`~campaign.users.store.UserStore`."""
