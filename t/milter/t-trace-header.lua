-- t-trace-header.lua -- one X-Mailswitch header per rewritten recipient,
-- none for the recipients left alone.
dofile(tdir .. "/mtlib.lua")

local conn = connect()
mailfrom(conn, "someone@example.org")
rcpt(conn, "<bob@contoso.com>", "continue")
rcpt(conn, "<dan.park@contoso.com>", "continue", "4XbQ8H1mk0z1")
rcpt(conn, "<nobody@contoso.com>", "continue", "4XbQ8H1mk0z1")
rcpt(conn, "<someone@example.org>", "continue", "4XbQ8H1mk0z1")
finish(conn, "4XbQ8H1mk0z1")
header_added(conn, "X-Mailswitch", "rcpt=<bob@contoso.com> -> <bob@fourthcoffee.com>")
header_added(conn, "X-Mailswitch", "rcpt=<nobody@contoso.com> -> <nobody@legacy.contoso.com>")
local n = header_count(conn, "X-Mailswitch")
check(n == 2, "two X-Mailswitch headers (got " .. n .. ")")
mt.disconnect(conn)
