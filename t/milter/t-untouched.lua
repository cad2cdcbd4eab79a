-- t-untouched.lua -- recipients in no configured domain, in an
-- external_relay domain, and a mailbox user's secondary address in a
-- domain without canonicalize are left alone: no recipient change, no
-- header.
dofile(tdir .. "/mtlib.lua")

local conn = connect()
mailfrom(conn, "someone@example.org")
rcpt(conn, "<someone@example.org>", "continue")
rcpt(conn, "<x@fourthcoffee.com>", "continue", "4XbQBL1mk0z1")
rcpt(conn, "<dan.park@contoso.com>", "continue", "4XbQBL1mk0z1")
rcpt(conn, "<dan@contoso.com>", "continue", "4XbQBL1mk0z1")
rcpt(conn, "<cdiaz@contoso.com>", "continue", "4XbQBL1mk0z1")
finish(conn, "4XbQBL1mk0z1")
for _, p in ipairs({ "<someone@example.org>", "<x@fourthcoffee.com>",
    "<dan.park@contoso.com>", "<dan@contoso.com>", "<cdiaz@contoso.com>" }) do
	deleted(conn, p, false)
	added(conn, p, false)
end
added(conn, "<Carol.Diaz@sales.contoso.com>", false)
no_header_added(conn)
mt.disconnect(conn)
