-- t-forward.lua -- a recipient of an internal_relay domain that is not in
-- the directory is rewritten to local@forward_to:
-- nobody@contoso.com -> nobody@legacy.contoso.com.
dofile(tdir .. "/mtlib.lua")

local conn = connect()
mailfrom(conn, "someone@example.org")
rcpt(conn, "<nobody@contoso.com>", "continue")
finish(conn, "4XbQ7G1mk0z1")
deleted(conn, "<nobody@contoso.com>")
added(conn, "<nobody@legacy.contoso.com>")
header_added(conn, "X-Mailswitch", "rcpt=<nobody@contoso.com> -> <nobody@legacy.contoso.com>")
log_has({ "4XbQ7G1mk0z1: ", "rcpt=<nobody@contoso.com> -> <nobody@legacy.contoso.com>" })
mt.disconnect(conn)
