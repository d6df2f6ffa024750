"""Business logic of notifications, one module per concept; callers import the module they need.

From the bottom up: errors, events (the events service's view of an event), recording (each
email once, by its dedupe key), fan_out (one page of an event's buyers at a time), sending
(claim, SMTP, retry with backoff, settle) and log (the staff's list and retry). A module imports
only those before it.

Every email is a `Notification` row first. Recording uses its unique dedupe key, so recording
the same email again (a redelivered or duplicated task) inserts nothing; a worker sends it only
after claiming the row with a conditional UPDATE, so two deliveries of its send cannot both send.
"""
