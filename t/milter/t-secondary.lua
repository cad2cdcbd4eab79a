-- t-secondary.lua -- a secondary (smtp:) proxy address of a contact is
-- replaced by the target too: bob.lee@contoso.com -> bob@fourthcoffee.com.
dofile(tdir .. "/mtlib.lua")

local conn = connect()
mailfrom(conn, "someone@example.org")
rcpt(conn, "<bob.lee@contoso.com>", "continue")
finish(conn, "4XbQ2B1mk0z1")
deleted(conn, "<bob.lee@contoso.com>")
added(conn, "<bob@fourthcoffee.com>")
header_added(conn, "X-Mailswitch", "rcpt=<bob.lee@contoso.com> -> <bob@fourthcoffee.com>")
log_has({ "4XbQ2B1mk0z1: ", "rcpt=<bob.lee@contoso.com> -> <bob@fourthcoffee.com>" })
mt.disconnect(conn)
