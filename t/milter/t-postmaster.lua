-- t-postmaster.lua -- <postmaster> without a domain (RFC 5321 4.1.1.3)
-- must always be accepted (4.5.1): untouched, in any case, no header; a
-- rewritten recipient beside it is still rewritten.
dofile(tdir .. "/mtlib.lua")

local conn = connect()
mailfrom(conn, "someone@example.org")
rcpt(conn, "<postmaster>", "continue")
rcpt(conn, "<PostMaster>", "continue", "4XbPM01mk0z1")
rcpt(conn, "<POSTMASTER>", "continue", "4XbPM01mk0z1")
finish(conn, "4XbPM01mk0z1")
for _, p in ipairs({ "<postmaster>", "<PostMaster>", "<POSTMASTER>" }) do
	deleted(conn, p, false)
	added(conn, p, false)
end
no_header_added(conn)
log_has({ "4XbPM01mk0z1: ", "rcpt=<PostMaster> unchanged postmaster" })
mt.disconnect(conn)

conn = connect()
mailfrom(conn, "someone@example.org")
rcpt(conn, "<postmaster>", "continue")
rcpt(conn, "<bob@contoso.com>", "continue", "4XbPM02mk0z1")
finish(conn, "4XbPM02mk0z1")
deleted(conn, "<postmaster>", false)
deleted(conn, "<bob@contoso.com>")
added(conn, "<bob@fourthcoffee.com>")
mt.disconnect(conn)
