-- t-notrace.lua -- with trace_header = "" (t-notrace.conf) recipients are
-- still rewritten, but no header is added.
dofile(tdir .. "/mtlib.lua")

local conn = connect()
mailfrom(conn, "someone@example.org")
rcpt(conn, "<bob@contoso.com>", "continue")
rcpt(conn, "<nobody@contoso.com>", "continue", "4XbQ9J1mk0z1")
finish(conn, "4XbQ9J1mk0z1")
deleted(conn, "<bob@contoso.com>")
added(conn, "<bob@fourthcoffee.com>")
deleted(conn, "<nobody@contoso.com>")
added(conn, "<nobody@legacy.contoso.com>")
no_header_added(conn)
check(header_count(conn, "X-Mailswitch") == 0, "no X-Mailswitch header")
mt.disconnect(conn)
