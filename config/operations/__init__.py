"""Running Parley, not using it: the management commands of a deploy.

`check_deploy` (is this node fit for production), `wait_for_db` and `migrate_locked`
(container start-up). They touch every app's settings and schema, so they belong to none.
"""
