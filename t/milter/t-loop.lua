-- t-loop.lua -- a contact whose target leads back to itself is rejected at
-- RCPT time with 554 5.4.6: a cycle (loop1 <-> loop2) and a self-reference.
dofile(tdir .. "/mtlib.lua")

local conn = connect()
mailfrom(conn, "someone@example.org")
rcpt(conn, "<loop1@contoso.com>", "replycode")
log_has({ "reject rcpt=<loop1@contoso.com> 554 5.4.6" })
rcpt(conn, "<self@contoso.com>", "replycode", "4XbQ6F1mk0z1")
log_has({ "reject rcpt=<self@contoso.com> 554 5.4.6" })
rcpt(conn, "<loop2@contoso.com>", "replycode", "4XbQ6F1mk0z1")
log_has({ "reject rcpt=<loop2@contoso.com> 554 5.4.6" })
rcpt(conn, "<bob@contoso.com>", "continue", "4XbQ6F1mk0z1")
finish(conn, "4XbQ6F1mk0z1")
deleted(conn, "<loop1@contoso.com>", false)
deleted(conn, "<self@contoso.com>", false)
deleted(conn, "<bob@contoso.com>")
added(conn, "<bob@fourthcoffee.com>")
mt.disconnect(conn)
