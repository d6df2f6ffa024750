"""Tables of the notification service (the notification log arrives with the notifications issue)."""
